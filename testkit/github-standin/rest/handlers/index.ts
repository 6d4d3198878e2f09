// Every REST operation the stand-in answers, by GitHub operation id. Anything else that matches the
// description gets 501 naming its operation id, so a gap is loud instead of a silent fake.
import type { RateLimits } from '../../rate-limit.ts';
import type { Handlers } from '../types.ts';
import { appHandlers } from './apps.ts';
import { appManifestHandlers } from './app-manifests.ts';
import { checkHandlers } from './checks.ts';
import { commitPullHandlers } from './commit-pulls.ts';
import { contentHandlers } from './contents.ts';
import { deploymentHandlers } from './deployments.ts';
import { gitRefHandlers } from './git-refs.ts';
import { hookDeliveryHandlers } from './hook-deliveries.ts';
import { issueHandlers } from './issues.ts';
import { labelHandlers } from './labels.ts';
import { pullHandlers } from './pulls.ts';
import { reactionHandlers } from './reactions.ts';
import { repoHandlers } from './repos.ts';

export function allHandlers(limits: RateLimits): Handlers {
  return {
    ...appHandlers,
    ...appManifestHandlers,
    ...hookDeliveryHandlers,
    ...repoHandlers(limits),
    ...issueHandlers,
    ...labelHandlers,
    ...reactionHandlers,
    ...checkHandlers,
    ...commitPullHandlers,
    ...pullHandlers,
    ...deploymentHandlers,
    ...gitRefHandlers,
    ...contentHandlers,
  };
}

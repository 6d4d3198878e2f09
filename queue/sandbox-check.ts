import { probeSandbox, sandboxRefusal } from '../src/render/sandbox-probe.ts';
import { onSandboxWarning, setSandboxPolicy, type SandboxPolicy } from '../src/render/sandbox.ts';
import type { Logger } from './log.ts';

/**
 * A worker renders pull requests, which anyone who can open one wrote: it sets the sandbox policy before
 * taking jobs and says at once, loudly, when renders will not be confined or cannot run. A worker whose
 * sandbox cannot be created keeps serving jobs that render nothing (unlock, help…); every render fails
 * with the same explanation on the pull request's check run.
 */
export async function checkSandbox(policy: SandboxPolicy, log: Logger): Promise<boolean> {
  setSandboxPolicy(policy);
  onSandboxWarning((line) => log.warn({ sandbox: 'degraded' }, line));
  if (policy.mode === 'off') {
    log.warn({ sandbox: 'off' }, 'BOSUN_SANDBOX=off: kustomize and helm run UNCONFINED on pull request content, with this worker\'s files, network and rights; anyone who can open a pull request can run code here. Use only when every pull request author is trusted');
    return true;
  }
  const status = await probeSandbox();
  if (status.ok) {
    log.info({ sandbox: 'on', limits: policy.limits, outputBytes: policy.outputBytes }, 'render sandbox ready');
    return true;
  }
  log.error({ sandbox: 'unavailable' }, `${sandboxRefusal(status, 'BOSUN_SANDBOX=off (logged at every start)')}. This worker will refuse to render pull requests until then`);
  return false;
}

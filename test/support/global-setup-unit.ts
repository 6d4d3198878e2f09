// Global setup of the `unit` project (vitest.config.ts): Redis on 127.0.0.1:6379 and the render sandbox's
// bubblewrap, but no Kubernetes API server. The cluster helpers (testkit/testenv/inject.ts) throw in this
// project, so a suite that needs the cluster and is missing from clusterSuites (vitest.config.ts) fails loudly.
import type { TestProject } from 'vitest/node';
import { ensureRedis } from '../../testkit/redis.ts';
import { ensureBubblewrap } from './sandbox.ts';
import type {} from '../../testkit/testenv/project.ts';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export default async function setup(project: TestProject): Promise<void> {
  await ensureRedis({ log });
  await ensureBubblewrap({ log });
  project.provide('testProject', 'unit');
  project.provide('kubeconfig', '');
  project.provide('testCluster', null);
}

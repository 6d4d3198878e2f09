// A worker on a machine where the render sandbox cannot be created (no bubblewrap here; in a pod, a
// seccomp profile refusing user namespaces) must not fall back to rendering unconfined: it says so at
// start, and every pull request gets a failed check run that says why and how to allow the sandbox.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../queue/log.ts';
import { toolRunCount } from '../../src/render/process.ts';
import { buildExampleRepo, type ExampleRepo } from '../../testkit/example-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

// The repository the example's Flux GitRepository names (fixtures/example-repo, gotk-sync.yaml).
const owner = 'example-org';
const name = 'shop-fleet';
type Json = Record<string, unknown>;

describe('a worker that cannot create the render sandbox', () => {
  let h: Harness;
  let work: string;
  let repo: ExampleRepo;
  const logs: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const log: Logger = {
    info: (fields, msg) => logs.push({ level: 'info', msg, fields }),
    warn: (fields, msg) => logs.push({ level: 'warn', msg, fields }),
    error: (fields, msg) => logs.push({ level: 'error', msg, fields }),
  };
  const saved = process.env.BOSUN_BWRAP;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-no-sandbox-'));
    process.env.BOSUN_BWRAP = join(work, 'no-such-bwrap'); // as if bubblewrap were not installed
    repo = await buildExampleRepo({ dir: join(work, 'repo') });
    h = await startHarness({ log });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: repo.branch, sha: repo.headSha }, base: { ref: 'main' }, user: 'alice' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (saved === undefined) delete process.env.BOSUN_BWRAP;
    else process.env.BOSUN_BWRAP = saved;
    await rm(work, { recursive: true, force: true });
  });

  it('says at start, as an error, why it will not render and how to allow it', () => {
    const line = logs.find((l) => l.level === 'error' && l.fields.sandbox === 'unavailable');
    expect(line?.msg).toContain('the render sandbox is unavailable: `bwrap` is not installed');
    expect(line?.msg).toContain('apt-get install bubblewrap');
    expect(line?.msg).toContain('BOSUN_SANDBOX=off');
  });

  it('fails every environment\'s check run with that explanation instead of rendering unconfined', async () => {
    const ranBefore = toolRunCount();
    const payload = h.gh.examplePayload('pull_request', 'opened', h.gh.repoPayload(owner, name), { number: 1, pull_request: await h.gh.pullPayload(owner, name, 1) });
    expect((await h.send('pull_request', payload)).status).toBeLessThan(300);
    const runs = await waitFor('completed check runs', () => {
      const found = h.gh.checkRuns(owner, name, repo.headSha).filter((r) => String(r.name).startsWith('bosun / '));
      return found.length >= 3 && found.every((r) => r.status === 'completed') ? found : undefined;
    }, 120_000);
    for (const run of runs) {
      expect(run.conclusion).toBe('failure');
      const output = run.output as Json;
      expect(`${String(output.summary)}\n${String(output.text ?? '')}`).toContain('the render sandbox is unavailable');
    }
    // Plain folders need no tool; nothing that needs kustomize or helm was started without the sandbox.
    expect(toolRunCount()).toBe(ranBefore);
  });
});

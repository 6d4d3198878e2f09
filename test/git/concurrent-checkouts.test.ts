// Many jobs on one mirror at once, with real git: 50 plans (two checkouts each) and 50 checkouts of the
// mirror cache in parallel, while another process keeps adding and pruning linked worktrees on the same
// mirror, as an older bosun or git's own gc does. With `git worktree add` + `git worktree prune`, a prune
// deleted the registration of an add that had not finished, and the plan died with "failed to read
// .git/worktrees/bosun-wt-…/commondir"; checkouts that register nothing cannot be hit by it.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { createMirrorCache } from '../../src/git/mirror.ts';
import { planChange } from '../../src/plan/plan.ts';
import { tempDir, tempRepo, writeFiles } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const configMap = (name: string, version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  version: "${version}"\n`;

describe('checkouts under concurrency', () => {
  it('50 concurrent plans and 50 concurrent checkouts on one mirror all succeed while another process adds and prunes worktrees on it', async () => {
    const origin = await tempRepo({
      'clusters/staging/app.yaml': configMap('app', '1'),
      'clusters/production/app.yaml': configMap('app', '1'),
    });
    cleanups.push(origin.cleanup);
    const base = await origin.commit('base');
    await writeFiles(origin.dir, { 'clusters/staging/app.yaml': configMap('app', '2'), 'clusters/staging/extra.yaml': configMap('extra', '1') });
    const head = await origin.commit('head');

    const cacheRoot = await tempDir('bosun-stress-cache-');
    cleanups.push(() => rm(cacheRoot, { recursive: true, force: true }));
    const cache = createMirrorCache({ root: cacheRoot });
    const mirror = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: `file://${origin.dir}` }, async () => 'unused', [base, head]);

    // Plans check out into the work root; give them one of their own to find leftovers in.
    const workRoot = await tempDir('bosun-stress-work-');
    cleanups.push(() => rm(workRoot, { recursive: true, force: true }));
    const savedWorkDir = process.env.BOSUN_WORK_DIR;
    process.env.BOSUN_WORK_DIR = workRoot;
    cleanups.push(async () => {
      if (savedWorkDir === undefined) delete process.env.BOSUN_WORK_DIR;
      else process.env.BOSUN_WORK_DIR = savedWorkDir;
    });

    // The interferers, back to back until the jobs are done: one adds and drops a worktree of its own,
    // two more only prune (against the old `worktree add` checkouts, one run in two or three failed).
    const foreign = await tempDir('bosun-stress-foreign-');
    cleanups.push(() => rm(foreign, { recursive: true, force: true }));
    let done = false;
    let rounds = 0;
    const adder = async () => {
      while (!done) {
        const dir = join(foreign, `wt-${rounds++}`);
        // The add races the pruners as bosun's old checkouts did, and loses now and then ("could not open
        // 'worktrees/wt-N/gitdir'"): that is the interference itself, not a failure of what is tested.
        await git(['worktree', 'add', '--detach', '--quiet', dir, base], { cwd: mirror.dir }).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      }
    };
    const pruner = async () => {
      while (!done) {
        await git(['worktree', 'prune'], { cwd: mirror.dir });
        rounds++;
      }
    };
    const interferers = Promise.all([adder(), pruner(), pruner()]);

    const plans = Array.from({ length: 50 }, () => planChange({ repoDir: mirror.dir, base, head, concurrency: 1 }));
    const checkouts = Array.from({ length: 50 }, (_, i) => cache.withCheckout(mirror, i % 2 === 0 ? base : head, async (co) => {
      return readFile(join(co.dir, 'clusters/staging/app.yaml'), 'utf8');
    }));
    const [planResults, checkoutResults] = await Promise.all([Promise.allSettled(plans), Promise.allSettled(checkouts)]).finally(() => {
      done = true;
    });
    await interferers;

    const failures = [...planResults, ...checkoutResults].filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    for (const r of planResults) {
      const plan = (r as PromiseFulfilledResult<Awaited<ReturnType<typeof planChange>>>).value;
      const staging = plan.environments.find((e) => e.name === 'staging');
      expect(staging?.changes.map((c) => `${c.action} ${c.name}`).sort()).toEqual(['create extra', 'update app']);
    }
    expect(checkoutResults.map((r) => (r as PromiseFulfilledResult<string>).value)).toEqual(
      Array.from({ length: 50 }, (_, i) => configMap('app', i % 2 === 0 ? '1' : '2')),
    );
    expect(rounds).toBeGreaterThan(0);

    // Everything is gone again: no checkout folder, no index file, and nothing of bosun's in the mirror.
    expect(await readdir(workRoot)).toEqual([]);
    expect(await readdir(join(cacheRoot, 'worktrees'))).toEqual([]);
    const registered = existsSync(join(mirror.dir, 'worktrees')) ? await readdir(join(mirror.dir, 'worktrees')) : [];
    expect(registered.filter((name) => name.startsWith('bosun-wt-'))).toEqual([]);
  }, 300_000);
});

// `bosun plan` as a real process, stopped by SIGTERM or SIGINT while helm renders: it must end helm's
// whole process group (the wrapper shell and its child), remove its checkouts and temporary folders, and
// exit 143 / 130 like any well-behaved command. Orphans are looked for in /proc by a marker only the
// test's helm carries.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBosun } from '../../testkit/bosun-process.ts';
import { waitFor } from '../../testkit/harness.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { bosunLeftovers, chartRepoFiles, processesMarked, writeSlowHelm } from '../support/slow-render.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('bosun plan stopped mid-render', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal}: no helm, sleep, checkout or temporary folder outlives it, and it exits ${code}`, async () => {
      const work = await mkdtemp(join(tmpdir(), 'bosun-signal-'));
      cleanups.push(() => rm(work, { recursive: true, force: true }));
      const repo = await makeGitRepo(join(work, 'repo'));
      for (const [path, content] of Object.entries(chartRepoFiles('1'))) await repo.write(path, content);
      const base = await repo.commit('chart');
      await repo.write('clusters/staging/values.yaml', 'version: "2"\n');
      const head = await repo.commit('version 2');
      const helm = await writeSlowHelm(work);
      // Folders of their own for bosun's temporary files and checkouts, to look for leftovers in.
      const temp = join(work, 'tmp');
      const checkouts = join(work, 'checkouts');
      await mkdir(temp);
      await mkdir(checkouts);
      cleanups.push(async () => {
        for (const p of await processesMarked(helm.mark)) process.kill(p.pid, 'SIGKILL');
      });

      const bosun = spawnBosun(['plan', '--repo', repo.dir, '--base', base, '--head', head], {
        BOSUN_HELM: helm.path,
        BOSUN_SANDBOX: 'off',
        TMPDIR: temp,
        BOSUN_WORK_DIR: checkouts,
      }, { home: work });
      let exited = false;
      void bosun.exited.then(() => {
        exited = true;
      });
      // Both sides of the plan render the chart: stop bosun once helm runs (and its sleep with it).
      await waitFor('helm to start under bosun plan', async () => {
        if (exited) throw new Error(`bosun plan exited before helm ran:\n${bosun.log()}`);
        return (await helm.started()).length > 0 && (await processesMarked(helm.mark)).some((p) => p.cmdline.startsWith('sleep'));
      }, 120_000);
      expect(await bosunLeftovers(checkouts)).toHaveLength(2); // base and head
      expect(await bosunLeftovers(temp)).toHaveLength(1); // the process's own temporary folder

      bosun.child.kill(signal);
      expect(await bosun.exited).toBe(code);
      expect(bosun.log()).toContain(`bosun: ${signal}: stopping child processes and removing temporary folders`);
      // SIGKILLed processes are gone once reaped; nothing may be left running after that.
      const orphans = await waitFor('helm and its sleep to be gone', async () => {
        const left = await processesMarked(helm.mark);
        return left.length === 0 ? left : undefined;
      }, 10_000).catch(async () => processesMarked(helm.mark));
      expect(orphans).toEqual([]);
      expect(await bosunLeftovers(checkouts)).toEqual([]);
      expect(await bosunLeftovers(temp)).toEqual([]);
    }, 180_000);
  }
});

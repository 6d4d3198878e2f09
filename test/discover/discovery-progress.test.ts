// Discovery says how far it got on a large repository (issue #16): on 10,000 Flux environments one side's
// discovery was 20–60 s without a line. A hook it calls after every folder, file, object and environment;
// the plan's throttle says a line 2 s after the start and then at most every 5 s, nothing for a fast
// discovery, and pauses discovery each time so the line can leave the process (a job's GitHub update).
// The clock is injected: no test here sleeps.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { DiscoveryCounts } from '../../src/discover/discovery-progress.ts';
import { discoveryLine, discoveryProgress, pauseForIo } from '../../src/plan/progress.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const recorder = () => {
  const messages: string[] = [];
  return { messages, progress: Object.assign((m: string) => { messages.push(m); }, { done: () => undefined }) };
};
const counts = (c: Partial<DiscoveryCounts>): DiscoveryCounts => ({ folders: 0, files: 0, objects: 0, environments: 0, walked: 0, ...c });

describe('the throttle of discovery progress', () => {
  it('says the first line 2 s after the start, then at most one every 5 s, and pauses discovery only when it said one', () => {
    const { messages, progress } = recorder();
    let clock = 1_000_000;
    let pauses = 0;
    const hook = discoveryProgress(progress, 'base', { now: () => clock, pause: async () => { pauses++; } });
    const asked: number[] = [];
    // One file read every 10 ms for 20 s.
    for (let i = 1; i <= 2000; i++) {
      clock += 10;
      if (hook(counts({ folders: 10, yamlFiles: 2000, files: i })) !== undefined) asked.push(i);
    }
    // Said at 2 s, 7 s, 12 s and 17 s: each with the count of that moment.
    expect(asked).toEqual([200, 700, 1200, 1700]);
    expect(pauses).toBe(4);
    expect(messages).toEqual([200, 700, 1200, 1700].map((n) => `discovering environments at base: ${n.toLocaleString('en-US')} of 2,000 YAML files read, 0 Flux, Argo CD and Fleet objects, 0 environments so far`));
  });

  it('says nothing for a discovery faster than 2 s', () => {
    const { messages, progress } = recorder();
    let clock = 0;
    const hook = discoveryProgress(progress, 'head', { now: () => clock });
    for (let i = 0; i < 1999; i++) {
      clock = i;
      expect(hook(counts({ files: i }))).toBeUndefined();
    }
    expect(messages).toEqual([]);
  });

  it('names the step discovery is in: folders while they are listed, then files, objects, environments and what they apply', () => {
    expect(discoveryLine('head', counts({ folders: 12_345 }))).toBe('discovering environments at head: 12,345 folders listed');
    expect(discoveryLine('base', counts({ folders: 9, yamlFiles: 100_002, files: 100_002, objects: 10_000, environments: 10_000, walked: 4_000 })))
      .toBe('discovering environments at base: 100,002 of 100,002 YAML files read, 10,000 Flux, Argo CD and Fleet objects, 10,000 environments so far, 4,000 checked for what they apply');
    expect(discoveryLine('base', counts({ yamlFiles: 1, files: 1, objects: 1, environments: 1 }))).toMatch(/, 1 environment so far$/);
  });
});

describe('discovery calls its progress hook as it walks', () => {
  let repo: GitRepoBuilder;
  const kustomization = (name: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ${name}, namespace: flux-system}\nspec: {interval: 1m, path: ./apps/${name}, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n`;
  const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {key: value}\n`;

  beforeAll(async () => {
    repo = await makeGitRepo();
    for (let i = 0; i < 12; i++) {
      await repo.write(`clusters/prod/app-${i}.yaml`, kustomization(`app-${i}`));
      await repo.write(`apps/app-${i}/cm.yaml`, configMap);
    }
    await repo.commit('twelve Flux environments');
  });
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('with counts that grow to what it found, and its pauses let the process\'s timers run in the middle of the walk', async () => {
    const { messages, progress } = recorder();
    // A clock that moves 6 s per look: every call of the hook is a line and a pause.
    let clock = 0;
    let timerRan = false;
    let timerRanBy: number | undefined;
    const said = Object.assign((m: string) => {
      progress(m);
      if (messages.length === 1) setTimeout(() => { timerRan = true; }, 0);
      else if (timerRan && timerRanBy === undefined) timerRanBy = messages.length;
    }, { done: () => undefined });
    const result = await discoverEnvironments(repo.dir, { repoUrls: [], progress: discoveryProgress(said, 'base', { now: () => (clock += 6000), pause: pauseForIo }) });
    expect(result.environments).toHaveLength(12);
    expect(messages[0]).toMatch(/^discovering environments at base: \d+ folders listed$/);
    expect(messages).toContain('discovering environments at base: 24 of 24 YAML files read, 12 Flux, Argo CD and Fleet objects, 0 environments so far');
    expect(messages.at(-1)).toBe('discovering environments at base: 24 of 24 YAML files read, 12 Flux, Argo CD and Fleet objects, 12 environments so far, 12 checked for what they apply');
    // The timer set at the first line ran before discovery was done: its pauses gave the event loop a turn.
    expect(timerRanBy).toBeDefined();
    expect(timerRanBy!).toBeLessThan(messages.length);
  });
});

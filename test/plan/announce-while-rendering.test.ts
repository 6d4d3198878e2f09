// What a plan tells its caller once the affected environments are known (`onAffected`: the worker sets their
// check runs in progress there) runs while they render — real git, a real plain-directory render — and the
// plan still waits for it: it returns only once the announcement is done, and fails with its error.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/plan/plan.ts';
import type { Progress } from '../../src/plan/progress.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  greeting: ${value}\n`;

let repo: GitRepoBuilder;
let base: string;
let head: string;

beforeAll(async () => {
  repo = await makeGitRepo();
  await repo.write('clusters/staging/settings.yaml', configMap('hello'));
  await repo.write('clusters/production/settings.yaml', configMap('hello'));
  base = await repo.commit('two environments');
  await repo.write('clusters/staging/settings.yaml', configMap('hi'));
  head = await repo.commit('staging says hi');
});

afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
});

/** Progress that resolves `rendered` once the plan says an environment was rendered. */
function renderWatch(): { progress: Progress; rendered: Promise<void> } {
  let seen!: () => void;
  const rendered = new Promise<void>((resolve) => (seen = resolve));
  const progress = Object.assign((message: string) => {
    if (message.startsWith('rendered ')) seen();
  }, { done: () => undefined });
  return { progress, rendered };
}

describe('announcing the affected environments', () => {
  it('goes on while they render, and the plan returns only once it is done', async () => {
    const { progress, rendered } = renderWatch();
    const told: string[][] = [];
    let announced = false;
    const plan = await planChange({
      repoDir: repo.dir, base, head, progress,
      // Done only after the render: a plan that waited for it before rendering would never finish.
      onAffected: async (envs) => {
        told.push(envs);
        await rendered;
        announced = true;
      },
    });
    expect(told).toEqual([['staging']]);
    expect(announced).toBe(true);
    const staging = plan.environments.find((e) => e.name === 'staging')!;
    expect(staging.affected).toBe(true);
    expect(staging.render).toEqual({ objects: 1, baseObjects: 1 });
    expect(staging.changes.map((c) => `${c.action} ${c.kind}/${c.name}`)).toEqual(['update ConfigMap/settings']);
    expect(plan.environments.find((e) => e.name === 'production')?.affected).toBe(false);
  });

  it('fails the plan with its own error when it fails, once the renders it ran beside are over', async () => {
    const { progress, rendered } = renderWatch();
    const attempt = planChange({
      repoDir: repo.dir, base, head, progress,
      onAffected: async () => {
        await rendered;
        throw new Error('the check run could not be created');
      },
    });
    await expect(attempt).rejects.toThrow('the check run could not be created');
  });
});

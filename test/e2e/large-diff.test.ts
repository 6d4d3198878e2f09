// A pull request whose diff is far larger than anything GitHub accepts in one comment or check run:
// the report must fit GitHub's limits and say exactly what it could not show — never cut silently.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario } from '../../testkit/scenario.ts';

const owner = 'acme';
const name = 'big';
const env = 'dev';

/** A ConfigMap with `lines` data keys, so its diff is about `lines` lines long. */
function bigConfigMap(i: number, lines: number, version: string): string {
  const data = Array.from({ length: lines }, (_, k) => `  key-${String(k).padStart(4, '0')}: "value ${k} of configmap ${i}, ${version}"`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-${i}\n  namespace: default\ndata:\n${data.join('\n')}\n`;
}

describe('a diff larger than GitHub\'s limits', () => {
  let h: Harness;
  let repo: GitRepoBuilder;
  let head: string;
  const s = scenario(owner, name, () => h);

  beforeAll(async () => {
    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', `version: 1\nenvironments:\n  - name: ${env}\n    path: clusters/dev\n`);
    for (let i = 0; i < 40; i++) await repo.write(`clusters/dev/big-${i}.yaml`, bigConfigMap(i, 60, 'v1'));
    await repo.commit('forty config maps');
    await repo.branch('rewrite');
    await repo.checkout('rewrite');
    // Every value of every ConfigMap changes: ~4,800 diff lines, ~400 KB of diff text.
    for (let i = 0; i < 40; i++) await repo.write(`clusters/dev/big-${i}.yaml`, bigConfigMap(i, 60, 'v2'));
    head = await repo.commit('rewrite every value');
    await repo.checkout('main');

    h = await startHarness();
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'rewrite', sha: head }, base: { ref: 'main' }, user: 'alice' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await rm(repo.dir, { recursive: true, force: true });
  });

  it('fits the check run and the comment within GitHub\'s limits and counts what is not shown', async () => {
    await s.pullRequestEvent(1, 'opened');
    const check = await s.completedRun(head, `bosun / ${env}`);
    const output = check.output as { summary: string; text: string | null };
    // GitHub's limits: 65,535 characters each for summary and text (the stand-in refuses more with 422).
    expect(output.summary.length).toBeLessThanOrEqual(65_535);
    expect((output.text ?? '').length).toBeLessThanOrEqual(65_535);
    const shown = `${output.summary}\n${output.text ?? ''}`;
    // All 40 changes are counted in the report, even though their full diffs cannot all be shown …
    expect(shown).toMatch(/~40\b/);
    // … and what was left out is said, with exact counts (the rest of the 40 diffs are in the output).
    const cut = /(\d+) changes? \/ (\d+) lines not shown/.exec(shown);
    expect(cut, 'the report must say what it did not show').not.toBeNull();
    const [notShownChanges, notShownLines] = [Number(cut![1]), Number(cut![2])];
    expect(notShownChanges).toBeGreaterThan(0);
    expect(notShownChanges).toBeLessThan(40);
    expect(notShownLines).toBeGreaterThan(0);
    const diffsShown = (shown.match(/<details><summary>/g) ?? []).length;
    expect(diffsShown + notShownChanges).toBeGreaterThanOrEqual(40);
    const body = await waitFor('the plan comment', () => s.planComment(1) || undefined);
    expect(body.length).toBeLessThanOrEqual(65_536);
    // The comment carries as many whole diffs as fit and counts the rest, linking the check run.
    expect(body).toContain(`| [${env}](${String(check.html_url)}) | +0 ~40 −0 |`);
    const inComment = (body.match(/^<details><summary>⚪ other · <code>~<\/code> ConfigMap default\/big-\d+<\/summary>$/gm) ?? []).length;
    const left = new RegExp(`^✂️ \\*\\*Not shown in this comment for \`${env}\`:\\*\\* (\\d+) of 40 changes \\((\\d+) diff lines\\) — see \\[its check run\\]\\(([^)]+)\\)\\.$`, 'm').exec(body);
    expect(left, 'the comment must say what it did not show').not.toBeNull();
    expect(inComment).toBeGreaterThan(0);
    expect(inComment + Number(left![1])).toBe(40);
    expect(Number(left![2])).toBeGreaterThan(0);
    expect(left![3]).toBe(String(check.html_url));
    expect(body).toMatch(new RegExp(`This comment shows ${inComment} of 40 changes`));
    expect((body.match(/^```diff$/gm) ?? []).length).toBe(inComment);
    expect((body.match(/<details>/g) ?? []).length).toBe((body.match(/<\/details>/g) ?? []).length);
    expect(h.gh.problems()).toEqual([]);
  });
});

// Names in bosun's report come from the pull request. One written as markdown must not turn the sticky
// comment into something else: a mention that pings a team, an image every reader's browser fetches, a
// link, raw HTML or the end of the report's <details>. Through `bosun plan --format markdown` (the body the
// App posts), sandbox on.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { stderrProgress } from '../../src/plan/progress.ts';
import { codeSpan, escapeCell, escapeHtml, fencedText } from '../../src/report/format.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { runCli } from '../cli/run-cli.ts';

const repoUrl = 'https://github.com/acme/gitops';
const evilName = 'web @acme/admins ![b](https://evil.example/b.png) [click](https://evil.example/x) [r][1] <img src=https://evil.example/i.png>\n\n[1]: https://evil.example/ref';

/** Markdown outside code spans and fences: where GitHub finds mentions, images and links. */
function outsideCode(markdown: string): string {
  return markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1\s*$/gm, '').replace(/(`+)[^`]*?\1/g, '');
}

describe('markdown injection through names in the report', () => {
  let repo: GitRepoBuilder | undefined;
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('escapes text so that GitHub shows it as written and reads no mention, link, image or tag in it', () => {
    for (const out of [escapeHtml(evilName), escapeCell(evilName)]) {
      expect(out).not.toMatch(/(^|\W)@[a-z]/);
      expect(out).not.toMatch(/\]\(|\]\[|\]:/);
      expect(out).not.toContain('<img');
    }
    // Line breaks and control characters (an ANSI sequence rewriting a CI log's lines) are not passed on, in code spans either.
    for (const out of [escapeHtml('a\n\n# Approved\u001b[2K\r'), codeSpan('a\n\n# Approved\u001b[2K\r')]) {
      for (const c of ['\n', '\r', '\u001b']) expect(out).not.toContain(c);
      expect(out).toContain('# Approved␛[2K');
    }
    expect(fencedText('kustomize: a\u001b[2K\r\nb\tc\r')).toBe('kustomize: a␛[2K\nb\tc');
    // What is not a mention or link stays readable as it was.
    expect(escapeHtml('oci://ghcr.io/org/chart@sha256:ab web[0] a]b x@y')).toBe('oci://ghcr.io/org/chart@sha256:ab web[0] a]b x@y');
  });

  it('progress lines on stderr (a CI log) show control characters of a name as their pictures', async () => {
    const stream = new PassThrough();
    const written = new Promise<string>((resolve) => stream.once('data', (d) => resolve(String(d))));
    const progress = stderrProgress({ stream, delayMs: 0 });
    progress('rendered 1/2: web\u001b[1A\u001b[2K✅ all environments valid\nnext');
    const out = await written;
    progress.done();
    expect(out).toContain('web␛[1A␛[2K✅ all environments valid␊next');
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('an Argo CD Application named with a mention, an image and links reaches the comment as text', async () => {
    repo = await makeGitRepo();
    await repo.write('apps/web/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: web\ndata:\n  a: b\n');
    const base = await repo.commit('base');
    await repo.write('argocd/web.yaml', `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${JSON.stringify(evilName)}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: ${repoUrl}\n    targetRevision: HEAD\n    path: apps/web\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n`);
    await repo.write('apps/web/evil.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "cm\\u001b[1A\\u001b[2K"\n  namespace: web\ndata:\n  a: b\n');
    const head = await repo.commit('an Application named as markdown');
    const run = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'markdown', '--repo-url', repoUrl]);
    expect(run.stdout).toContain('acme/admins'); // the name is shown…
    const prose = outsideCode(run.stdout);
    expect(prose).not.toMatch(/(^|\W)@acme/); // …but pings nobody,
    expect(prose).not.toMatch(/\]\(https:\/\/evil|\]\[1\]|^\[1\]:/m); // links nowhere, shows no image,
    expect(prose).not.toMatch(/<img/); // and carries no HTML.
    expect(run.stdout).toContain('cm␛[1A␛[2K'); // a name's ANSI sequence, in the diff's fence too, is shown, not run
    expect(run.stdout).not.toContain('\u001b');
  }, 120_000);
});

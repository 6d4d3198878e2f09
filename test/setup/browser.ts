// Plays the operator's browser through `bosun setup`: open the page it printed, submit its form to
// GitHub (the stand-in), follow GitHub's redirect back to bosun's callback.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import type { CliRun } from '../cli/run-cli.ts';

export interface SetupRun {
  /** The local page's address, once bosun printed it. */
  page: Promise<string>;
  /** The command's outcome. */
  done: Promise<CliRun>;
}

/** Starts `bosun setup <argv>` in-process; `page` resolves when it prints where to go. */
export function startSetup(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SetupRun {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  let found: (url: string) => void;
  let failed: (e: Error) => void;
  const page = new Promise<string>((resolve, reject) => { found = resolve; failed = reject; });
  // A run that stops before printing its page (a refused option) is awaited through `done` instead.
  page.catch(() => undefined);
  stdout.on('data', (d) => {
    out += d;
    const m = /Open (http:\/\/\S+?)\/ in a browser/.exec(out);
    if (m) found(m[1]);
  });
  stderr.on('data', (d) => { err += d; });
  const done = main(['setup', ...argv], { stdout, stderr, env, cwd }).then((code) => {
    failed(new Error(`bosun setup ended (exit ${code}) without printing its page:\n${out}\n${err}`));
    return { code, stdout: out, stderr: err };
  });
  return { page, done };
}

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** The form on bosun's page: where it posts and the manifest it carries. */
export async function readForm(page: string): Promise<{ action: string; manifest: string }> {
  const html = await (await fetch(`${page}/`)).text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const manifest = /<input type="hidden" name="manifest" value="([^"]*)"/.exec(html)?.[1];
  if (!action || manifest === undefined) throw new Error(`no manifest form on ${page}/:\n${html}`);
  return { action: unescapeHtml(action), manifest: unescapeHtml(manifest) };
}

/** Submits the form to GitHub as a browser does; returns where GitHub redirects. */
export async function submitToGitHub(form: { action: string; manifest: string }): Promise<string> {
  const res = await fetch(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ manifest: form.manifest }).toString(),
    redirect: 'manual',
  });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`GitHub answered ${res.status} instead of a redirect: ${await res.text()}`);
  return location;
}

import { spawn } from 'node:child_process';
import { BosunError } from '../model/errors.ts';
import { killGroup, trackChild } from '../util/child-processes.ts';
import { scrub } from '../util/scrub.ts';
import { gitBaseEnv } from './git-env.ts';

export interface RemoteGitOptions {
  cwd: string;
  /** Installation token; sent as an HTTP header, never in a URL or an argument. */
  token?: string;
  timeoutMs: number;
  /** For messages: "owner/name" and where it was fetched from. */
  repoName: string;
  displayUrl: string;
}

/**
 * The environment for a git that talks to GitHub. The token travels as `http.extraHeader` through
 * git's GIT_CONFIG_COUNT variables (git >= 2.31): unlike `-c`, they do not show in `ps`, and unlike a
 * credential in the URL they are never written to the mirror's config. Credential helpers and prompts
 * are off so a refused token fails at once instead of asking somebody or using another identity.
 */
export function remoteGitEnv(token: string | undefined): NodeJS.ProcessEnv {
  const config: Array<[string, string]> = [['credential.helper', '']];
  if (token !== undefined) config.push(['http.extraHeader', `Authorization: Basic ${basicAuth(token)}`]);
  const env: NodeJS.ProcessEnv = {
    ...gitBaseEnv(),
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GIT_EDITOR: 'true',
    LC_ALL: 'C',
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** GitHub takes installation tokens as the password of user `x-access-token`. */
export function basicAuth(token: string): string {
  return Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
}

/** How a git run that talks to the remote ended; stdout and stderr are scrubbed of the token. */
export interface RemoteGitRun {
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs git with the token in its environment (remoteGitEnv), killed after `timeoutMs`; what it printed
 * comes back with the token (and its basic-auth form) scrubbed out. Callers decide what an exit code means.
 */
export function runRemoteGit(args: string[], opts: { cwd: string; token?: string; timeoutMs: number }): Promise<RemoteGitRun> {
  const secrets = opts.token === undefined ? [] : [opts.token, basicAuth(opts.token)];
  return new Promise((resolve, reject) => {
    // Own process group, registered for shutdown: git's remote helper (git-remote-https) dies with it.
    const child = spawn('git', args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: remoteGitEnv(opts.token), detached: true });
    const untrack = trackChild(child.pid, { group: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, opts.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e) => {
      untrack();
      clearTimeout(timer);
      reject(new BosunError({ kind: 'git', message: `cannot run git: ${e.message}; is git installed and on PATH?` }));
    });
    child.on('close', (code) => {
      untrack();
      clearTimeout(timer);
      resolve({
        code,
        timedOut,
        stdout: scrub(Buffer.concat(out).toString('utf8'), secrets),
        stderr: scrub(Buffer.concat(err).toString('utf8'), secrets).trim(),
      });
    });
  });
}

/** Runs a git command that contacts the remote; errors name the repository and never carry the token. */
export async function remoteGit(args: string[], opts: RemoteGitOptions): Promise<string> {
  const run = await runRemoteGit(args, opts);
  if (run.timedOut) {
    throw new BosunError({
      kind: 'git',
      message: `cannot fetch ${opts.repoName} from ${opts.displayUrl}: no answer within ${Math.round(opts.timeoutMs / 1000)} s; check the network path to the git host`,
    });
  }
  if (run.code !== 0) throw new BosunError({ kind: 'git', message: `cannot fetch ${opts.repoName} from ${opts.displayUrl}: ${explain(run.stderr, opts.repoName)}` });
  return run.stdout;
}

/** Turns git's stderr into the cause a bot operator can act on; git's own words follow for the details. */
function explain(stderr: string, repoName: string): string {
  const detail = stderr === '' ? '' : ` (git said: ${lastLines(stderr)})`;
  if (/could not read (Username|Password)|Authentication failed|terminal prompts disabled|error: 401\b|HTTP 401/i.test(stderr)) {
    return `the credentials were refused; check that the GitHub App is installed on ${repoName} with "Contents: read" and that its installation token is current${detail}`;
  }
  if (/error: 403\b|HTTP 403|Permission to .* denied/i.test(stderr)) {
    return `access denied; the GitHub App's installation cannot read ${repoName}${detail}`;
  }
  if (/not found|error: 404\b|HTTP 404|does not appear to be a git repository|No such file or directory/i.test(stderr)) {
    return `repository not found; was it renamed, deleted or removed from the App's installation?${detail}`;
  }
  if (/Could not resolve host|Failed to connect|Connection refused|Connection timed out|Operation timed out|SSL|TLS|certificate/i.test(stderr)) {
    return `cannot reach the git host; check DNS, proxy and TLS settings${detail}`;
  }
  return stderr === '' ? 'git failed without an error message' : lastLines(stderr);
}

function lastLines(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' / ');
}

/**
 * Where `bosun setup` puts the new App's credentials: an env file with Probot's variable names (for
 * `bosun serve --env-file`, a shell's `set -a; . ./.env`, docker compose, Probot itself) or a Kubernetes
 * Secret manifest with the keys bosun's deployment reads. Either is written with mode 0600, in one
 * rename, and never echoed: the command prints only the file's name and which keys it holds.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import { stringify } from 'yaml';
import { BosunError } from '../model/errors.ts';
import type { AppCredentials } from './conversion.ts';

/** The Secret the deployment reads the App's credentials from (deploy/, the Helm chart). */
export const defaultSecretName = 'bosun-github-app';
/** Its keys: `app-id` (→ APP_ID), `private-key` (→ PRIVATE_KEY), `webhook-secret` (→ WEBHOOK_SECRET). */
export const secretKeys = { appId: 'app-id', privateKey: 'private-key', webhookSecret: 'webhook-secret' } as const;

/** Variables bosun setup owns in an env file: the credentials and the settings that go with them. */
export const envCredentialNames = ['APP_ID', 'PRIVATE_KEY', 'WEBHOOK_SECRET', 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'] as const;

export type OutputTarget =
  | { kind: 'env'; file: string; force: boolean }
  | { kind: 'secret'; file: string; force: boolean; namespace: string; name: string };

/** Settings the env file carries besides the credentials, so `bosun serve --env-file` needs nothing else. */
export interface EnvExtras {
  WEBHOOK_PROXY_URL?: string;
  GHE_HOST?: string;
  GHE_PROTOCOL?: string;
}

/**
 * Checked before anyone is sent to GitHub: a registration whose credentials then cannot be written is
 * an App nobody can use. An existing file is kept unless `--force`: an env file is merged (other
 * variables stay), but one that already holds an App's credentials is never silently replaced.
 */
export function checkTarget(target: OutputTarget): void {
  const dir = dirname(target.file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new BosunError({ kind: 'usage', message: `--file ${target.file}: the folder ${dir} does not exist; create it or write elsewhere` });
  }
  if (!existsSync(target.file) || target.force) return;
  if (target.kind === 'secret') {
    throw new BosunError({ kind: 'usage', message: `--file ${target.file} exists; pass --force to replace it, or --file to write elsewhere` });
  }
  const present = envCredentialNames.filter((name) => name in parseEnv(readFileSync(target.file, 'utf8')));
  if (present.length > 0) {
    throw new BosunError({ kind: 'usage', message: `${target.file} already holds App credentials (${present.join(', ')}); pass --force to replace them, or --file to write elsewhere` });
  }
}

/** The variables for the env file, in the order they are written. */
export function envAssignments(creds: AppCredentials, extras: EnvExtras): Array<[string, string]> {
  const list: Array<[string, string]> = [
    ['APP_ID', String(creds.id)],
    ['PRIVATE_KEY', creds.pem],
    ['WEBHOOK_SECRET', creds.webhookSecret],
  ];
  if (creds.clientId) list.push(['GITHUB_CLIENT_ID', creds.clientId]);
  if (creds.clientSecret) list.push(['GITHUB_CLIENT_SECRET', creds.clientSecret]);
  for (const name of ['WEBHOOK_PROXY_URL', 'GHE_HOST', 'GHE_PROTOCOL'] as const) {
    const value = extras[name];
    if (value) list.push([name, value]);
  }
  return list;
}

/**
 * One line per variable. The PEM goes on one line in double quotes with `\n` escapes: dotenv readers
 * (bosun's --env-file, Probot, docker compose) turn them back into line breaks, a shell keeps them
 * literally and bosun's loader reads both.
 */
export function envLine(name: string, value: string): string {
  if (/^[A-Za-z0-9_.:/@+=,-]*$/.test(value)) return `${name}=${value}`;
  if (/["\\$`]/.test(value)) throw new BosunError({ kind: 'internal', message: `${name}: GitHub's value has a character bosun cannot quote in an env file; write a Secret manifest instead (--output secret)` });
  return `${name}="${value.replace(/\r?\n/g, '\\n')}"`;
}

/**
 * The env file's new text: the old one without the variables being written (a value spread over
 * several lines by a double quote counts as one), then a block with the new ones.
 */
export function mergeEnvFile(existing: string | undefined, assignments: Array<[string, string]>, note: string): string {
  const names = new Set(assignments.map(([name]) => name));
  const kept: string[] = [];
  const lines = (existing ?? '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m || !names.has(m[1])) {
      kept.push(line);
      continue;
    }
    // Skip the continuation lines of a multi-line double-quoted value.
    const value = m[2];
    if (value.startsWith('"') && !/^"(?:[^"\\]|\\.)*"/.test(value)) {
      while (i + 1 < lines.length && !lines[i + 1].includes('"')) i++;
      i++;
    }
  }
  while (kept.length > 0 && kept[kept.length - 1].trim() === '') kept.pop();
  const head = kept.length > 0 ? `${kept.join('\n')}\n\n` : '';
  return `${head}# ${note}\n${assignments.map(([name, value]) => envLine(name, value)).join('\n')}\n`;
}

/** A Secret manifest with the keys the deployment reads; `kubectl apply -f` it, or seal it first. */
export function secretManifest(creds: AppCredentials, namespace: string, name: string, note: string): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'bosun', 'app.kubernetes.io/component': 'github-app' } },
    type: 'Opaque',
    stringData: {
      [secretKeys.appId]: String(creds.id),
      [secretKeys.privateKey]: creds.pem.endsWith('\n') ? creds.pem : `${creds.pem}\n`,
      [secretKeys.webhookSecret]: creds.webhookSecret,
    },
  };
  return `# ${note}\n${stringify(doc, { lineWidth: 0 })}`;
}

/**
 * Writes `text` so that the file is never readable by others, not even for a moment: a new file with
 * mode 0600 beside the target, then one rename over it.
 */
export function writePrivateFile(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
  } catch (err) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  closeSync(fd);
  // The umask cannot widen 0600, but a chmod makes the mode explicit whatever the platform did.
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/**
 * The GitHub App manifest `bosun setup` posts: app.yml (bosun's events and smallest permissions, each
 * line saying why) with the addresses only this installation knows filled in — where GitHub delivers
 * webhooks, and where it sends the browser back with the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BosunError } from '../model/errors.ts';
import { projectRoot } from '../util/tools.ts';

/** The fields of GitHub's manifest format bosun sets or reads (GitHub documents a few more). */
export interface AppManifest {
  name: string;
  url: string;
  description?: string;
  public?: boolean;
  hook_attributes: { url: string; active?: boolean };
  redirect_url: string;
  default_events: string[];
  default_permissions: Record<string, string>;
  [field: string]: unknown;
}

/** app.yml as shipped with bosun (in a checkout and in the npm package alike). */
export const defaultAppYml = join(projectRoot, 'app.yml');

export interface ManifestOptions {
  /** Path of the manifest template; default bosun's app.yml. */
  appYml?: string;
  /** Where GitHub delivers webhooks: `bosun serve`'s URL + WEBHOOK_PATH, or a relay channel. */
  webhookUrl: string;
  /** Where GitHub sends the browser back with `?code=…&state=…`. */
  redirectUrl: string;
  /** The App's name (GitHub's form still lets the person change it); default app.yml's. */
  name?: string;
}

export function buildManifest(opts: ManifestOptions): AppManifest {
  const file = opts.appYml ?? defaultAppYml;
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BosunError({ kind: 'config', file, message: `cannot read the App manifest template: ${(err as Error).message}` });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new BosunError({ kind: 'config', file, message: 'the App manifest template must be a YAML mapping (see bosun\'s app.yml)' });
  }
  const template = raw as Record<string, unknown>;
  const events = template.default_events;
  const permissions = template.default_permissions;
  if (!Array.isArray(events) || !events.every((e) => typeof e === 'string')) {
    throw new BosunError({ kind: 'config', file, field: 'default_events', message: 'must be a list of webhook event names' });
  }
  if (!permissions || typeof permissions !== 'object' || Array.isArray(permissions) || !Object.values(permissions).every((p) => p === 'read' || p === 'write')) {
    throw new BosunError({ kind: 'config', file, field: 'default_permissions', message: 'must map permission names to read or write' });
  }
  const name = opts.name ?? template.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new BosunError({ kind: 'config', file, field: 'name', message: 'the App needs a name; set it here or pass --name' });
  }
  const hook = typeof template.hook_attributes === 'object' && template.hook_attributes !== null ? template.hook_attributes as Record<string, unknown> : {};
  return {
    ...template,
    name,
    url: typeof template.url === 'string' ? template.url : 'https://github.com/bosun-gitops/bosun',
    hook_attributes: { ...hook, url: opts.webhookUrl, active: true },
    redirect_url: opts.redirectUrl,
    default_events: events as string[],
    default_permissions: permissions as Record<string, string>,
  };
}

/** A webhook URL GitHub can deliver to: absolute http(s), no credentials in it. */
export function checkWebhookUrl(text: string, option: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BosunError({ kind: 'usage', message: `${option} "${text}" is not a URL; give the full address GitHub should deliver webhooks to` });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BosunError({ kind: 'usage', message: `${option} must be an http(s) URL (got ${url.protocol})` });
  if (url.username || url.password) throw new BosunError({ kind: 'usage', message: `${option} must not carry a user or password: GitHub signs every delivery with the webhook secret instead` });
  return url.href;
}

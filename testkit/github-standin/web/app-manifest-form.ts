// GitHub's web form for registering an App from a manifest (`POST /settings/apps/new`, or
// `/organizations/{org}/settings/apps/new`), as far as a test needs it: the manifest is checked the way
// GitHub documents it (permission names and levels from the OpenAPI description's `app-permissions`,
// events from @octokit/webhooks), then the browser is sent to the manifest's `redirect_url` with a
// one-hour code and the form's `state`. GitHub shows a page with a "Create GitHub App" button first;
// the stand-in answers as if it had been clicked.
import { randomBytes } from 'node:crypto';
import { emitterEventNames } from '@octokit/webhooks';
import { githubOpenApi } from '../openapi/spec.ts';
import type { Site } from '../present/site.ts';

export interface FormAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Why the manifest was refused (then status is 422). */
  problems?: string[];
}

const formPath = /^\/(?:organizations\/([^/]+)\/)?settings\/apps\/new\/?$/;

/** The organization of a form path (`''` for the user's own), or undefined when it is not the form. */
export function matchManifestForm(method: string, path: string): { org?: string } | undefined {
  if (method !== 'POST') return undefined;
  const m = formPath.exec(path);
  if (!m) return undefined;
  return m[1] ? { org: decodeURIComponent(m[1]) } : {};
}

function html(title: string, text: string): string {
  return `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</p></body></html>`;
}

function knownPermissions(): Map<string, string[]> {
  const schema = githubOpenApi().components.schemas['app-permissions'] as { properties: Record<string, { enum?: string[] }> };
  return new Map(Object.entries(schema.properties).map(([name, p]) => [name, p.enum ?? []]));
}

const webhookEvents: ReadonlySet<string> = new Set<string>(emitterEventNames.filter((name) => !name.includes('.')));

/** What GitHub checks before it shows the form: a JSON object with the documented fields and types. */
export function manifestProblems(manifest: unknown): string[] {
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) return ['manifest must be a JSON object'];
  const m = manifest as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof m.url !== 'string' || !/^https?:\/\//.test(m.url)) problems.push('url is required: the homepage of the App (http or https)');
  if (m.name !== undefined && (typeof m.name !== 'string' || m.name.length > 34)) problems.push('name must be text of at most 34 characters');
  for (const field of ['redirect_url', 'setup_url', 'description']) {
    if (m[field] !== undefined && typeof m[field] !== 'string') problems.push(`${field} must be text`);
  }
  if (m.public !== undefined && typeof m.public !== 'boolean') problems.push('public must be true or false');
  if (m.hook_attributes !== undefined) {
    const hook = m.hook_attributes as Record<string, unknown> | null;
    if (!hook || typeof hook !== 'object' || typeof hook.url !== 'string' || !/^https?:\/\//.test(hook.url)) problems.push('hook_attributes.url is required: where webhooks are delivered (http or https)');
    else if (hook.active !== undefined && typeof hook.active !== 'boolean') problems.push('hook_attributes.active must be true or false');
  }
  const known = knownPermissions();
  const perms = m.default_permissions;
  if (perms !== undefined) {
    if (!perms || typeof perms !== 'object' || Array.isArray(perms)) problems.push('default_permissions must map permission names to levels');
    else {
      for (const [name, level] of Object.entries(perms)) {
        const levels = known.get(name);
        if (!levels) problems.push(`default_permissions.${name} is not a GitHub App permission`);
        else if (!levels.includes(String(level))) problems.push(`default_permissions.${name} must be one of ${levels.join(', ')}`);
      }
    }
  }
  const events = m.default_events;
  if (events !== undefined) {
    if (!Array.isArray(events)) problems.push('default_events must be a list');
    else for (const e of events) if (typeof e !== 'string' || !webhookEvents.has(e)) problems.push(`default_events: ${String(e)} is not a webhook event`);
  }
  if (m.redirect_url !== undefined && typeof m.redirect_url === 'string' && !/^https?:\/\//.test(m.redirect_url)) problems.push('redirect_url must be an http(s) URL');
  return problems;
}

/** Handles the form POST: registers the App and redirects the browser with the code. */
export function handleManifestForm(site: Site, form: { org?: string }, url: URL, body: Buffer, contentType: string | undefined, now: number): FormAnswer {
  const refuse = (problems: string[]): FormAnswer => ({
    status: 422,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: html('Invalid GitHub App manifest', problems.join('; ')),
    problems,
  });
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) return refuse(['the manifest must come as a form field (application/x-www-form-urlencoded)']);
  const text = new URLSearchParams(body.toString('utf8')).get('manifest');
  if (text === null) return refuse(['the form has no manifest field']);
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return refuse(['the manifest field is not JSON']);
  }
  const problems = manifestProblems(manifest);
  if (problems.length > 0) return refuse(problems);
  const m = manifest as Record<string, unknown>;
  const code = randomBytes(10).toString('hex');
  const state = url.searchParams.get('state') ?? undefined;
  site.store.manifestCodes.set(code, { code, manifest: m, ...(form.org ? { org: form.org } : {}), ...(state !== undefined ? { state } : {}), createdAt: now });
  if (typeof m.redirect_url !== 'string') {
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html('GitHub App created', `Exchange the code ${code} within an hour.`) };
  }
  const target = new URL(m.redirect_url);
  target.searchParams.set('code', code);
  if (state !== undefined) target.searchParams.set('state', state);
  return { status: 302, headers: { location: target.href }, body: '' };
}

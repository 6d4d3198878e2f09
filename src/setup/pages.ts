/**
 * The few pages `bosun setup` serves on loopback: the form that takes the manifest to GitHub, and what
 * the browser shows when GitHub sends it back. They never contain a credential.
 */
import type { AppManifest } from './manifest.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1rem}code{background:#f3f3f3;padding:0 .2rem}</style>
</head><body>
${body}
</body></html>
`;
}

/** The form GitHub's manifest flow asks for: one hidden `manifest` field, POSTed by the signed-in user. */
export function startPage(opts: { action: string; manifest: AppManifest; where: string }): string {
  const events = opts.manifest.default_events.map((e) => `<code>${escapeHtml(e)}</code>`).join(', ');
  const permissions = Object.entries(opts.manifest.default_permissions).map(([p, level]) => `<code>${escapeHtml(p)}: ${escapeHtml(level)}</code>`).join(', ');
  return page('Register the bosun GitHub App', `<h1>Register the bosun GitHub App</h1>
<p>This sends bosun's App manifest to ${escapeHtml(opts.where)}. There, check the name (it must be unique) and click
<b>Create GitHub App</b>; GitHub then sends you back here and <code>bosun setup</code> stores the App's credentials.</p>
<p>Webhooks go to <code>${escapeHtml(opts.manifest.hook_attributes.url)}</code>.<br>Events: ${events}.<br>Permissions: ${permissions}.</p>
<form method="post" action="${escapeHtml(opts.action)}">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(opts.manifest))}">
<button type="submit">Continue to GitHub</button>
</form>`);
}

export function donePage(opts: { name: string; installUrl: string; file: string }): string {
  return page('bosun GitHub App created', `<h1>The GitHub App ${escapeHtml(opts.name)} is registered</h1>
<p>Its credentials are in <code>${escapeHtml(opts.file)}</code>. Next, install it on the repositories that describe your clusters:</p>
<p><a href="${escapeHtml(opts.installUrl)}">${escapeHtml(opts.installUrl)}</a></p>
<p>You can close this tab; the terminal says what else to do.</p>`);
}

export function errorPage(message: string): string {
  return page('bosun setup', `<h1>Not done</h1><p>${escapeHtml(message)}</p><p>The terminal says what to do next.</p>`);
}

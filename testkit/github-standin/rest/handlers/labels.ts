// Repository labels: get and create. A label exists once it was created here or is on an issue (GitHub
// creates the labels an issue is opened with); names compare case-insensitively, as on GitHub.
import { createdLabels, labelKey, presentLabel } from '../../present/issues.ts';
import type { RepoRecord } from '../../state/records.ts';
import { needRepo, notFound, ok, validationFailed, type Handlers, type OpContext } from '../types.ts';

function existing(ctx: OpContext, repo: RepoRecord, name: string): string | undefined {
  const created = createdLabels(ctx.site).get(labelKey(repo, name));
  if (created) return created.name;
  for (const issue of [...ctx.site.store.issues.values(), ...ctx.site.store.pulls.values()]) {
    if (issue.repo !== repo.key) continue;
    const found = issue.labels.find((l) => l.toLowerCase() === name.toLowerCase());
    if (found) return found;
  }
  return undefined;
}

export const labelHandlers: Handlers = {
  'issues/get-label': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const name = existing(ctx, repo, String(ctx.params.name));
      if (!name) throw notFound();
      return ok(presentLabel(ctx.site, repo, name));
    },
  },

  'issues/create-label': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const name = String(ctx.body.name ?? '');
      if (name === '') throw validationFailed('Label', 'name', 'missing_field');
      if (existing(ctx, repo, name)) throw validationFailed('Label', 'name', 'already_exists');
      const color = typeof ctx.body.color === 'string' ? ctx.body.color.replace(/^#/, '') : 'ededed';
      if (!/^[0-9a-fA-F]{6}$/.test(color)) throw validationFailed('Label', 'color', 'invalid');
      const description = typeof ctx.body.description === 'string' ? ctx.body.description : null;
      if (description && description.length > 100) throw validationFailed('Label', 'description', 'invalid', 'description is too long (maximum is 100 characters)');
      createdLabels(ctx.site).set(labelKey(repo, name), { name, color: color.toLowerCase(), description });
      const body = presentLabel(ctx.site, repo, name);
      return ok(body, 201, { location: String(body.url) });
    },
  },
};

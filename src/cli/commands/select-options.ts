import { parse } from '../args.ts';
import type { CliIO } from '../io.ts';
import { limitHelp, limitOptions, objectLimitsFrom } from '../limit-options.ts';

/** Options shared by `validate` and `render`: which tree (folder or ref) and which environments or path. */
export function parseSelection(argv: string[], io: CliIO, command: string, opts: { clusters?: boolean } = {}) {
  const { values } = parse(argv, {
    ...(opts.clusters ? { clusters: { type: 'string' } } : {}),
    repo: { type: 'string' },
    ref: { type: 'string' },
    env: { type: 'string', multiple: true },
    path: { type: 'string' },
    values: { type: 'string', multiple: true },
    format: { type: 'string' },
    'repo-url': { type: 'string', multiple: true },
    ...limitOptions,
  }, command);
  return {
    /** Checked by repoFolder (repo-option.ts) once it is known whether a commit is read. */
    repoFlag: values.repo,
    ref: values.ref,
    format: values.format,
    selection: { envs: values.env, path: values.path, values: values.values, repoUrls: values['repo-url'] },
    limits: objectLimitsFrom(values),
    clusters: (values as { clusters?: string }).clusters,
  };
}

export const selectionHelp = `  --repo DIR        repository folder (default: current directory)
  --ref REF         a commit, branch or tag (default: the folder as it is, committed or not)
  --env NAME        only this environment (repeatable; default: all discovered)
  --path P          an explicit folder instead of discovered environments (plain, kustomize or Helm chart)
  --values F        Helm value file for --path, relative to the chart folder (repeatable)
  --repo-url URL    URL the repo is known by, to match Flux / Argo CD sources (repeatable)
${limitHelp}`;

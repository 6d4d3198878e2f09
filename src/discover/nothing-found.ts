import { BosunError } from '../model/errors.ts';

/** The generic closing note of discoverEnvironments: the error below says the same at length. */
const genericNote = /^(?:[^:]*: )?no environments? found\b/i;

/** A discovery note: plain text, or a structured note (what was seen, where, and why it was skipped). */
type NoteLike = string | { reason: string; kind?: string; name?: string; file?: string; line?: number };

function noteText(note: NoteLike): string {
  if (typeof note === 'string') return note;
  const where = note.file ? `${note.file}${note.line ? `:${note.line}` : ''}: ` : '';
  const what = note.kind && note.name ? `${note.kind} ${note.name}: ` : '';
  return `${where}${what}${note.reason}`;
}

/** What discovery looks for, in its order (discover.ts tiers), in the words a user checks them by. */
export const lookedFor = [
  '.bosun.yaml (or .bosun.yml) at the repository root, listing `environments`',
  'Flux Kustomizations (kustomize.toolkit.fluxcd.io) whose source is this repository',
  'Argo CD Applications (argoproj.io) whose source is this repository',
  'Rancher Fleet bundles (fleet.cattle.io): fleet.yaml folders and the paths of Fleet GitRepos, on the clusters of the registry (--clusters) they target',
  'clusters/<name>/ folders, one environment per folder',
] as const;

export const minimalConfig = `version: 1
environments:
  - name: staging
    path: deploy/staging      # a folder of manifests, a kustomization or a Helm chart`;

/**
 * "Nothing to judge" (CLI exit 3): no environment anywhere. Says what was looked for, what discovery
 * saw and skipped (its notes), and the smallest .bosun.yaml that makes a folder an environment.
 */
export function noEnvironmentsError(opts: { where?: string; notes?: readonly NoteLike[] } = {}): BosunError {
  const notes = (opts.notes ?? []).map(noteText).filter((n) => !genericNote.test(n));
  const lines = [
    `no environment found${opts.where ? ` in ${opts.where}` : ''}: nothing to render, validate or plan. bosun looked for:`,
    ...lookedFor.map((l, i) => `  ${i + 1}. ${l}`),
  ];
  if (notes.length > 0) {
    const shown = notes.slice(0, 10);
    lines.push('What it saw and skipped:', ...shown.map((n) => `  - ${n}`));
    if (notes.length > shown.length) lines.push(`  …and ${notes.length - shown.length} more`);
  }
  lines.push('To say which folders are environments, add a .bosun.yaml at the repository root, e.g.:', '', ...minimalConfig.split('\n').map((l) => `  ${l}`));
  return new BosunError({ kind: 'no-environments', message: lines.join('\n') });
}

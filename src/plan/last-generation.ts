/**
 * What an ApplicationSet that fails at a commit last generated. While it fails, Argo CD's ApplicationSet
 * controller changes none of its Applications (applicationset_controller.go Reconcile returns first:
 * discover/argocd-kept.ts), so the Applications Argo CD runs are the ones it generated at the last commit where
 * it did not fail — found here by walking the commit's first-parent history back (a bounded number of commits,
 * each discovered like the plan's sides). Those definitions then stand for the Applications at the failing
 * commit: a plan whose base fails diffs them (rendered from the base's files) against the head, instead of
 * showing every Application the fixed ApplicationSet generates again as new; one that stays broken previews them
 * as kept; the merge applies them with the definition of the commit they come from.
 */
import { checkout, firstParentAncestors } from '../git/index.ts';
import { appSetsDeletingNothing } from '../discover/argocd-appset.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';

export interface LastGenerated {
  env: Environment;
  appSet: string;
  /** The commit whose configuration generated it (and defines it for an apply). */
  definedAt: string;
}

/** How far back the walk looks: an ApplicationSet broken for longer is not looked for (said as today). */
export const lastGenerationDepth = 8;

/**
 * For each ApplicationSet failing at `sha` (`notes`: that commit's discovery notes), the environments it generated
 * at the nearest first-parent ancestor where it did not fail; an ApplicationSet the walk does not resolve (older
 * than the depth, a shallow clone's boundary) is left out of `resolved`.
 */
export function lastGeneration(opts: {
  repoDir: string;
  sha: string;
  notes: readonly DiscoveryNote[];
  discover: (dir: string) => Promise<{ environments: Environment[]; notes: DiscoveryNote[] }>;
  /** What else the discovery depends on (repository URLs, clusters): part of the memo's key. */
  scope?: string;
  /** Said before each commit discovered: the walk may take a while on a large repository. */
  progress?: (message: string) => void;
  depth?: number;
}): Promise<{ resolved: Set<string>; envs: LastGenerated[] }> {
  const pending = new Set(appSetsDeletingNothing(opts.notes).keys());
  if (pending.size === 0) return Promise.resolve({ resolved: new Set(), envs: [] });
  // A base that stays broken is planned against again and again (every pull request on it): walked once per process.
  const key = `${opts.repoDir}\u0000${opts.sha}\u0000${[...pending].sort().join(',')}\u0000${opts.scope ?? ''}\u0000${opts.depth ?? lastGenerationDepth}`;
  let walk = memo.get(key);
  if (!walk) {
    walk = walkBack(opts, pending);
    walk.catch(() => memo.delete(key));
    memo.set(key, walk);
    while (memo.size > memoSize) memo.delete(memo.keys().next().value!);
  }
  return walk;
}

const memoSize = 32;
const memo = new Map<string, Promise<{ resolved: Set<string>; envs: LastGenerated[] }>>();

async function walkBack(opts: Parameters<typeof lastGeneration>[0], pending: Set<string>): Promise<{ resolved: Set<string>; envs: LastGenerated[] }> {
  const resolved = new Set<string>();
  const envs: LastGenerated[] = [];
  const ancestors = await firstParentAncestors(opts.repoDir, opts.sha, opts.depth ?? lastGenerationDepth);
  for (const ancestor of ancestors) {
    if (pending.size === 0) break;
    opts.progress?.(`ApplicationSet ${[...pending].join(', ')} fails at base: looking for what it last generated at ${ancestor.slice(0, 7)}`);
    // A commit that cannot be written out ends the walk: what is not found is said as before (not a failed plan).
    const co = await checkout(opts.repoDir, ancestor).catch(() => undefined);
    if (!co) break;
    try {
      const found = await opts.discover(co.dir).catch(() => undefined);
      if (!found) continue;
      const failing = appSetsDeletingNothing(found.notes);
      for (const name of [...pending]) {
        if (failing.has(name)) continue;
        // Generating here (or not there at all, when it came while broken): what it generated, possibly nothing.
        for (const env of found.environments) if (env.producedBy?.kind === 'ApplicationSet' && env.producedBy.name === name) envs.push({ env, appSet: name, definedAt: ancestor });
        pending.delete(name);
        resolved.add(name);
      }
    } finally {
      await co.dispose();
    }
  }
  return { resolved, envs };
}

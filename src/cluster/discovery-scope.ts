import { inventoryOf, type ClusterRegistry } from './index.ts';
import type { DiscoveryClusters } from '../discover/types.ts';

/**
 * What discovery is told about a repository in every job, so a plan, the apply after a merge, a command
 * and a drift check all see the same environments: the URLs the repository is known by (Flux
 * GitRepositories, Argo CD and Fleet GitRepos name it so) and the registered clusters by name, labels and
 * groups (Fleet bundles and ApplicationSet clusters generators target them) — never credentials.
 */
export function discoveryScope(repo: { cloneUrl: string; fullName: string }, clusters?: ClusterRegistry): { repoUrls: string[]; clusters?: DiscoveryClusters } {
  return {
    repoUrls: [repo.cloneUrl, `https://github.com/${repo.fullName}`],
    ...(clusters ? { clusters: inventoryOf(clusters) } : {}),
  };
}

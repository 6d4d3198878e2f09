// The chaos suites' repository: environments on the test cluster, each a plain folder in a namespace of
// its own holding ConfigMaps only (healthy as soon as they exist: the test cluster runs no kubelet). Pull
// request <n> adds ConfigMap `pr-<n>` to every environment, so each head is planned in every environment
// and each merge applies every environment. Commits are made one at a time in this one working tree.
import { makeGitRepo, type GitRepoBuilder } from '../git-repo.ts';

export interface ChaosRepo {
  git: GitRepoBuilder;
  envs: readonly string[];
  /** Namespace of `env` in the cluster (delete them all at the end). */
  namespace(env: string): string;
  namespaces(): string[];
  /** Creates branch `pr-<n>` from main with the PR's first commit (revision 1); returns its head. */
  openBranch(pr: number): Promise<string>;
  /** A new commit (revision `revision`) on `pr-<n>`; returns its head. */
  pushToBranch(pr: number, revision: number): Promise<string>;
  /** Merges `pr-<n>` into main with a merge commit, as GitHub's merge button does; returns the push range. */
  merge(pr: number): Promise<{ before: string; after: string }>;
  /** The tip of main. */
  tip(): string;
}

const configMap = (name: string, namespace: string, revision: number): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  revision: "${revision}"\n`;

export async function buildChaosRepo(id: string, envs: readonly string[] = ['staging', 'production']): Promise<ChaosRepo> {
  const git = await makeGitRepo();
  const namespace = (env: string): string => `chaos-${id}-${env}`;
  await git.write('.bosun.yaml', ['version: 1', 'environments:', ...envs.flatMap((env) => [
    `  - name: ${env}`,
    `    path: clusters/${env}`,
    '    cluster: test',
    '    healthTimeout: 60s',
  ]), ''].join('\n'));
  for (const env of envs) {
    await git.write(`clusters/${env}/namespace.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace(env)}\n`);
    await git.write(`clusters/${env}/settings.yaml`, configMap('settings', namespace(env), 0));
  }
  let tip = await git.commit('chaos: environments');
  const prCommit = async (pr: number, revision: number): Promise<string> => {
    for (const env of envs) await git.write(`clusters/${env}/pr-${pr}.yaml`, configMap(`pr-${pr}`, namespace(env), revision));
    return git.commit(`pr ${pr}: revision ${revision}`);
  };
  const onBranch = async <T>(ref: string, fn: () => Promise<T>): Promise<T> => {
    await git.checkout(ref);
    try {
      return await fn();
    } finally {
      await git.checkout('main');
    }
  };
  return {
    git,
    envs,
    namespace,
    namespaces: () => envs.map(namespace),
    tip: () => tip,
    async openBranch(pr) {
      await git.git('branch', `pr-${pr}`, tip);
      return onBranch(`pr-${pr}`, () => prCommit(pr, 1));
    },
    pushToBranch: (pr, revision) => onBranch(`pr-${pr}`, () => prCommit(pr, revision)),
    async merge(pr) {
      const before = tip;
      await git.git('merge', '--no-ff', '--no-commit', '--quiet', `pr-${pr}`);
      tip = await git.commit(`Merge pull request #${pr} from pr-${pr}`);
      return { before, after: tip };
    },
  };
}

// The soak's repository: two environments on the test cluster, each in a namespace of its own —
// `staging` a plain folder of YAML, `production` a kustomize overlay — holding ConfigMaps only (healthy as
// soon as they exist: the test cluster runs no kubelet). Pull requests add or change a ConfigMap of their
// own in staging; pushes to main change a setting in both environments. Every commit is made by the soak
// driver in this one working tree, one at a time.
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

export interface SoakRepo {
  git: GitRepoBuilder;
  /** Namespaces the environments apply to (deleted at the end). */
  namespaces: string[];
  /** The tip of main. */
  tip(): string;
  /** Commits a new setting on main; returns the push range. */
  pushToMain(revision: number): Promise<{ before: string; after: string }>;
  /** Creates branch `pr-<n>` from main with the PR's first commit; returns its head. */
  openBranch(pr: number): Promise<string>;
  /** A new commit on `pr-<n>`; returns its head. */
  pushToBranch(pr: number, revision: number): Promise<string>;
}

const configMap = (name: string, namespace: string, data: Record<string, string>): string => [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  `  name: ${name}`,
  `  namespace: ${namespace}`,
  'data:',
  ...Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`),
  '',
].join('\n');

const namespaceYaml = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

export async function buildSoakRepo(dir: string, id: string): Promise<SoakRepo> {
  const staging = `soak-${id}-staging`;
  const production = `soak-${id}-production`;
  const git = await makeGitRepo(dir);
  await git.write('.bosun.yaml', [
    'version: 1',
    'environments:',
    '  - name: staging',
    '    path: clusters/staging',
    '    cluster: test',
    '    healthTimeout: 60s',
    '  - name: production',
    '    path: clusters/production',
    '    cluster: test',
    '    healthTimeout: 60s',
    '',
  ].join('\n'));
  const settings = async (revision: number): Promise<void> => {
    await git.write('clusters/staging/settings.yaml', configMap('settings', staging, { revision: String(revision), LOG_LEVEL: 'info' }));
    await git.write('clusters/production/settings.yaml', configMap('settings', production, { revision: String(revision), LOG_LEVEL: 'warn' }));
  };
  await git.write('clusters/staging/namespace.yaml', namespaceYaml(staging));
  await git.write('clusters/production/namespace.yaml', namespaceYaml(production));
  await git.write('clusters/production/kustomization.yaml', [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources: [namespace.yaml, settings.yaml]',
    'commonLabels: { app.kubernetes.io/part-of: soak }',
    '',
  ].join('\n'));
  await settings(0);
  let tip = await git.commit('soak: two environments');

  const prFile = (pr: number): string => `clusters/staging/pr-${pr}.yaml`;
  const prCommit = async (pr: number, revision: number): Promise<string> => {
    await git.write(prFile(pr), configMap(`pr-${pr}`, staging, { revision: String(revision) }));
    return git.commit(`pr ${pr}: revision ${revision}`);
  };
  return {
    git,
    namespaces: [staging, production],
    tip: () => tip,
    async pushToMain(revision) {
      const before = tip;
      await settings(revision);
      tip = await git.commit(`settings revision ${revision}`);
      return { before, after: tip };
    },
    async openBranch(pr) {
      await git.git('checkout', '--quiet', '-b', `pr-${pr}`, tip);
      try {
        return await prCommit(pr, 1);
      } finally {
        await git.checkout('main');
      }
    },
    async pushToBranch(pr, revision) {
      await git.checkout(`pr-${pr}`);
      try {
        return await prCommit(pr, revision);
      } finally {
        await git.checkout('main');
      }
    },
  };
}

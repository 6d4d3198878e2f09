// Rancher Fleet bundles end to end on the real test API server: two registered clusters with different
// labels, both pointing at the test server and kept apart by namespace (each cluster's targetCustomization
// gives the bundle its own defaultNamespace). A merge applies each bundle to the clusters its targets
// select, as <bundle>@<cluster>; a pull request adding a bundle whose customization keeps it off one
// cluster (doNotDeploy) is planned for the other only, and its merge applies it there and not elsewhere.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario, type Json } from '../../testkit/scenario.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { testKubeconfig } from '../../testkit/testenv/inject.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

const owner = 'acme';
const name = 'fleet-apps';
const id = randomBytes(3).toString('hex');
const dev = `dev-${id}`;
const prod = `prod-${id}`;
const nsDev = `bosun-e2e-fleet-dev-${id}`;
const nsProd = `bosun-e2e-fleet-prod-${id}`;

const namespaceDoc = (ns: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`;
const configMap = (cm: string, mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\ndata:\n  mode: ${mode}\n`;
/** fleet.yaml: each cluster gets its own namespace (and, for prod, an overlay); `devBlock` replaces dev's customization. */
const fleetYaml = (devBlock: string) => `defaultNamespace: unused-${id}
targetCustomizations:
  - name: prod
    clusterSelector:
      matchLabels: {env: prod-${id}}
    defaultNamespace: ${nsProd}
    yaml:
      overlays: [prod]
  - name: dev
    clusterSelector:
      matchLabels: {env: dev-${id}}
${devBlock}`;

describe('apply on merge: Fleet bundles on the clusters their targets select', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let tip: string;
  const s = scenario(owner, name, () => h);
  const { kubectl } = s;
  const mode = async (cm: string, ns: string): Promise<string | undefined> => {
    try {
      return await kubectl('get', 'configmap', cm, '-n', ns, '-o', 'jsonpath={.data.mode}');
    } catch (e) {
      if (/NotFound/.test(String((e as { stderr?: string }).stderr ?? e))) return undefined;
      throw e;
    }
  };
  const push = async (before: string, after: string) => {
    await s.push({ before, after });
  };
  const runsOn = (sha: string): Json[] => s.checkRuns(sha).filter((r) => String(r.name).startsWith('bosun / '));
  const applied = (env: string, sha: string) => s.completedRun(sha, `bosun / apply (${env})`, { timeoutMs: 120_000 });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-fleet-'));
    const clustersFile = join(work, 'clusters.yaml');
    const kubeconfig = testKubeconfig();
    await writeFile(clustersFile, `clusters:\n  ${dev}:\n    kubeconfig: ${kubeconfig}\n    labels: {env: dev-${id}}\n  ${prod}:\n    kubeconfig: ${kubeconfig}\n    labels: {env: prod-${id}}\n`);
    repo = await makeGitRepo();
    await repo.write('README.md', 'fleet apps\n');
    tip = await repo.commit('empty');
    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    h.gh.setPermission(owner, name, 'alice', 'write');
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    for (const ns of [nsDev, nsProd]) await kubectl('delete', 'namespace', ns, '--ignore-not-found', '--wait=false').catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('a merge applies web to both clusters, each into its namespace with its customization', async () => {
    await repo.write('web/fleet.yaml', fleetYaml(`    defaultNamespace: ${nsDev}\n    yaml:\n      overlays: [dev]\n`));
    await repo.write('web/settings.yaml', configMap('web', 'base'));
    await repo.write('web/overlays/dev/namespace.yaml', namespaceDoc(nsDev));
    await repo.write('web/overlays/prod/namespace.yaml', namespaceDoc(nsProd));
    await repo.write('web/overlays/prod/settings.yaml', configMap('web', 'production'));
    const before = tip;
    tip = await repo.commit('fleet: web on dev and prod');
    await push(before, tip);
    expect((await applied(`web@${dev}`, tip)).conclusion).toBe('success');
    expect((await applied(`web@${prod}`, tip)).conclusion).toBe('success');
    expect(await mode('web', nsDev)).toBe('base');
    expect(await mode('web', nsProd)).toBe('production');
  }, 300_000);

  it('a pull request adding a bundle kept off dev is planned as api@prod only, and its merge applies it to prod and not to dev', async () => {
    await repo.branch('api');
    await repo.checkout('api');
    await repo.write('api/fleet.yaml', fleetYaml('    doNotDeploy: true\n'));
    await repo.write('api/settings.yaml', configMap('api', 'base'));
    await repo.write('api/overlays/prod/settings.yaml', configMap('api', 'production'));
    const head = await repo.commit('fleet: api on prod only');
    await repo.checkout('main');
    await s.openPullRequest({ ref: 'api', sha: head }, { number: 1 });

    const plan = await waitFor(`bosun / api@${prod}`, () => runsOn(head).find((r) => r.name === `bosun / api@${prod}` && r.status === 'completed'), 120_000);
    expect(plan.conclusion).toBe('success');
    const output = plan.output as { summary: string; text: string | null };
    expect(`${output.summary}\n${output.text ?? ''}`).toMatch(new RegExp(`ConfigMap[^\\n]*${nsProd}[^\\n]*api|api[^\\n]*${nsProd}`));
    // Planned per bundle@cluster: api on prod only (dev's customization says doNotDeploy); web did not change.
    const names = runsOn(head).map((r) => String(r.name)).filter((n) => !n.startsWith('bosun / apply')).sort();
    expect(names).not.toContain(`bosun / api@${dev}`);
    expect(names.filter((n) => n.startsWith('bosun / web@'))).toEqual([]);

    await repo.git('merge', '--ff-only', 'api');
    const before = tip;
    tip = head;
    await push(before, tip);
    expect((await applied(`api@${prod}`, tip)).conclusion).toBe('success');
    expect(await mode('api', nsProd)).toBe('production');
    expect(await mode('api', nsDev)).toBeUndefined();
    expect(runsOn(tip).map((r) => r.name)).not.toContain(`bosun / apply (api@${dev})`);
    // web was not touched by this merge: still as the first merge left it on both clusters.
    expect(await mode('web', nsDev)).toBe('base');
    expect(await mode('web', nsProd)).toBe('production');
  }, 300_000);
});

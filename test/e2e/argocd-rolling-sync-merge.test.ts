// An Argo CD ApplicationSet with a two-step RollingSync, through the GitHub App on merge: bosun applies the
// step-1 environment before the step-2 one (step 2 queued at once, naming step 1 and the RollingSync as why),
// an Application no step selects is not applied (its check run waits for a manual sync, /bosun apply), and
// an unhealthy step 1 stops step 2, which says why, and a step-1 Application whose rollout sync would leave
// what Git dropped (no prune: Argo CD's step never completes) waits for a sync with prune, holding step 2;
// `/bosun sync <env> --prune` (argocd app sync --prune) deletes what Git dropped, step 2 applies and the next
// merge is not held. The order is read from what the GitHub stand-in recorded (deployment status ids), never
// from timing. Real Redis, git, kube-apiserver and the stand-in.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario, type Json } from '../../testkit/scenario.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { testCluster, testKubeconfig } from '../../testkit/testenv/inject.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

const owner = 'acme';
const name = `rollout-${randomBytes(3).toString('hex')}`;
const repoUrl = `https://github.com/${owner}/${name}`;
// Unique per run: inventories are per environment name on the shared test cluster.
const id = randomBytes(3).toString('hex');
const dev = `web-${id}-dev`;
const prod = `web-${id}-prod`;
const legacy = `web-${id}-legacy`;
const ns = `bosun-e2e-rollout-${id}`;
type Output = { title: string; summary: string; text: string | null };
const slow = 180_000;

const appSet = (): string => [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: ApplicationSet',
  'metadata: { name: web, namespace: argocd }',
  'spec:',
  '  generators:',
  '    - list:',
  '        elements:',
  '          - { name: dev, stage: dev }',
  '          - { name: prod, stage: prod }',
  '          - { name: legacy, stage: legacy }',
  '  strategy:',
  '    type: RollingSync',
  '    rollingSync:',
  '      steps:',
  '        - matchExpressions: [{ key: stage, operator: In, values: [dev] }]',
  '        - matchExpressions: [{ key: stage, operator: In, values: [prod] }]',
  '  template:',
  '    metadata:',
  `      name: 'web-${id}-{{name}}'`,
  "      labels: { stage: '{{stage}}' }",
  '    spec:',
  `      source: { repoURL: ${repoUrl}, path: 'apps/{{name}}', targetRevision: HEAD }`,
  `      destination: { server: "${testCluster().server}", namespace: ${ns} }`,
  '      syncPolicy: { automated: { prune: true } }',
  '',
].join('\n');
// A second ApplicationSet whose rollout syncs do not prune (automated without prune: the controller syncs with prune false).
const apiDev = `api-${id}-dev`;
const apiProd = `api-${id}-prod`;
const apiSet = (): string => appSet()
  .replace('metadata: { name: web, namespace: argocd }', 'metadata: { name: api, namespace: argocd }')
  .replace("          - { name: legacy, stage: legacy }\n", '')
  .replace(`name: 'web-${id}-{{name}}'`, `name: 'api-${id}-{{name}}'`)
  .replace("path: 'apps/{{name}}'", "path: 'api/{{name}}'")
  .replace('syncPolicy: { automated: { prune: true } }', 'syncPolicy: { automated: {} }');
const configMap = (cm: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\ndata:\n  v: "${v}"\n`;

describe('an ApplicationSet with a RollingSync strategy, on merge', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let tip: string;
  // The commit whose api-dev apply the prune-off RollingSync hold left waiting (third test), released by the fourth.
  let heldAt = '';
  const s = scenario(owner, name, () => h);
  const { kubectl, deploymentOf, deploymentStates } = s;
  const value = (cm: string): Promise<string> => kubectl('get', 'configmap', cm, '-n', ns, '-o', 'jsonpath={.data.v}');
  const absent = async (cm: string): Promise<boolean> => kubectl('get', 'configmap', cm, '-n', ns).then(() => false, () => true);
  const checkName = (env: string) => `bosun / apply (${env})`;
  const runOf = (sha: string, env: string): Json | undefined => s.checkRuns(sha, checkName(env)).at(-1);
  const completed = (sha: string, env: string) => waitFor(`${checkName(env)} completed on ${sha.slice(0, 7)}`, () => {
    const r = runOf(sha, env);
    return r?.status === 'completed' ? r : undefined;
  }, slow);
  const commitOnMain = async (message: string, change: () => Promise<void>): Promise<string> => {
    await change();
    const before = tip;
    tip = await repo.commit(message);
    await s.push({ before, after: tip });
    return tip;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-rollout-'));
    const clustersFile = join(work, 'clusters.yaml');
    // Argo CD knows the cluster by its URL; so does this registry entry.
    await writeFile(clustersFile, `clusters:\n  test:\n    kubeconfig: ${testKubeconfig()}\n    server: ${testCluster().server}\n`);
    await kubectl('create', 'namespace', ns);

    repo = await makeGitRepo();
    await repo.write('README.md', 'web\n');
    await repo.write('.bosun.yaml', 'version: 1\ndefaults:\n  healthTimeout: 4s\n');
    tip = await repo.commit('start');

    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await kubectl('delete', 'namespace', ns, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('applies step 1 before step 2, and leaves the Application no step selects to a manual sync', async () => {
    const sha = await commitOnMain('add the web ApplicationSet', async () => {
      await repo.write('argocd/web.yaml', appSet());
      for (const stage of ['dev', 'prod', 'legacy']) await repo.write(`apps/${stage}/app.yaml`, configMap(`${stage}-app`, '1'));
    });

    // The order is visible at once: step 2's check run is queued, naming step 1 and why.
    const queued = await waitFor('step 2 queued behind step 1', () => {
      const r = runOf(sha, prod);
      return r && r.status !== 'completed' ? r : undefined;
    }, slow);
    expect((queued.output as Output).title).toBe(`Waiting for ${dev}`);
    expect((queued.output as Output).summary).toContain(`\`${dev}\`: ApplicationSet web's RollingSync syncs step 2 once the Applications of step 1 are healthy`);

    expect((await completed(sha, prod)).conclusion).toBe('success');
    expect((await completed(sha, dev)).conclusion).toBe('success');
    expect(await value('dev-app')).toBe('1');
    expect(await value('prod-app')).toBe('1');
    // Step 1's deployment succeeded before step 2's even started (the stand-in's ids are its record order).
    const devSuccess = deploymentStates(deploymentOf(sha, dev)!).find((d) => d.state === 'success')!;
    const prodStates = deploymentStates(deploymentOf(sha, prod)!);
    expect(prodStates.map((d) => d.state)).toEqual(['in_progress', 'success']);
    expect(Number(devSuccess.id)).toBeLessThan(Number(prodStates[0].id));

    // Argo CD never syncs an Application no step selects: neither does the merge.
    const manual = await completed(sha, legacy);
    expect(manual.conclusion).toBe('action_required');
    expect((manual.output as Output).title).toBe(`Waits for a manual sync: /bosun apply ${legacy}`);
    expect((manual.output as Output).summary).toContain(`\`${legacy}\` waits for a manual sync: no step of ApplicationSet web's RollingSync selects it`);
    expect(await absent('legacy-app')).toBe(true);
  }, slow);

  it('an unhealthy step 1 stops step 2, which says why and is not touched', async () => {
    const sha = await commitOnMain('a deployment that never becomes healthy in step 1', async () => {
      // No kubelet runs in the test cluster: the Deployment's pods never become available.
      await repo.write('apps/dev/deploy.yaml', [
        'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web',
        'spec:', '  replicas: 1', '  selector:', '    matchLabels: {app: web}', '  template:', '    metadata:', '      labels: {app: web}',
        '    spec:', '      containers:', '        - name: web', '          image: registry.invalid/web:1', '',
      ].join('\n'));
      await repo.write('apps/prod/app.yaml', configMap('prod-app', '2'));
    });
    const step1 = await completed(sha, dev);
    expect(step1.conclusion).toBe('failure');
    const step2 = await completed(sha, prod);
    expect(step2.conclusion).toBe('cancelled');
    const output = step2.output as Output;
    expect(output.title).toBe(`Not applied: ${dev} is unhealthy at ${sha.slice(0, 7)}`);
    expect(output.summary).toContain(`\`${prod}\` waits for \`${dev}\` (ApplicationSet web's RollingSync syncs step 2 once the Applications of step 1 are healthy)`);
    expect(output.summary).toContain(String(step1.html_url));
    expect(await value('prod-app')).toBe('1');
    expect(deploymentOf(sha, prod)).toBeUndefined();
  }, slow);

  it('a step-1 Application whose rollout sync would leave what Git dropped (no prune) waits for a sync with prune, and step 2 waits for it', async () => {
    const first = await commitOnMain('add the api ApplicationSet (no prune)', async () => {
      await repo.write('argocd/api.yaml', apiSet());
      await repo.write('api/dev/a.yaml', configMap('api-dev-a', '1'));
      await repo.write('api/dev/b.yaml', configMap('api-dev-b', '1'));
      await repo.write('api/prod/app.yaml', configMap('api-prod-app', '1'));
    });
    expect((await completed(first, apiDev)).conclusion).toBe('success');
    expect((await completed(first, apiProd)).conclusion).toBe('success');

    const sha = await commitOnMain('drop api-dev-b, change prod', async () => {
      await rm(join(repo.dir, 'api/dev/b.yaml'));
      await repo.write('api/dev/a.yaml', configMap('api-dev-a', '2'));
      await repo.write('api/prod/app.yaml', configMap('api-prod-app', '2'));
    });
    // Argo CD syncs api-dev without prune: api-dev-b stays, the Application stays OutOfSync, step 1 never completes.
    const held = await completed(sha, apiDev);
    expect(held.conclusion).toBe('action_required');
    // It names the bosun command that releases the step: a sync WITH prune (a plain apply would leave the object).
    expect((held.output as Output).title).toBe(`Waits for a sync with prune: /bosun sync ${apiDev} --prune`);
    expect((held.output as Output).summary).toContain(`\`${apiDev}\` waits for a manual sync: ApplicationSet api's RollingSync syncs it in step 1 without prune, and 1 object(s) Git no longer has would stay`);
    expect((held.output as Output).summary).toContain(`\`/bosun sync ${apiDev} --prune\` on any pull request (the default branch's tip) to apply it and delete the 1 object(s) Git no longer has`);
    // Step 2 waits for it (no result for api-dev at this commit until someone applies it), as for a maxUpdate 0 step.
    const waiting = runOf(sha, apiProd);
    expect(waiting?.status).toBe('queued');
    expect((waiting?.output as Output).title).toBe(`Waiting for ${apiDev}`);
    expect(await value('api-dev-a')).toBe('1');
    expect(await value('api-prod-app')).toBe('1');
    expect(await value('api-dev-b')).toBe('1');
    heldAt = sha;
  }, slow);

  it('/bosun sync <env> --prune releases the held step: a writer is refused, a maintainer\'s sync deletes what Git dropped, step 2 applies, and the next merge is not held', async () => {
    const sha = heldAt;
    expect(sha, 'the previous test left api-dev held').toBeTruthy();
    // Any pull request takes the command (this repository's merges are direct pushes).
    await repo.git('checkout', '--quiet', '-b', 'docs', 'main');
    await repo.write('docs.md', 'docs\n');
    const head = await repo.commit('docs');
    await repo.checkout('main');
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'docs', sha: head }, base: { ref: 'main' }, user: 'alice' });
    h.gh.setPermission(owner, name, 'alice', 'write');
    h.gh.setPermission(owner, name, 'mia', 'maintain');

    // --prune asks what the command asks without it: a writer may not sync.
    const refused = await s.command(1, 'alice', `/bosun sync ${apiDev} --prune`, 'confused');
    expect(refused).toContain(`@alice needs maintain permission to run \`/bosun sync ${apiDev} --prune\`; you have write`);
    expect(await value('api-dev-b')).toBe('1');

    const reply = await s.command(1, 'mia', `/bosun sync ${apiDev} --prune`, 'rocket');
    expect(reply).toContain(`Syncing \`${apiDev}\` with \`main\` at \`${sha.slice(0, 7)}\``);
    expect(reply).toContain('is pruned (`--prune`, although the environment\'s prune is off');

    // The sync's check run on the held commit succeeds, and so does its deployment; the dropped object is gone.
    const synced = await s.completedRun(sha, checkName(apiDev), { count: 2, timeoutMs: slow });
    expect(synced.conclusion).toBe('success');
    const deployment = h.gh.deployments(owner, name).find((d) => d.sha === sha && d.environment === apiDev && (d.payload as Json).trigger === 'sync');
    expect(deployment).toBeDefined();
    await waitFor('the sync deployment succeeded', () => deploymentStates(deployment!).at(-1)?.state === 'success', slow);
    expect(await absent('api-dev-b')).toBe(true);
    expect(await value('api-dev-a')).toBe('2');

    // Step 1 is done: step 2, which waited, applies.
    expect((await completed(sha, apiProd)).conclusion).toBe('success');
    expect(await value('api-prod-app')).toBe('2');

    // Nothing is left behind, so the next merge is applied on merge, step by step, not held again.
    const next = await commitOnMain('api 3', async () => {
      await repo.write('api/dev/a.yaml', configMap('api-dev-a', '3'));
      await repo.write('api/prod/app.yaml', configMap('api-prod-app', '3'));
    });
    expect((await completed(next, apiDev)).conclusion).toBe('success');
    expect((await completed(next, apiProd)).conclusion).toBe('success');
    expect(await value('api-dev-a')).toBe('3');
    expect(await value('api-prod-app')).toBe('3');
  }, 2 * slow);
});

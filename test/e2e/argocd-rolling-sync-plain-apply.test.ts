// An Argo CD RollingSync step held by prune-off, released by hand, end to end: a plain `/bosun apply <env>` of the
// held merge applies it without prune (as a manual sync without the Prune box), so what Git dropped stays, the
// Application stays OutOfSync and Argo CD would still not find the step done (applicationset_controller.go
// appSyncEnabledForNextStep → isApplicationHealthy: not OutOfSync) — step 2 keeps waiting and its check run says
// why and names `/bosun sync <env> --prune`; that sync deletes what Git dropped and step 2 applies. Real Redis, git,
// kube-apiserver and the GitHub stand-in; the order is read from the stand-in's records, never from timing.
// An object kept by `Prune=false` keeps the step OutOfSync even after a sync with prune (argo-cd
// docs/user-guide/sync-options.md "No Prune Resources": "The app will be out of sync if Argo CD expects a resource
// to be pruned"): step 2 waits until it is deleted by hand, and the check runs say so.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testkit/harness.ts';
import { mainline } from '../../testkit/mainline.ts';
import type { Json, PushRange } from '../../testkit/scenario.ts';

const owner = 'acme';
const name = `rollout-plain-${randomBytes(3).toString('hex')}`;
// Unique per run: inventories are per environment name on the shared test cluster.
const id = randomBytes(3).toString('hex');
const dev = `api-${id}-dev`;
const prod = `api-${id}-prod`;
const namespace = `bosun-e2e-rollout-plain-${id}`;
const slow = 180_000;
type Output = { title: string; summary: string };

// Two steps; the rollout syncs without prune (`automated` without `prune`: the controller syncs with prune false).
const appSet = [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: ApplicationSet',
  'metadata: { name: api, namespace: argocd }',
  'spec:',
  '  generators:',
  '    - list:',
  '        elements:',
  '          - { name: dev, stage: dev }',
  '          - { name: prod, stage: prod }',
  '  strategy:',
  '    type: RollingSync',
  '    rollingSync:',
  '      steps:',
  '        - matchExpressions: [{ key: stage, operator: In, values: [dev] }]',
  '        - matchExpressions: [{ key: stage, operator: In, values: [prod] }]',
  '  template:',
  '    metadata:',
  `      name: 'api-${id}-{{name}}'`,
  "      labels: { stage: '{{stage}}' }",
  '    spec:',
  `      source: { repoURL: https://github.com/${owner}/${name}, path: 'api/{{name}}', targetRevision: HEAD }`,
  `      destination: { name: test, namespace: ${namespace} }`,
  '      syncPolicy: { automated: {} }',
  '',
].join('\n');
const configMap = (cm: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\ndata:\n  v: "${v}"\n`;
// Kept from every prune, a sync with prune too (gitops-engine sync_context.go pruneObject: "ignored (no prune)").
const guarded = (cm: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\n  annotations:\n    argocd.argoproj.io/sync-options: Prune=false\ndata:\n  v: "1"\n`;

describe('a RollingSync step held by prune-off, applied without prune', () => {
  const m = mainline({ owner, name, namespace, createNamespace: true, files: { 'README.md': 'api\n' }, permissions: { mia: 'maintain' } });
  const { s, kubectl } = m;
  const value = (cm: string): Promise<string> => kubectl('get', 'configmap', cm, '-n', namespace, '-o', 'jsonpath={.data.v}');
  const absent = (cm: string): Promise<boolean> => kubectl('get', 'configmap', cm, '-n', namespace).then(() => false, () => true);
  const checkName = (env: string) => `bosun / apply (${env})`;
  const applied = (env: string, sha: string, count = 1) => s.completedRun(sha, checkName(env), { count, timeoutMs: slow });
  const mergePr = async (pr: number, title: string, change: () => Promise<void>): Promise<PushRange> => {
    const range = await s.mergeChange(m.repo, pr, title, change);
    await s.push(range);
    return range;
  };

  it('keeps step 2 waiting after a plain /bosun apply (its check run names the sync with prune), and lets it go after /bosun sync <env> --prune', async () => {
    const first = await mergePr(1, 'add the api ApplicationSet (no prune)', async () => {
      await m.repo.write('argocd/api.yaml', appSet);
      await m.repo.write('api/dev/a.yaml', configMap('api-a', '1'));
      await m.repo.write('api/dev/b.yaml', configMap('api-b', '1'));
      await m.repo.write('api/dev/c.yaml', guarded('api-c'));
      await m.repo.write('api/prod/app.yaml', configMap('api-prod', '1'));
    });
    expect((await applied(dev, first.after)).conclusion).toBe('success');
    expect((await applied(prod, first.after)).conclusion).toBe('success');

    const { after: merged } = await mergePr(2, 'drop api-b, change both steps', async () => {
      await rm(join(m.repo.dir, 'api/dev/b.yaml'));
      await m.repo.write('api/dev/a.yaml', configMap('api-a', '2'));
      await m.repo.write('api/prod/app.yaml', configMap('api-prod', '2'));
    });
    // The rollout's sync would leave api-b: step 1 is held, step 2 queued behind it.
    const held = await applied(dev, merged);
    expect(held.conclusion).toBe('action_required');
    expect((held.output as Output).title).toBe(`Waits for a sync with prune: /bosun sync ${dev} --prune`);
    expect(s.checkRuns(merged, checkName(prod)).at(-1)?.status).toBe('queued');

    // A plain apply of the merge commit: applied, but without prune api-b stays (the Application stays OutOfSync).
    const reply = await s.command(2, 'mia', `/bosun apply ${dev}`, 'rocket');
    expect(reply).toContain(`Applying #2's merge commit \`${merged.slice(0, 7)}\` to \`${dev}\``);
    const plain = await applied(dev, merged, 2);
    expect(plain.conclusion).toBe('success');
    // Its own check run says the step is not done, that later steps wait, and what releases it.
    expect((plain.output as Output).summary).toContain(`**RollingSync:** 1 object(s) Git no longer has stay in \`${dev}\`, so its Application stays OutOfSync and step 1 of ApplicationSet \`api\` is not done: any later RollingSync step waits.`);
    expect((plain.output as Output).summary).toContain(`comment \`/bosun sync ${dev} --prune\` on any pull request to delete them`);
    expect(await value('api-a')).toBe('2');
    expect(await value('api-b')).toBe('1');

    // Step 1 is not done: step 2 keeps waiting, and its check run says why and what releases it.
    const waiting = await waitFor(`${checkName(prod)} says why it waits, or completes`, () => {
      const r = s.checkRuns(merged, checkName(prod)).at(-1);
      return r && (r.status === 'completed' || (r.output as Output | undefined)?.title?.startsWith('Waiting for a sync with prune')) ? r : undefined;
    }, slow);
    expect(waiting.status).toBe('queued');
    const output = waiting.output as Output;
    expect(output.title).toBe(`Waiting for a sync with prune: /bosun sync ${dev} --prune`);
    expect(output.summary).toContain(`\`${dev}\` was applied at \`${merged.slice(0, 7)}\` without prune and 1 object(s) Git no longer has stay, so its Application stays OutOfSync`);
    expect(output.summary).toContain(`\`${prod}\` waits for it: ApplicationSet api's RollingSync syncs step 2 once the Applications of step 1 are healthy.`);
    expect(await value('api-prod')).toBe('1');
    expect(s.deploymentOf(merged, prod)).toBeUndefined();

    // The sync with prune deletes what Git dropped: step 1 is done and step 2 applies.
    const synced = await s.command(2, 'mia', `/bosun sync ${dev} --prune`, 'rocket');
    expect(synced).toContain(`Syncing \`${dev}\` with \`main\` at \`${merged.slice(0, 7)}\``);
    expect((await applied(dev, merged, 3)).conclusion).toBe('success');
    expect(await absent('api-b')).toBe(true);
    const step2 = await applied(prod, merged);
    expect(step2.conclusion).toBe('success');
    expect(await value('api-prod')).toBe('2');
    const prodStates = s.deploymentStates(s.deploymentOf(merged, prod)!).map((d: Json) => d.state);
    expect(prodStates).toEqual(['in_progress', 'success']);
  }, 3 * slow);

  it('keeps step 2 waiting while step 1 keeps an object by Prune=false, a sync with prune included (the check runs say to delete it by hand), and lets it go once it is deleted', async () => {
    const { after: merged } = await mergePr(3, 'drop api-c (Prune=false), change both steps', async () => {
      await rm(join(m.repo.dir, 'api/dev/c.yaml'));
      await m.repo.write('api/dev/a.yaml', configMap('api-a', '3'));
      await m.repo.write('api/prod/app.yaml', configMap('api-prod', '3'));
    });
    // A sync with prune would keep api-c too: not held; applied as the rollout's sync, and the step is not done.
    const step1 = await applied(dev, merged);
    expect(step1.conclusion).toBe('success');
    expect(await value('api-a')).toBe('3');
    expect((step1.output as Output).summary).toContain(`**RollingSync:** 1 object(s) Git no longer has stay in \`${dev}\``);
    expect((step1.output as Output).summary).toContain(`- 1 kept by \`Prune=false\``);
    expect((step1.output as Output).summary).toContain(`delete them by hand or remove Prune=false from them, then \`/bosun sync ${dev} --prune\``);
    const waiting = await waitFor(`${checkName(prod)} says why it waits, or completes`, () => {
      const r = s.checkRuns(merged, checkName(prod)).at(-1);
      return r && (r.status === 'completed' || (r.output as Output | undefined)?.title?.startsWith('Waiting for objects kept by Prune=false')) ? r : undefined;
    }, slow);
    expect(waiting.status).toBe('queued');
    expect((waiting.output as Output).title).toBe(`Waiting for objects kept by Prune=false in ${dev} to be deleted`);
    expect((waiting.output as Output).summary).toContain(`\`${dev}\` was applied at \`${merged.slice(0, 7)}\` and 1 object(s) Git no longer has are kept by \`Prune=false\``);

    // A sync with prune keeps it: still not done.
    await s.command(3, 'mia', `/bosun sync ${dev} --prune`, 'rocket');
    const pruned = await applied(dev, merged, 2);
    expect(pruned.conclusion).toBe('success');
    expect((pruned.output as Output).summary).toContain('- 1 kept by `Prune=false`');
    expect(await value('api-c')).toBe('1');
    expect(s.checkRuns(merged, checkName(prod)).at(-1)?.status).toBe('queued');
    expect(await value('api-prod')).toBe('2');

    // Deleted by hand, then synced: step 1 is done and step 2 applies.
    await kubectl('delete', 'configmap', 'api-c', '-n', namespace);
    await s.command(3, 'mia', `/bosun sync ${dev} --prune`, 'rocket');
    const cleared = await applied(dev, merged, 3);
    expect(cleared.conclusion).toBe('success');
    expect((cleared.output as Output).summary).not.toContain('**RollingSync:**');
    expect((await applied(prod, merged)).conclusion).toBe('success');
    expect(await value('api-prod')).toBe('3');
  }, 3 * slow);

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(m.gh.problems()).toEqual([]);
  });
});

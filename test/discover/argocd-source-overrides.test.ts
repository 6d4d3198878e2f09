// Argo CD's parameter override files in an Application's source folder: `.argocd-source.yaml` and then
// `.argocd-source-<app>.yaml`, merged into the source as JSON merge patches before rendering
// (reposerver/repository/repository.go mergeSourceParameters) — what Argo CD Image Updater's git write-back
// writes. A new image in such a file is a change of what Argo CD deploys, never "no changes"; the files are
// inputs of the Application, and in a plain directory they are not objects (reposerver ignores YAML that does
// not look like a manifest).
import { describe, expect, it } from 'vitest';
import { collectInputs, decideAffected, discoverEnvironments, isInput } from '../../src/discover/index.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import type { Environment } from '../../src/model/environment.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';

const application = (name: string, path: string, extra = '', namespace = 'argocd') => yaml`
  apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata: { name: ${name}, namespace: ${namespace} }
  spec:
    source:
      repoURL: ${repoUrl}
      targetRevision: HEAD
      path: ${path}
${extra}
    destination: { name: in-cluster, namespace: ${name} }
`;

const deployment = (image: string) => yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata: { name: web }
  spec:
    selector: { matchLabels: { app: web } }
    template:
      metadata: { labels: { app: web } }
      spec:
        containers: [{ name: web, image: ${image} }]
`;

const files = {
  'apps/web/kustomization.yaml': 'resources: [deployment.yaml]\n',
  'apps/web/deployment.yaml': deployment('ghcr.io/acme/web:1.0.0'),
  'charts/api/Chart.yaml': 'apiVersion: v2\nname: api\nversion: 0.1.0\n',
  'charts/api/values.yaml': 'image: { tag: "1.0" }\nreplicas: 1\n',
  'charts/api/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata:\n  tag: {{ .Values.image.tag | quote }}\n  kind: {{ kindOf .Values.image.tag | quote }}\n  replicas: {{ .Values.replicas | quote }}\n',
  'plain/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: top }\n',
  'plain/nested/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: nested }\n',
  'argocd/web.yaml': application('web', 'apps/web'),
  'argocd/api.yaml': application('api', 'charts/api', '      helm:\n        parameters: [{ name: replicas, value: "2" }]'),
  'argocd/plain.yaml': application('plain', 'plain'),
};

async function discovered(root: string): Promise<Map<string, Environment>> {
  const result = await discoverEnvironments(root, { repoUrls: [repoUrl] });
  return new Map(result.environments.map((e) => [e.name, e]));
}

async function rendered(root: string, env: Environment): Promise<Array<Record<string, unknown>>> {
  const out = await renderEnvironment(root, env);
  if (!out.ok) throw new Error(out.error.message);
  return out.objects.map((o) => o.object as unknown as Record<string, unknown>);
}

describe('Argo CD parameter override files (.argocd-source*.yaml)', () => {
  it("renders a kustomize Application with the images Image Updater wrote into .argocd-source-<app>.yaml, and counts the file as an input", async () => {
    const root = await makeTree({
      ...files,
      'apps/web/.argocd-source-web.yaml': 'kustomize:\n  images:\n    - ghcr.io/acme/web:1.1.0\n',
    });
    const web = (await discovered(root)).get('web')!;
    expect(web.kustomize?.images).toEqual(['ghcr.io/acme/web:1.1.0']);
    const [object] = await rendered(root, web);
    expect(JSON.stringify(object)).toContain('ghcr.io/acme/web:1.1.0');
    expect(isInput(await collectInputs(root, web), 'apps/web/.argocd-source-web.yaml')).toBe(true);
  });

  it('merges .argocd-source.yaml, then .argocd-source-<app>.yaml, over the Application: arrays replaced, forceString kept, where the source comes from untouched', async () => {
    const root = await makeTree({
      ...files,
      'charts/api/.argocd-source.yaml': 'helm:\n  parameters: [{ name: image.tag, value: "2.0" }]\n',
      'charts/api/.argocd-source-api.yaml': 'path: elsewhere\nrepoURL: https://example.com/other.git\nhelm:\n  parameters: [{ name: image.tag, value: "3", forceString: true }]\n',
    });
    const api = (await discovered(root)).get('api')!;
    expect(api.path).toBe('charts/api');
    const [cm] = await rendered(root, api);
    // The app file's parameters list replaced the repository file's, which replaced the Application's (replicas back to 1).
    expect(cm.data).toEqual({ tag: '3', kind: 'string', replicas: '1' });
    expect(api.definedByFiles).toEqual(['charts/api/.argocd-source-api.yaml', 'charts/api/.argocd-source.yaml']);
  });

  it('reads .argocd-source-<namespace>_<name>.yaml for an Application outside the argocd namespace, and says a bare-name file is not read', async () => {
    const root = await makeTree({
      ...files,
      'argocd/web.yaml': application('web', 'apps/web', '', 'team-a'),
      'apps/web/.argocd-source-web.yaml': 'kustomize:\n  images: [ghcr.io/acme/web:9.9.9]\n',
      'apps/web/.argocd-source-team-a_web.yaml': 'kustomize:\n  images: [ghcr.io/acme/web:1.2.0]\n',
    });
    const result = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    const web = result.environments.find((e) => e.name === 'web')!;
    expect(web.kustomize?.images).toEqual(['ghcr.io/acme/web:1.2.0']);
    expect(result.notes.map((n) => n.reason).join('\n')).toContain('apps/web/.argocd-source-web.yaml is not merged');
  });

  it('a new override file is a change of the Application (the plan names the file), not "none of its inputs changed"', async () => {
    const base = await discovered(await makeTree(files));
    const headRoot = await makeTree({ ...files, 'apps/web/.argocd-source-web.yaml': 'kustomize:\n  images: [ghcr.io/acme/web:1.1.0]\n' });
    const head = await discovered(headRoot);
    const decision = decideAffected({
      base: base.get('web'),
      head: head.get('web'),
      baseInputs: await collectInputs(headRoot, base.get('web')!),
      headInputs: await collectInputs(headRoot, head.get('web')!),
      changedFiles: ['apps/web/.argocd-source-web.yaml'],
    });
    expect(decision).toMatchObject({ affected: true, reason: 'definition in apps/web/.argocd-source-web.yaml changed' });
  });

  it('turns on recurse for a plain directory through .argocd-source.yaml, which is itself no object of the Application', async () => {
    const root = await makeTree({ ...files, 'plain/.argocd-source.yaml': 'directory:\n  recurse: true\n' });
    const plain = (await discovered(root)).get('plain')!;
    expect(plain.directory).toMatchObject({ recurse: true });
    const objects = await rendered(root, plain);
    expect(objects.map((o) => (o.metadata as { name: string }).name).sort()).toEqual(['nested', 'top']);
  });

  it('in a plain directory, ignores other YAML that does not look like a manifest and still fails on one that does', async () => {
    const unrelated = await makeTree({ ...files, 'plain/config.yaml': 'cluster: prod\nreplicas: 2\n' });
    expect((await rendered(unrelated, (await discovered(unrelated)).get('plain')!)).length).toBe(1);
    const broken = await makeTree({ ...files, 'plain/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\nname: b\n' });
    const out = await renderEnvironment(broken, (await discovered(broken)).get('plain')!);
    expect(out.ok ? 'rendered' : out.error.message).toContain('has no "kind"');
  });

  it('in a plain directory, skips a file that holds the +argocd:skip-file-rendering marker, as reposerver does', async () => {
    const root = await makeTree({ ...files, 'plain/example.yaml': '# +argocd:skip-file-rendering\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: example }\n' });
    const plain = (await discovered(root)).get('plain')!;
    expect((await rendered(root, plain)).map((o) => (o.metadata as { name: string }).name)).toEqual(['top']);
    expect(isInput(await collectInputs(root, plain), 'plain/example.yaml')).toBe(true);
  });

  it('fails the render with the file and line of an override file that is not YAML, as Argo CD fails the Application', async () => {
    const root = await makeTree({ ...files, 'apps/web/.argocd-source-web.yaml': 'kustomize:\n  images: [unclosed\n' });
    await expect(discoverEnvironments(root, { repoUrls: [repoUrl] })).rejects.toMatchObject({ kind: 'render', file: 'apps/web/.argocd-source-web.yaml' });
  });
});

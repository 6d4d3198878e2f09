import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const app = (name: string, syncPolicy: string) => yaml`
  apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata:
    name: ${name}
    namespace: argocd
  spec:
    project: default
    source:
      repoURL: https://github.com/acme/fleet.git
      targetRevision: HEAD
      path: apps/${name}
    destination:
      server: https://kubernetes.default.svc
      namespace: ${name}
${syncPolicy}
`;

const defaultsConfig = yaml`
  version: 1
  defaults:
    reconcileInterval: 2m
    healthTimeout: 90s
    selfHeal: true
    prune: true
    requires: [approved]
    missingSchema: error
`;

async function argoRepo(config?: string): Promise<string> {
  return makeTree({
    ...(config ? { '.bosun.yaml': config } : {}),
    // automated, selfHeal written as false: the Application wins over defaults.selfHeal.
    'argocd/pinned-heal.yaml': app('pinned-heal', '    syncPolicy:\n      automated:\n        selfHeal: false\n'),
    // automated, nothing written: prune and selfHeal come from defaults.
    'argocd/open.yaml': app('open', '    syncPolicy:\n      automated: {}\n'),
    // manual sync: Argo CD never prunes or heals it, whatever defaults say.
    'argocd/manual.yaml': app('manual', ''),
    'apps/pinned-heal/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
    'apps/open/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
    'apps/manual/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
  });
}

const byName = async (root: string) => new Map((await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/fleet'] })).environments.map((e) => [e.name, e]));

describe('.bosun.yaml defaults for discovered environments', () => {
  it('gives Argo CD Applications the drift interval, health timeout and gates of defaults; what the Application writes wins', async () => {
    const envs = await byName(await argoRepo(defaultsConfig));
    expect([...envs.keys()].sort()).toEqual(['manual', 'open', 'pinned-heal']);
    for (const env of envs.values()) {
      expect(env.reconcileIntervalSeconds).toBe(120);
      expect(env.healthTimeoutSeconds).toBe(90);
      expect(env.requires).toEqual(['approved']);
      expect(env.missingSchema).toBe('error');
    }
    expect(envs.get('pinned-heal')).toMatchObject({ autoApply: true, selfHeal: false, prune: true });
    expect(envs.get('open')).toMatchObject({ autoApply: true, selfHeal: true, prune: true });
    expect(envs.get('manual')).toMatchObject({ autoApply: false, selfHeal: false, prune: false });
  });

  it('keeps the built-in values (10-minute drift checks, no self-heal) without defaults', async () => {
    const envs = await byName(await argoRepo());
    expect(envs.get('open')).toMatchObject({ reconcileIntervalSeconds: 600, healthTimeoutSeconds: 300, selfHeal: false, prune: false, requires: [] });
  });

  it('gives Flux Kustomizations the defaults for what they leave out; spec.interval and spec.prune win', async () => {
    const root = await makeTree({
      '.bosun.yaml': defaultsConfig,
      'clusters/staging/flux-system/gotk-sync.yaml': yaml`
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: GitRepository
        metadata:
          name: flux-system
          namespace: flux-system
        spec:
          url: https://github.com/acme/fleet
        ---
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: apps
          namespace: flux-system
        spec:
          interval: 5m
          path: ./apps
          prune: false
          sourceRef:
            kind: GitRepository
            name: flux-system
      `,
      'apps/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
    });
    const envs = await byName(root);
    expect([...envs.keys()]).toEqual(['staging/apps']);
    const env = envs.get('staging/apps');
    expect(env).toMatchObject({ source: 'flux', reconcileIntervalSeconds: 300, prune: false, selfHeal: true, healthTimeoutSeconds: 90 });
  });

  it('gives clusters/<name>/ folders every default; the folder name stays the cluster', async () => {
    const root = await makeTree({
      '.bosun.yaml': 'version: 1\ndefaults:\n  cluster: elsewhere\n  reconcileInterval: 3m\n  autoApply: false\n',
      'clusters/dev/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
    });
    expect((await byName(root)).get('dev')).toMatchObject({ source: 'directory', cluster: 'dev', reconcileIntervalSeconds: 180, autoApply: false });
  });

  it('does not let two environments share one requires list', async () => {
    const envs = await byName(await argoRepo(defaultsConfig));
    envs.get('open')!.requires.push('mergeable');
    expect(envs.get('manual')!.requires).toEqual(['approved']);
  });
});

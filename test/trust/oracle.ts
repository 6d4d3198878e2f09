// The trust corpus's oracle: for each deployment oracle.yaml declares, what its controller would apply at a
// commit (rendered with the real kubectl kustomize / helm template, run directly), and the object-level change
// between two commits. It knows nothing of bosun's discovery, renderers or diff.
import type { BuiltCorpusRepo, CorpusRepo, OracleDeployment } from './corpus.ts';
import { applicationOf, renderArgoApplication } from './oracle-argocd.ts';
import { renderConfigEnvironment } from './oracle-config.ts';
import { renderFleetBundle } from './oracle-fleet.ts';
import { findObject, renderFluxKustomization, renderHelmRelease } from './oracle-flux.ts';
import { git, treeDir, type Obj } from './oracle-tools.ts';
import type { DeploymentState, OracleContext, Tree } from './oracle-types.ts';

/** Kinds that are not namespaced (built-in and in the corpus's CRDs): they never take a default namespace. */
const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass',
  'PriorityClass', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'RuntimeClass', 'ClusterIssuer']);

export function isClusterScoped(kind: string): boolean {
  return clusterScoped.has(kind);
}

export interface ObjectChange {
  action: 'create' | 'update' | 'delete';
  /** `group/Kind/namespace/name`; a hook created with generateName is `…/<generateName>*`. */
  key: string;
  /** Argo CD / Helm hook: run at sync, not kept as a managed object. */
  hook?: boolean;
}

export type DeploymentChange =
  | { status: 'unchanged'; why?: string }
  | { status: 'changed'; changes: ObjectChange[] }
  /** Changed, but the oracle cannot say which objects (an opaque render whose inputs changed); `unrenderable`: nor can bosun. */
  | { status: 'changed-unknown'; why: string; unrenderable?: boolean };

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** An object's identity as the cluster would know it once applied. */
export function identity(o: Obj, defaultNamespace?: string): string {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  const kind = String(o.kind);
  let namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  if (!namespace && defaultNamespace && !isClusterScoped(kind)) namespace = defaultNamespace;
  const name = typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '';
  return `${groupOf(String(o.apiVersion))}/${kind}/${namespace}/${name}`;
}

function isHook(o: Obj): boolean {
  const annotations = ((o.metadata as Record<string, unknown> | undefined)?.annotations ?? {}) as Record<string, unknown>;
  return annotations['argocd.argoproj.io/hook'] !== undefined || annotations['helm.sh/hook'] !== undefined;
}

/** Content as compared: keys sorted, status and empty metadata noise dropped. */
function canonical(o: Obj): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  const copy = structuredClone(o) as Record<string, unknown>;
  delete copy.status;
  const meta = copy.metadata as Record<string, unknown> | undefined;
  if (meta) {
    if (meta.creationTimestamp === null) delete meta.creationTimestamp;
    for (const k of ['labels', 'annotations']) if (meta[k] && Object.keys(meta[k] as object).length === 0) delete meta[k];
  }
  return JSON.stringify(sort(copy));
}

export class Oracle implements OracleContext {
  readonly repoUrl: string;
  readonly defaultBranch = 'main';
  private readonly byEnv: Map<string, OracleDeployment>;
  private readonly memo = new Map<string, Promise<DeploymentState>>();
  private readonly indexOf: Map<string, number>;

  private readonly repo: CorpusRepo;
  private readonly built: BuiltCorpusRepo;

  constructor(repo: CorpusRepo, built: BuiltCorpusRepo) {
    this.repo = repo;
    this.built = built;
    this.repoUrl = repo.spec.repoUrl;
    this.byEnv = new Map(repo.oracle.deployments.map((d) => [d.env, d]));
    this.indexOf = new Map([['base', 0], ...repo.spec.commits.map((c, i): [string, number] => [c.id, i + 1])]);
  }

  get deployments(): OracleDeployment[] {
    return this.repo.oracle.deployments;
  }

  async tree(sha: string): Promise<Tree> {
    const { dir, treeId } = await treeDir(this.built.dir, sha);
    const id = [...this.built.shaOf].find(([, s]) => s === sha)?.[0];
    if (id === undefined) throw new Error(`oracle: ${sha} is not a corpus commit`);
    return { sha, treeId, dir, index: this.indexOf.get(id)! };
  }

  async previous(tree: Tree): Promise<Tree | undefined> {
    if (tree.index === 0) return undefined;
    const id = tree.index === 1 ? 'base' : this.repo.spec.commits[tree.index - 2].id;
    return this.tree(this.built.shaOf.get(id)!);
  }

  stateOf(env: string, tree: Tree): Promise<DeploymentState> {
    const key = `${env}@${tree.sha}`;
    let state = this.memo.get(key);
    if (!state) {
      const d = this.byEnv.get(env);
      if (!d) throw new Error(`oracle: no deployment ${env}`);
      state = this.compute(d, tree).catch((e: Error) => {
        throw new Error(`oracle: ${this.repo.spec.name} ${env} at ${tree.sha.slice(0, 7)}: ${e.message}`);
      });
      this.memo.set(key, state);
    }
    return state;
  }

  private async compute(d: OracleDeployment, tree: Tree): Promise<DeploymentState> {
    if (d.since && tree.index < this.indexOf.get(d.since)!) return { kind: 'absent' };
    if (d.flux) return renderFluxKustomization(this, d, tree);
    if (d.helmRelease) {
      const parent = await this.stateOf(d.helmRelease.in, tree);
      if (parent.kind !== 'objects') return parent.kind === 'pinned' ? parent : { kind: 'absent' };
      const hr = findObject(parent.objects, 'helm.toolkit.fluxcd.io/', 'HelmRelease', d.helmRelease.name, d.helmRelease.namespace);
      return hr ? renderHelmRelease(hr, d, tree) : { kind: 'absent' };
    }
    if (d.config) return renderConfigEnvironment(d, tree);
    if (d.argocd) {
      const app = await applicationOf(this, d, tree);
      return app ? renderArgoApplication(this, d, app, tree) : { kind: 'absent' };
    }
    const labels = this.repo.oracle.fleetClusters?.[d.fleet!.cluster] ?? {};
    return renderFleetBundle(d, labels, tree);
  }

  async clusterObject(d: OracleDeployment, tree: Tree, kind: string, name: string, namespace: string): Promise<Obj | undefined> {
    for (const other of this.deployments) {
      if (other === d || other.cluster !== d.cluster || !other.flux) continue;
      const state = await this.stateOf(other.env, tree);
      if (state.kind !== 'objects') continue;
      const found = state.objects.find((o) => o.kind === kind && o.apiVersion === 'v1' && (o.metadata as Record<string, unknown>)?.name === name
        && ((o.metadata as Record<string, unknown>)?.namespace ?? state.defaultNamespace) === namespace);
      if (found) return found;
    }
    return undefined;
  }

  /** Where the deployment puts namespaced objects that name no namespace, at the base and at the head commit. */
  async defaultNamespaces(env: string, baseSha: string, headSha: string): Promise<{ base?: string; head?: string }> {
    const at = async (sha: string) => {
      const state = await this.stateOf(env, await this.tree(sha));
      return state.kind === 'objects' ? state.defaultNamespace : undefined;
    };
    const [base, head] = await Promise.all([at(baseSha), at(headSha)]);
    return { ...(base ? { base } : {}), ...(head ? { head } : {}) };
  }

  /** What changed in one deployment between two commits, as its controller would apply it. */
  async change(env: string, baseSha: string, headSha: string): Promise<DeploymentChange> {
    const [baseTree, headTree] = await Promise.all([this.tree(baseSha), this.tree(headSha)]);
    const [base, head] = await Promise.all([this.stateOf(env, baseTree), this.stateOf(env, headTree)]);
    if (base.kind === 'pinned' && head.kind === 'pinned') return { status: 'unchanged', why: `pinned to ${head.ref}` };
    if (base.kind === 'opaque' || head.kind === 'opaque') {
      const inputs = [...new Set([...(base.kind === 'opaque' ? base.inputs : []), ...(head.kind === 'opaque' ? head.inputs : [])])];
      const changed = (await git(this.built.dir, 'diff', '--name-only', baseSha, headSha, '--', ...inputs)).trim();
      const opaque = head.kind === 'opaque' ? head : (base as Extract<DeploymentState, { kind: 'opaque' }>);
      return changed ? { status: 'changed-unknown', why: `${opaque.why}; changed: ${changed.split('\n').join(', ')}`, ...(opaque.unrenderable ? { unrenderable: true } : {}) } : { status: 'unchanged' };
    }
    if (base.kind === 'pinned' || head.kind === 'pinned') throw new Error(`oracle: ${env}: a deployment that becomes pinned or unpinned is not modelled`);
    const index = (s: DeploymentState) => {
      const map = new Map<string, { text: string; hook: boolean }>();
      if (s.kind === 'objects') for (const o of s.objects) map.set(identity(o, s.defaultNamespace), { text: canonical(o), hook: isHook(o) });
      return map;
    };
    const [before, after] = [index(base), index(head)];
    const changes: ObjectChange[] = [];
    for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const b = before.get(key);
      const a = after.get(key);
      const hook = (a ?? b)!.hook || undefined;
      if (!b) changes.push({ action: 'create', key, ...(hook ? { hook } : {}) });
      else if (!a) changes.push({ action: 'delete', key, ...(hook ? { hook } : {}) });
      else if (a.text !== b.text) changes.push({ action: 'update', key, ...(hook ? { hook } : {}) });
    }
    return changes.length > 0 ? { status: 'changed', changes } : { status: 'unchanged' };
  }
}

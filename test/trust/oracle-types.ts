import type { OracleDeployment } from './corpus.ts';
import type { Obj } from './oracle-tools.ts';

/** One commit's files, extracted into a folder of their own. */
export interface Tree {
  sha: string;
  treeId: string;
  dir: string;
  /** Position in the repository's history: 0 is the base commit. */
  index: number;
}

/** What a deployment is at one commit, as its controller would see it. */
export type DeploymentState =
  /** Not deployed at this commit (its defining object is not there, or it is generated from a later commit on). */
  | { kind: 'absent' }
  /** Follows another branch or a tag of the repository: commits on the default branch do not change it. */
  | { kind: 'pinned'; ref: string }
  /** What the controller applies. `defaultNamespace`: where namespaced objects without a namespace go. */
  | { kind: 'objects'; objects: Obj[]; defaultNamespace?: string }
  /**
   * The oracle cannot render it (no jsonnet here): it changed when any of its input folders changed.
   * `unrenderable`: nothing but the controller's own tooling can (a config management plugin), so a preview of
   * it by bosun's own reading of the folder is a phantom one.
   */
  | { kind: 'opaque'; inputs: string[]; why: string; unrenderable?: boolean };

export interface OracleContext {
  repoUrl: string;
  defaultBranch: string;
  /** The commit before `tree` in the corpus repository's history; undefined for the base commit. */
  previous(tree: Tree): Promise<Tree | undefined>;
  /** The state of another declared deployment at the same commit. */
  stateOf(env: string, tree: Tree): Promise<DeploymentState>;
  /**
   * An object the other deployments of `d`'s cluster put in the cluster at this commit (what Flux's
   * substituteFrom reads after those deployments are synced).
   */
  clusterObject(d: OracleDeployment, tree: Tree, kind: string, name: string, namespace: string): Promise<Obj | undefined>;
}

// Types for scripts/gen-schemas.mjs, which stays plain JavaScript so that it runs in `postinstall`
// without tsx. src/validate/builtin-schemas.ts imports it to regenerate in-process.

import type { Ajv } from 'ajv';

export declare const builtinSchemasPath: string;

export interface GeneratedKind {
  /** Definition name in `definitions` (a @kubernetes/client-node model name, e.g. V1Deployment). */
  ref: string;
  /** Unknown for kinds that have no create endpoint of their own (Scale, Eviction…). */
  namespaced?: boolean;
}

export interface GeneratedSchemas {
  stamp: string;
  /** Kubernetes minor version the models were generated from, e.g. "1.34". */
  kubernetesVersion: string;
  /** API groups served by that version ('' is the core group). */
  groups: string[];
  /** `apps/v1/Deployment` → kind. */
  kinds: Record<string, GeneratedKind>;
  /** `apps/v1beta1/Deployment` → apiVersion to use instead ('' when the kind was removed outright). */
  removed: Record<string, string>;
  /** Custom resources of the GitOps ecosystem, from the `@kubernetes-models/*` packages (ecosystem-schemas.mjs). */
  ecosystem: EcosystemSchemas;
  /** JSON schemas (draft-07), `$ref`s as `#/definitions/<name>`. */
  definitions: Record<string, Record<string, unknown>>;
}

export interface EcosystemProject {
  /** Short id, e.g. `flux`. */
  id: string;
  /** Display name, e.g. `Flux`. */
  project: string;
  package: string;
  version: string;
  /** Which upstream release the package was generated from. */
  upstream: string;
  groups: string[];
  kinds: number;
  /** How to move off removed versions, when the project has a tool for it. */
  hint?: string;
}

export interface EcosystemSchemas {
  projects: EcosystemProject[];
  /** Projects no package describes, named so that their objects' warnings can say so. */
  gaps: { project: string; groups: string[]; why: string }[];
  /** `cert-manager.io/v1/Certificate` → definition name and project id. */
  kinds: Record<string, { ref: string; project: string }>;
  /** `helm.toolkit.fluxcd.io/v2beta1/HelmRelease` → the release that stopped serving it. */
  removed: Record<string, { since: string; use?: string; project: string }>;
}

export declare function currentStamp(): string;
export declare function readStamp(file: string): string | undefined;
export declare function buildBuiltinSchemas(): GeneratedSchemas;
export declare function readModelHints(kubernetesModelsDir: string): Map<string, Map<string, unknown>>;
export declare function generateBuiltinSchemas(options?: { root?: string; force?: boolean }):
  { written: false; file: string } | { written: true; file: string; kinds: number; definitions: number };

export declare const builtinSchemaId: string;
export declare const precompiledPath: string;
export declare const checkedFormats: readonly string[];
/** The one ajv configuration for Kubernetes schemas, shared by the run-time engine and the precompiler. */
export declare function createSchemaAjv(options?: { detailed?: boolean; source?: boolean }): Ajv;
export declare function builtinRefSchema(ref: string): { $ref: string };
export interface PrecompiledManifest {
  stamp: string;
  /** Definition names with a `<ref>.cjs` module exporting the fast validator. */
  refs: string[];
}
export declare function readPrecompiledManifest(root?: string): PrecompiledManifest | undefined;
export declare function generatePrecompiledValidators(options?: { root?: string; force?: boolean; schemas?: GeneratedSchemas }):
  { written: false; dir: string } | { written: true; dir: string; validators: number; bytes: number };

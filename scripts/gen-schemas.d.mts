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
  /** JSON schemas (draft-07), `$ref`s as `#/definitions/<name>`. */
  definitions: Record<string, Record<string, unknown>>;
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

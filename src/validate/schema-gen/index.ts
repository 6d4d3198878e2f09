// Schema generation: strict JSON schemas for the built-in Kubernetes kinds and the GitOps ecosystem's
// custom resources, derived from installed packages into .cache/schemas (builtin.json and precompiled
// validators), with the one ajv configuration the engine compiles them with. Where schemas come from:
// client-node-models.ts, kubernetes-models-facts.ts, ecosystem-packages.ts with ajv-code-reader.ts; how
// they become one document: builtin-definitions.ts, ecosystem-definitions.ts; ajv: ajv-config.ts; files
// and their stamps: schema-file.ts, precompile.ts, stamp.ts; the install step: cli.ts.
export { builtinRefSchema, builtinSchemaId, checkedFormats, createSchemaAjv } from './ajv-config.ts';
export { buildBuiltinSchemas } from './builtin-definitions.ts';
export { readModelHints } from './kubernetes-models-facts.ts';
export { installRoot } from './packages.ts';
export { generatePrecompiledValidators, precompiledPath, readPrecompiledManifest, type PrecompiledManifest } from './precompile.ts';
export { builtinSchemasPath, generateBuiltinSchemas } from './schema-file.ts';
export { currentStamp, readStamp } from './stamp.ts';
export type { EcosystemProject, EcosystemSchemas, GeneratedKind, GeneratedSchemas, JsonSchema } from './types.ts';

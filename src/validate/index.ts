// Offline schema validation (a kubeconform equivalent): built-in kinds from generated schemas, custom
// resources from their CRDs, plus the checks a render needs before apply (identity, duplicates).
export { createValidator, objectLabel } from './validator.ts';
export type { Validator, ValidatorOptions } from './validator.ts';
export { findDuplicates, duplicateMessage } from './duplicates.ts';
export type { Duplicate } from './duplicates.ts';
export { collectCrds, crdVersions, crdObjectSchema, isCrd } from './crd-schema.ts';
export type { CrdVersion } from './crd-schema.ts';
export { collectRepoCrds } from './repo-crds.ts';
export { createCrdSource } from './crd-source.ts';
export { createBuiltinSource } from './builtin-source.ts';
export { loadBuiltinSchemas, builtinKind, isNamespacedKind } from './builtin-schemas.ts';
export type { BuiltinKind, BuiltinSchemas } from './builtin-schemas.ts';
export type { SchemaLookup, SchemaSource } from './schema-source.ts';

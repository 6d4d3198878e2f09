import type { CompiledSchema } from './engine.ts';

/**
 * What a schema source knows about one apiVersion/kind: its schema, or that the kind exists but not at
 * that version (an error with a message saying what to use instead), or that the target still serves a
 * deprecated version the source has no schema for (a warning). `undefined`: not this source's kind.
 */
export type SchemaLookup =
  | { found: 'schema'; schema: CompiledSchema; origin: string }
  | { found: 'not-served'; message: string }
  | { found: 'deprecated'; message: string }
  | undefined;

/** A place schemas come from: CRDs (render or repo), the generated built-ins, later a live cluster. */
export interface SchemaSource {
  readonly name: string;
  lookup(apiVersion: string, kind: string): SchemaLookup;
}

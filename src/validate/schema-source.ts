import type { CompiledSchema } from './engine.ts';

/**
 * What a schema source knows about one apiVersion/kind: its schema, or that the kind exists but not at
 * that version (an error with a message saying what to use instead). `undefined`: not this source's kind.
 */
export type SchemaLookup =
  | { found: 'schema'; schema: CompiledSchema; origin: string }
  | { found: 'not-served'; message: string }
  | undefined;

/** A place schemas come from: CRDs (render or repo), the generated built-ins, later a live cluster. */
export interface SchemaSource {
  readonly name: string;
  lookup(apiVersion: string, kind: string): SchemaLookup;
}

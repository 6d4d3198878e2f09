import type { Ajv, AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { builtinRefSchema, builtinSchemaId, createSchemaAjv } from './schema-gen/index.ts';
import { projectRoot } from '../util/tools.ts';
import { loadBuiltinSchemas } from './builtin-schemas.ts';
import { openPrecompiled } from './precompiled.ts';
import type { PrecompiledValidators } from './precompiled.ts';

export { builtinSchemaId };
export const objectMetaRef = `${builtinSchemaId}#/definitions/V1ObjectMeta`;

/** A schema compiled twice on demand: a fast first-error pass and an all-errors pass for reporting. */
export interface CompiledSchema {
  check(value: unknown): boolean;
  explain(value: unknown): ErrorObject[];
  /** check() runs code generated at install time: nothing is compiled in this process to answer it. */
  readonly precompiled?: boolean;
}

export interface SchemaEngineOptions {
  /** Where `.cache/` is (default: the project root). */
  root?: string;
  /** Use the validators precompiled at install time when they are current (default true). */
  precompiled?: boolean;
}

class Engine {
  // Created on first use: a process whose objects all have precompiled validators never builds them.
  private fastAjv: Ajv | undefined;
  private detailedAjv: Ajv | undefined;
  private readonly root: string;
  private precompiledValidators: PrecompiledValidators | undefined | false;
  private readonly builtin = new Map<string, CompiledSchema>();
  /** Content-keyed, least recently used last; bounded so a long-running worker does not grow forever. */
  private readonly custom = new Map<string, { compiled: CompiledSchema; schema: AnySchemaObject }>();
  private readonly customLimit = 2000;

  constructor(options: SchemaEngineOptions = {}) {
    this.root = options.root ?? projectRoot;
    if (options.precompiled === false) this.precompiledValidators = false;
  }

  private get fast(): Ajv {
    this.fastAjv ??= this.newAjv(false);
    return this.fastAjv;
  }

  private get detailed(): Ajv {
    this.detailedAjv ??= this.newAjv(true);
    return this.detailedAjv;
  }

  /** An ajv with the built-in definitions registered: every schema may `$ref` them (CRDs: ObjectMeta). */
  private newAjv(detailed: boolean): Ajv {
    const ajv = createSchemaAjv({ detailed });
    const { definitions } = loadBuiltinSchemas(this.root);
    ajv.addSchema({ $id: builtinSchemaId, definitions }, undefined, undefined, false);
    return ajv;
  }

  private compiled(schema: AnySchemaObject, precompiled?: (value: unknown) => boolean): CompiledSchema {
    let check: ValidateFunction | undefined;
    let explain: ValidateFunction | undefined;
    return {
      // Our schemas have no $async, so validation is synchronous.
      check: precompiled ?? ((value) => (check ??= this.fast.compile(schema))(value) === true),
      // Only failing objects get here: compiling the all-errors pass lazily costs nothing for valid ones.
      explain: (value) => {
        explain ??= this.detailed.compile(schema);
        return explain(value) ? [] : [...(explain.errors ?? [])];
      },
      precompiled: precompiled !== undefined,
    };
  }

  private precompiledCheck(ref: string): ((value: unknown) => boolean) | undefined {
    if (this.precompiledValidators === undefined) this.precompiledValidators = openPrecompiled(this.root) ?? false;
    return this.precompiledValidators ? this.precompiledValidators.get(ref) : undefined;
  }

  /**
   * The schema of a built-in definition, e.g. `V1Deployment`: the install-time validator when it is
   * current, else compiled on first use. Cached either way.
   */
  builtinDefinition(ref: string): CompiledSchema {
    let c = this.builtin.get(ref);
    if (!c) {
      const precompiled = this.precompiledCheck(ref);
      // The all-errors pass and run-time compiles `$ref` into the shared definitions.
      const schema = builtinRefSchema(ref);
      c = this.compiled(schema, precompiled && ((value) => precompiled(value) === true));
      this.builtin.set(ref, c);
    }
    return c;
  }

  /** A schema that is not built in (a CRD version), cached by `key` (a digest of its content). */
  schema(key: string, schema: AnySchemaObject): CompiledSchema {
    const hit = this.custom.get(key);
    if (hit) {
      this.custom.delete(key);
      this.custom.set(key, hit);
      return hit.compiled;
    }
    const compiled = this.compiled(schema);
    this.custom.set(key, { compiled, schema });
    if (this.custom.size > this.customLimit) {
      const [oldKey, old] = this.custom.entries().next().value as [string, { schema: AnySchemaObject }];
      this.custom.delete(oldKey);
      this.fast.removeSchema(old.schema);
      this.detailed.removeSchema(old.schema);
    }
    return compiled;
  }
}

let engine: Engine | undefined;

/** The process-wide engine: compiled schemas are shared by every validator. */
export function schemaEngine(): Engine {
  engine ??= new Engine();
  return engine;
}

/** A separate engine (its own caches), e.g. to compare the precompiled and the run-time paths. */
export function createSchemaEngine(options: SchemaEngineOptions = {}): Engine {
  return new Engine(options);
}

export type { Engine as SchemaEngine };

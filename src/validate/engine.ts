import { Ajv } from 'ajv';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { loadBuiltinSchemas } from './builtin-schemas.ts';

// ajv-formats is CommonJS; under NodeNext its default import is typed as the module object.
const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default;

/** `$id` under which the built-in definitions are registered; CRD schemas `$ref` its ObjectMeta. */
export const builtinSchemaId = 'bosun://builtin';
export const objectMetaRef = `${builtinSchemaId}#/definitions/V1ObjectMeta`;

/**
 * Formats checked the way Kubernetes checks them. Others (uri, email, duration…) are ignored: ajv-formats'
 * readings differ from Kubernetes' (duration is ISO 8601 there, a Go duration here) and a validator that
 * rejects what the API server accepts is worse than one that misses a format.
 */
const checkedFormats = ['date-time', 'date', 'byte', 'int32', 'int64', 'float', 'double', 'ipv4', 'ipv6', 'uuid'] as const;

function newAjv(detailed: boolean): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: detailed,
    verbose: detailed,
    logger: false,
    // Kubernetes patterns are RE2; JS without the u flag accepts more of them (e.g. `\-` outside classes).
    unicodeRegExp: false,
    useDefaults: false,
    coerceTypes: false,
  });
  addFormats(ajv, [...checkedFormats]);
  return ajv;
}

/** A schema compiled twice on demand: a fast first-error pass and an all-errors pass for reporting. */
export interface CompiledSchema {
  check(value: unknown): boolean;
  explain(value: unknown): ErrorObject[];
}

class Engine {
  private readonly fast = newAjv(false);
  private readonly detailed = newAjv(true);
  private builtinAdded = false;
  private readonly builtin = new Map<string, CompiledSchema>();
  /** Content-keyed, least recently used last; bounded so a long-running worker does not grow forever. */
  private readonly custom = new Map<string, { compiled: CompiledSchema; schema: AnySchemaObject }>();
  private readonly customLimit = 2000;

  private ensureBuiltin(): void {
    if (this.builtinAdded) return;
    const { definitions } = loadBuiltinSchemas();
    this.fast.addSchema({ $id: builtinSchemaId, definitions }, undefined, undefined, false);
    this.detailed.addSchema({ $id: builtinSchemaId, definitions }, undefined, undefined, false);
    this.builtinAdded = true;
  }

  private compiled(fastSchema: AnySchemaObject, detailedSchema: AnySchemaObject): CompiledSchema {
    let check: ValidateFunction | undefined;
    let explain: ValidateFunction | undefined;
    return {
      // Our schemas have no $async, so validation is synchronous.
      check: (value) => (check ??= this.fast.compile(fastSchema))(value) === true,
      explain: (value) => {
        explain ??= this.detailed.compile(detailedSchema);
        return explain(value) ? [] : [...(explain.errors ?? [])];
      },
    };
  }

  /** The schema of a built-in definition, e.g. `V1Deployment`. Compiled on first use, then cached. */
  builtinDefinition(ref: string): CompiledSchema {
    let c = this.builtin.get(ref);
    if (!c) {
      this.ensureBuiltin();
      const target = `${builtinSchemaId}#/definitions/${ref}`;
      c = this.compiled({ $ref: target }, { $ref: target });
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
    this.ensureBuiltin();
    const compiled = this.compiled(schema, schema);
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

export type { Engine as SchemaEngine };

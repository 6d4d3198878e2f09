// The one ajv configuration for Kubernetes schemas, used by the run-time engine and by the precompiler
// alike, so both compile the same code. A change here changes the generator's stamp (stamp.ts hashes this
// folder) and so invalidates precompiled validators made with the old configuration.
import type { Ajv as AjvInstance, Options } from 'ajv';
import { requireHere } from './packages.ts';

/** `$id` under which the built-in definitions are registered; CRD schemas `$ref` its ObjectMeta. */
export const builtinSchemaId = 'bosun://builtin';

/**
 * Formats checked the way Kubernetes checks them. Others (uri, email, duration…) are ignored: ajv-formats'
 * readings differ from Kubernetes' (duration is ISO 8601 there, a Go duration here) and a validator that
 * rejects what the API server accepts is worse than one that misses a format.
 */
export const checkedFormats: readonly string[] = ['date-time', 'date', 'byte', 'int32', 'int64', 'float', 'double', 'ipv4', 'ipv6', 'uuid'];

type AjvModule = { Ajv: new (options: Options) => AjvInstance };
type AddFormats = (ajv: AjvInstance, formats: string[]) => AjvInstance;

/**
 * `detailed` collects all errors for reporting, the default stops at the first. `source` keeps the
 * generated code for standalone output; it does not change the code. ajv and ajv-formats are loaded with
 * `require` (CommonJS, as the standalone code that `require`s "ajv-formats/dist/formats" expects).
 */
export function createSchemaAjv({ detailed = false, source = false }: { detailed?: boolean; source?: boolean } = {}): AjvInstance {
  const { Ajv } = requireHere('ajv') as AjvModule;
  const addFormats = requireHere('ajv-formats') as AddFormats;
  const ajv = new Ajv({
    strict: false,
    allErrors: detailed,
    verbose: detailed,
    logger: false,
    // Kubernetes patterns are RE2; JS without the u flag accepts more of them (e.g. `\-` outside classes).
    unicodeRegExp: false,
    useDefaults: false,
    coerceTypes: false,
    ...(source ? { code: { source: true } } : {}),
  });
  addFormats(ajv, [...checkedFormats]);
  return ajv;
}

/** The schema compiled for a built-in definition: the same at install time and at run time. */
export function builtinRefSchema(ref: string): { $ref: string } {
  return { $ref: `${builtinSchemaId}#/definitions/${ref}` };
}

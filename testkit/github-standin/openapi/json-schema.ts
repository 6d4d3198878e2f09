// GitHub's description is OpenAPI 3.0: its schemas are JSON Schema plus `nullable`, with references
// into `#/components`. This turns one into plain JSON Schema that ajv 8 compiles.

/** Where the converted components live in ajv; references are rewritten to point there. */
export const componentsId = 'https://github-standin.invalid/openapi.json';

const annotations = new Set(['description', 'example', 'examples', 'title', 'default', 'readOnly', 'writeOnly', 'deprecated', 'discriminator', 'externalDocs', 'xml']);

/**
 * Converts an OpenAPI 3.0 schema:
 * - `nullable: true` admits `null` (type list, or `anyOf` with null when there is no single type);
 * - `oneOf` becomes `anyOf`: GitHub's description uses `oneOf` for alternatives that overlap (a body
 *   can fit two branches) and GitHub's servers accept such bodies, so exclusivity would reject valid
 *   requests and responses;
 * - `$ref: #/components/...` points into `componentsId`;
 * - documentation-only keywords and `x-` extensions are dropped.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  let nullable = false;
  for (const [key, value] of Object.entries(schema)) {
    if (annotations.has(key) || key.startsWith('x-')) continue;
    switch (key) {
      case 'nullable':
        nullable = value === true;
        break;
      case '$ref':
        out.$ref = typeof value === 'string' && value.startsWith('#/') ? `${componentsId}${value}` : value;
        break;
      case 'properties':
      case 'patternProperties':
        out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, toJsonSchema(sub)]));
        break;
      case 'oneOf':
        out.anyOf = toJsonSchema(value);
        break;
      case 'enum':
      case 'required':
      case 'const':
        out[key] = value;
        break;
      default:
        out[key] = toJsonSchema(value);
    }
  }
  if (!nullable) return out;
  if (typeof out.type === 'string' && out.anyOf === undefined && out.allOf === undefined && out.$ref === undefined) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

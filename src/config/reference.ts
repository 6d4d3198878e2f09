import { z } from 'zod';
import { repoConfigSchema } from './schema.ts';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  pattern?: string;
  additionalProperties?: JsonSchema | boolean;
}

/**
 * The `.bosun.yaml` reference as a markdown table, generated from the zod schema so the docs can
 * never drift from what the loader accepts.
 */
export function configReferenceMarkdown(): string {
  const schema = z.toJSONSchema(repoConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[] = ['| key | type | required | description |', '| --- | --- | --- | --- |'];
  walk(schema, '', rows);
  return `${rows.join('\n')}\n`;
}

function walk(schema: JsonSchema, prefix: string, rows: string[]): void {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const required = schema.required?.includes(key) && child.default === undefined ? 'yes' : '';
    const defaultNote = child.default !== undefined && typeof child.default !== 'object' ? ` Default: \`${String(child.default)}\`.` : '';
    rows.push(`| \`${path}\` | ${typeName(child)} | ${required} | ${(child.description ?? '').replace(/\|/g, '\\|')}${defaultNote} |`);
    if (child.properties) walk(child, path, rows);
    if (child.items?.properties) walk(child.items, `${path}[]`, rows);
  }
}

function typeName(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (schema.type === 'array') return `list of ${schema.items ? typeName(schema.items) : 'any'}`;
  if (schema.type === 'object') return schema.properties ? 'mapping' : 'map';
  if (schema.type === 'string' && schema.pattern?.includes('ms|s|m|h')) return 'duration';
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
}

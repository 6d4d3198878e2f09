// Where the built-in schemas come from, part 1: the @kubernetes/client-node models, read as text. Property
// names and types (`attributeTypeMap`), required properties (declared without `?` in the .d.ts), and which
// apiVersion/kind each model is served as (the create endpoints of the generated API clients).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ModelAttr {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

export interface ClientModel {
  attrs: ModelAttr[];
  /** baseNames of the required properties. */
  required: Set<string>;
}

export interface ServedKind {
  ref: string;
  namespaced?: boolean;
}

/** Model name → its attributes and required properties, and the OpenAPI version they were generated from. */
export function readClientModels(modelsDir: string): { models: Map<string, ClientModel>; specVersion: string } {
  const models = new Map<string, ClientModel>();
  let specVersion: string | undefined;
  for (const file of readdirSync(modelsDir)) {
    if (!file.endsWith('.js') || file === 'all.js' || file === 'ObjectSerializer.js') continue;
    const text = readFileSync(join(modelsDir, file), 'utf8');
    const m = /^(\w+)\.attributeTypeMap = (\[[\s\S]*?\]);$/m.exec(text);
    if (!m) continue;
    specVersion ??= /OpenAPI spec version: v?(\d+\.\d+)/.exec(text)?.[1];
    const attrs = JSON.parse(m[2]!) as ModelAttr[];
    const dts = readFileSync(join(modelsDir, file.replace(/\.js$/, '.d.ts')), 'utf8');
    const requiredJs = new Set<string>();
    for (const r of dts.matchAll(/^ {4}'([^']+)': /gm)) requiredJs.add(r[1]!);
    const required = new Set(attrs.filter((a) => requiredJs.has(a.name)).map((a) => a.baseName));
    models.set(m[1]!, { attrs, required });
  }
  if (models.size < 300) throw new Error(`only ${models.size} models found in ${modelsDir}; is @kubernetes/client-node 1.x installed?`);
  return { models, specVersion: specVersion ?? 'unknown' };
}

/**
 * The served group/version/kind of each creatable model, from the API clients: a POST to a collection
 * path (`/apis/apps/v1/namespaces/{namespace}/deployments`) with a typed body.
 */
export function readServedKinds(apisDir: string, models: Map<string, ClientModel>): Map<string, ServedKind> {
  const kinds = new Map<string, ServedKind>();
  for (const file of readdirSync(apisDir)) {
    if (!/Api\.js$/.test(file)) continue;
    const text = readFileSync(join(apisDir, file), 'utf8');
    for (const chunk of text.split("localVarPath = '").slice(1)) {
      const path = chunk.slice(0, chunk.indexOf("'"));
      const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(namespaces\/\{namespace\}\/)?([a-z0-9]+)$/.exec(path);
      if (!m || !chunk.includes('HttpMethod.POST')) continue;
      const body = /serialize\(body, "(\w+)"/.exec(chunk)?.[1];
      if (!body || !models.has(body)) continue;
      const group = m[2] ?? '';
      const version = (m[1] ?? m[3])!;
      const prefix = `V${version.slice(1)}`;
      const at = body.indexOf(prefix);
      if (at < 0) continue;
      const kind = body.slice(at + prefix.length);
      const key = `${group ? `${group}/` : ''}${version}/${kind}`;
      if (!kinds.has(key)) kinds.set(key, { ref: body, namespaced: Boolean(m[4]) });
    }
  }
  if (kinds.size < 50) throw new Error(`only ${kinds.size} served kinds found in ${apisDir}`);
  return kinds;
}

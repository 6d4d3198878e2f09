// Webhook payloads that start from GitHub's own examples (@octokit/webhooks-examples), so every field
// a handler may read is there, with the test's repository, pull request and installation merged in.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface Definition {
  name: string;
  actions: string[];
  examples: Array<Record<string, unknown>>;
}

let definitions: Definition[] | undefined;

function load(): Definition[] {
  if (!definitions) {
    const require = createRequire(import.meta.url);
    definitions = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as Definition[];
  }
  return definitions;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] } & Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays, primitives and null replace; `undefined` leaves the value alone. */
export function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key] as Record<string, unknown>, value) : structuredClone(value);
  }
  return out;
}

/** A copy of GitHub's example for `event` (and `action`), with `overrides` deep-merged in order. */
export function examplePayload(event: string, action?: string, ...overrides: Array<Record<string, unknown>>): Record<string, unknown> {
  const def = load().find((d) => d.name === event);
  if (!def) throw new Error(`@octokit/webhooks-examples has no "${event}" event; known: ${load().map((d) => d.name).join(', ')}`);
  const example = action === undefined ? def.examples[0] : def.examples.find((e) => e.action === action);
  if (!example) {
    const have = [...new Set(def.examples.map((e) => String(e.action ?? '(none)')))].join(', ');
    throw new Error(`@octokit/webhooks-examples has no "${event}" example with action "${action}"; examples exist for: ${have}`);
  }
  return overrides.reduce((acc, o) => deepMerge(acc, o), structuredClone(example));
}

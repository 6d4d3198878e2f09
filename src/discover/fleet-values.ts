import { parse } from 'yaml';

/**
 * Helm values as the Fleet controller prepares them for one cluster (rancher/fleet
 * internal/cmd/controller/target/builder.go `preprocessHelmValues`): only when the cluster has labels
 * and there are values. A string value `global.fleet.clusterLabels.<label>` becomes that label's value
 * (empty when the cluster lacks it); then, unless `disablePreProcess`, `${ … }` Go templates in keys and
 * values are filled in — bosun evaluates `.ClusterName`, `.ClusterLabels.<label>` /
 * `index .ClusterLabels "<label>"`, piped through `quote`, `upper`, `lower` or `default "<x>"`; a missing
 * label is an error as Fleet's `missingkey=error` makes it. Anything else (`.ClusterValues`,
 * `.ClusterAnnotations`, other functions) is reported as unsupported rather than guessed.
 */
export type TemplatedValues =
  | { ok: true; values: Record<string, unknown> }
  | { ok: false; kind: 'error' | 'unsupported'; message: string };

const labelPrefix = 'global.fleet.clusterLabels.';
const maxDepth = 50;

export function valuesForCluster(
  values: Record<string, unknown>,
  cluster: { name: string; labels: Record<string, string> },
  opts: { disablePreProcess?: boolean; templateValues?: Record<string, string> } = {},
): TemplatedValues {
  if (Object.keys(cluster.labels).length === 0) return { ok: true, values };
  if (Object.keys(values).length === 0 && !opts.templateValues) return { ok: true, values };
  const copy = structuredClone(values);
  replaceLabelRefs(copy, cluster.labels, 0);
  if (opts.disablePreProcess) return { ok: true, values: copy };
  try {
    const templated = templateTree(copy, cluster, 0) as Record<string, unknown>;
    for (const [key, text] of Object.entries(opts.templateValues ?? {})) templated[key] = parse(templateString(text, cluster));
    return { ok: true, values: templated };
  } catch (error) {
    if (error instanceof TemplateProblem) return { ok: false, kind: error.kind, message: error.message };
    throw error;
  }
}

class TemplateProblem extends Error {
  readonly kind: 'error' | 'unsupported';
  constructor(kind: 'error' | 'unsupported', message: string) {
    super(message);
    this.kind = kind;
  }
}

/** processLabelValues: maps and maps inside lists, recursively (a plain list of strings is left as is). */
function replaceLabelRefs(node: Record<string, unknown>, labels: Record<string, string>, depth: number): void {
  if (depth > maxDepth) throw new TemplateProblem('error', `values nest deeper than ${maxDepth} levels`);
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && value.startsWith(labelPrefix)) node[key] = labels[value.slice(labelPrefix.length)] ?? '';
    else if (isRecord(value)) replaceLabelRefs(value, labels, depth + 1);
    else if (Array.isArray(value)) for (const item of value) if (isRecord(item)) replaceLabelRefs(item, labels, depth + 1);
  }
}

function templateTree(node: unknown, cluster: { name: string; labels: Record<string, string> }, depth: number): unknown {
  if (depth > maxDepth) throw new TemplateProblem('error', `values nest deeper than ${maxDepth} levels`);
  if (typeof node === 'string') {
    if (!node.includes('${')) return node;
    const whole = /^\$\{[^}]*\}$/.test(node.trim());
    const text = templateString(node, cluster);
    // Fleet templates the values' YAML text and reads it back: a value that was only a template takes
    // the type its result reads as (`3` a number, `true` a boolean); inside a longer string it stays text.
    return whole ? parseScalar(text) : text;
  }
  if (Array.isArray(node)) return node.map((item) => templateTree(item, cluster, depth + 1));
  if (isRecord(node)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key.includes('${') ? templateString(key, cluster) : key] = templateTree(value, cluster, depth + 1);
    return out;
  }
  return node;
}

function parseScalar(text: string): unknown {
  try {
    const value: unknown = parse(text);
    return value === null || typeof value !== 'object' ? value : text;
  } catch {
    return text;
  }
}

/** Every `${ … }` in `text` (Fleet's template delimiters) evaluated. */
export function templateString(text: string, cluster: { name: string; labels: Record<string, string> }): string {
  return text.replace(/\$\{([^}]*)\}/g, (_, body: string) => evaluate(body.trim(), cluster));
}

function evaluate(expression: string, cluster: { name: string; labels: Record<string, string> }): string {
  const [head, ...pipes] = expression.split('|').map((p) => p.trim());
  let value = operand(head, cluster, expression);
  for (const pipe of pipes) value = applyFunction(pipe, value, expression);
  return value;
}

function operand(text: string, cluster: { name: string; labels: Record<string, string> }, expression: string): string {
  if (text === '.ClusterName') return cluster.name;
  const dotted = /^\.ClusterLabels\.([A-Za-z0-9_]+)$/.exec(text);
  const indexed = /^index\s+\.ClusterLabels\s+"([^"]*)"$/.exec(text);
  const label = dotted?.[1] ?? indexed?.[1];
  if (label !== undefined) {
    if (!Object.hasOwn(cluster.labels, label)) throw new TemplateProblem('error', `values template \`\${ ${expression} }\`: cluster ${cluster.name} has no label "${label}" (Fleet fails the same way: map has no entry for key "${label}")`);
    return cluster.labels[label];
  }
  if (/^"[^"]*"$/.test(text)) return text.slice(1, -1);
  throw new TemplateProblem('unsupported', `values template \`\${ ${expression} }\` uses ${/^\.Cluster(Values|Annotations|Namespace)\b/.test(text) ? `${text.split('.').slice(0, 2).join('.')}, which the cluster registry does not hold` : 'a form bosun does not evaluate'} (bosun evaluates .ClusterName and .ClusterLabels with quote, upper, lower and default)`);
}

function applyFunction(pipe: string, value: string, expression: string): string {
  if (pipe === 'quote') return JSON.stringify(value);
  if (pipe === 'upper') return value.toUpperCase();
  if (pipe === 'lower') return value.toLowerCase();
  const fallback = /^default\s+"([^"]*)"$/.exec(pipe);
  if (fallback) return value === '' ? fallback[1] : value;
  throw new TemplateProblem('unsupported', `values template \`\${ ${expression} }\` pipes into \`${pipe}\`, which bosun does not evaluate (quote, upper, lower and default are)`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A Kubernetes label selector (metav1.LabelSelector) and its matching rules, as
 * `metav1.LabelSelectorAsSelector` applies them: every `matchLabels` pair and every `matchExpressions`
 * requirement must hold; an empty selector (`{}`) matches everything. Whether a missing selector (`null`)
 * matches nothing or is no criterion at all is the caller's rule (Fleet drops it from the criteria).
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

const operators = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key])) return false;
        break;
      case 'NotIn':
        // k8s: a label that is absent satisfies NotIn.
        if (has && values.includes(labels[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/**
 * `raw` as a LabelSelector, or the reason it is not one (the same rules metav1.LabelSelectorAsSelector
 * enforces: In/NotIn need values, Exists/DoesNotExist take none). `null`/absent is undefined, not an error.
 */
export function parseLabelSelector(raw: unknown): { selector?: LabelSelector; problem?: string } {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return { problem: 'must be a label selector (matchLabels and/or matchExpressions)' };
  const { matchLabels, matchExpressions, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return { problem: `unknown field "${unknown[0]}" in a label selector (matchLabels, matchExpressions)` };
  const selector: LabelSelector = {};
  if (matchLabels !== undefined && matchLabels !== null) {
    if (typeof matchLabels !== 'object' || Array.isArray(matchLabels)) return { problem: 'matchLabels must be a map of label names to values' };
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(matchLabels)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return { problem: `matchLabels.${k} must be a string` };
      labels[k] = String(v);
    }
    selector.matchLabels = labels;
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return { problem: 'matchExpressions must be a list' };
    const reqs: LabelSelectorRequirement[] = [];
    for (const [i, item] of matchExpressions.entries()) {
      const r = (item ?? {}) as Record<string, unknown>;
      if (typeof r.key !== 'string' || r.key === '') return { problem: `matchExpressions[${i}].key is required` };
      if (typeof r.operator !== 'string' || !operators.has(r.operator)) return { problem: `matchExpressions[${i}].operator must be In, NotIn, Exists or DoesNotExist` };
      const values = Array.isArray(r.values) ? r.values.map(String) : [];
      if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 0) return { problem: `matchExpressions[${i}]: ${r.operator} needs values` };
      if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length > 0) return { problem: `matchExpressions[${i}]: ${r.operator} takes no values` };
      reqs.push({ key: r.key, operator: r.operator as LabelSelectorRequirement['operator'], ...(values.length > 0 ? { values } : {}) });
    }
    selector.matchExpressions = reqs;
  }
  return { selector };
}

/** `env=prod,tier in (a,b)`: a selector in kubectl's words, for messages. */
export function selectorText(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${(r.values ?? []).join(',')})`);
  }
  return parts.length > 0 ? parts.join(',') : 'everything';
}

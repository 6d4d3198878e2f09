import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { Change } from '../model/change.ts';
import type { ObjectId, RenderedObject } from '../model/object.ts';
import { groupOf, idKey, objectId } from '../model/object.ts';
import { normalize } from './normalize.ts';
import { classifyRisk } from './risk.ts';
import { isSecret, maskSecrets } from './secrets.ts';
import { stableYaml } from './yaml-dump.ts';

const contextLines = 3;
/**
 * Beyond this many line edits the Myers diff grows quadratic (a rewritten 20,000-line object takes
 * minutes); such an object is shown as a whole replacement instead, which is just as deterministic.
 */
const maxEditLength = 2000;

/**
 * The change diff: base render vs head render, per object identity (group/kind/namespace/name, so a
 * version bump inside a group is an update). Unchanged objects are left out; Secret values are masked
 * before anything is dumped. If a render holds the same identity twice, the later object wins, as it
 * would when applied.
 */
export function diffRenders(base: readonly RenderedObject[], head: readonly RenderedObject[]): Change[] {
  const before = byIdentity(base);
  const after = byIdentity(head);
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: Change[] = [];
  for (const key of keys) {
    const change = diffObject(before.get(key), after.get(key));
    if (change) changes.push(change);
  }
  return changes;
}

/** The change between two versions of one object (either may be absent), or undefined when equal. */
export function diffObject(base?: RenderedObject, head?: RenderedObject): Change | undefined {
  const subject = head ?? base;
  if (!subject) return undefined;
  const masked = maskSecrets(base && normalize(base.object), head && normalize(head.object));
  const oldText = masked.base ? stableYaml(masked.base) : '';
  const newText = masked.head ? stableYaml(masked.head) : '';
  if (base && head && oldText === newText) return undefined;

  const action: Change['action'] = !base ? 'create' : !head ? 'delete' : 'update';
  const id = objectId(subject.object);
  const name = diffPathName(id);
  const oldName = base ? `base/${name}` : '/dev/null';
  const newName = head ? `head/${name}` : '/dev/null';
  const diff = (lineChangesAtLeast(oldText, newText) <= maxEditLength
    ? createTwoFilesPatch(oldName, newName, oldText, newText, undefined, undefined, {
      context: contextLines, headerOptions: FILE_HEADERS_ONLY, maxEditLength,
    })
    : undefined) ?? replacementPatch(oldName, newName, oldText, newText);
  const change: Change = {
    action,
    apiVersion: subject.object.apiVersion,
    kind: id.kind,
    namespace: id.namespace,
    name: id.name,
    risk: 'other',
    diff,
  };
  change.risk = classifyRisk(change, base?.object, head?.object);
  if (isSecret(subject.object)) change.secretKeys = masked.keys;
  if (subject.source) {
    change.file = subject.source.file;
    if (subject.source.line !== undefined) change.line = subject.source.line;
  }
  return change;
}

/**
 * A cheap lower bound of the edit length: lines that occur more often on one side than the other must
 * be added or removed. Lets a wholesale rewrite skip the diff search entirely.
 */
function lineChangesAtLeast(oldText: string, newText: string): number {
  const counts = new Map<string, number>();
  for (const line of splitLines(oldText)) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const line of splitLines(newText)) counts.set(line, (counts.get(line) ?? 0) - 1);
  let total = 0;
  for (const count of counts.values()) total += Math.abs(count);
  return total;
}

/** One hunk that removes every old line and adds every new one, in unified diff format. */
function replacementPatch(oldName: string, newName: string, oldText: string, newText: string): string {
  const oldLines = splitLines(oldText);
  const newLines = splitLines(newText);
  const range = (start: number, count: number): string => `${count === 0 ? 0 : start},${count}`;
  return [
    `--- ${oldName}`,
    `+++ ${newName}`,
    `@@ -${range(1, oldLines.length)} +${range(1, newLines.length)} @@`,
    ...oldLines.map((line) => `-${line}`),
    ...newLines.map((line) => `+${line}`),
    '',
  ].join('\n');
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

/** `apps/Deployment/web/frontend`, `core/Namespace/web`: the object's name in diff headers. */
export function diffPathName(id: ObjectId): string {
  return [id.group || 'core', id.kind, ...(id.namespace ? [id.namespace] : []), id.name].join('/');
}

/** Identity of a Change, for grouping and sorting. */
export function changeId(change: Pick<Change, 'apiVersion' | 'kind' | 'namespace' | 'name'>): ObjectId {
  return { group: groupOf(change.apiVersion), kind: change.kind, namespace: change.namespace, name: change.name };
}

function byIdentity(objects: readonly RenderedObject[]): Map<string, RenderedObject> {
  const map = new Map<string, RenderedObject>();
  for (const rendered of objects) map.set(idKey(objectId(rendered.object)), rendered);
  return map;
}

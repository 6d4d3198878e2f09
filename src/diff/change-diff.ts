import { isDeepStrictEqual } from 'node:util';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { Change } from '../model/change.ts';
import { groupOf, shownId, type ObjectId, type RenderedObject } from '../model/object.ts';
import { objectKeys } from '../model/sync.ts';
import { changedFields, pairHashRenames, renamedReferences, type HashRenamePair } from './hash-renames.ts';
import { normalize } from './normalize.ts';
import { classifyRisk, highestRisk } from './risk.ts';
import { isSecret, maskSecrets, type MaskedSecrets } from './secrets.ts';
import { stableYaml } from './yaml-dump.ts';

const contextLines = 3;
/**
 * Beyond this many line edits the Myers diff grows quadratic (a rewritten 20,000-line object takes
 * minutes); such an object is shown as a whole replacement instead, which is just as deterministic.
 */
const maxEditLength = 2000;

/**
 * The change diff: base render vs head render, per object identity (group/kind/namespace/name, so a
 * version bump inside a group is an update; a hook named at each run by `generateName` as
 * src/model/sync.ts objectKeys keys it). Unchanged objects are left out; Secret values are masked before
 * anything is dumped. If a render holds the same identity twice, the later object wins, as it would when
 * applied. `exclude` holds keys (objectKeys) left out at both commits: what a sync never applies.
 *
 * A kustomize generator's hash-suffix rename is one update of the generated object (`rename`), at the
 * risk of its content change, not a deletion plus a creation; an object whose only change is a reference
 * to such a new name is marked `referenceOnly` and ranked at the rename's risk (hash-renames.ts).
 */
export function diffRenders(base: readonly RenderedObject[], head: readonly RenderedObject[], exclude: ReadonlySet<string> = new Set()): Change[] {
  const before = byIdentity(base, exclude);
  const after = byIdentity(head, exclude);
  const renames = pairHashRenames(before, after);
  const renamedAway = new Set(renames.map((r) => r.baseKey));
  const renamedTo = new Map(renames.map((r) => [r.headKey, r]));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: Change[] = [];
  const renameChanges = new Map<string, Change>();
  const referencing: Change[] = [];
  for (const key of keys) {
    if (renamedAway.has(key)) continue;
    const pair = renamedTo.get(key);
    if (pair) {
      const change = renameChange(pair);
      renameChanges.set(pair.base.object.metadata?.name ?? '', change);
      changes.push(change);
      continue;
    }
    const b = before.get(key);
    const h = after.get(key);
    const change = diffObject(b, h);
    if (!change) continue;
    changes.push(change);
    const refs = b && h ? renamedReferences(b.object, h.object, renames) : undefined;
    if (refs) {
      change.renamedReferences = refs.references;
      change.referenceOnly = refs.only;
      if (refs.only) referencing.push(change);
    }
  }
  // Rolling a workload over to new content is as risky as that content change, whatever kind it is.
  for (const change of referencing) {
    const risk = highestRisk(change.renamedReferences!.flatMap((r) => renameChanges.get(r.from) ?? []));
    if (risk) change.risk = risk;
  }
  return changes;
}

/** One update for a generated object renamed by its hash suffix: the diff between the two names' objects. */
function renameChange(pair: HashRenamePair): Change {
  // Never undefined: the two names differ, so the two texts do.
  const { change, masked } = buildChange(pair.base, pair.head)!;
  change.rename = {
    from: pair.base.object.metadata?.name ?? '',
    generator: pair.generator,
    // Masked: for a Secret the fields name the keys whose values changed, never a value.
    changed: changedFields(masked.base!, masked.head!),
  };
  return change;
}

/** The change between two versions of one object (either may be absent), or undefined when equal. */
export function diffObject(base?: RenderedObject, head?: RenderedObject): Change | undefined {
  return buildChange(base, head)?.change;
}

function buildChange(base?: RenderedObject, head?: RenderedObject): { change: Change; masked: MaskedSecrets } | undefined {
  const subject = head ?? base;
  if (!subject) return undefined;
  const masked = maskSecrets(base && normalize(base.object), head && normalize(head.object));
  // Equal values are written as the same YAML (keys sorted): most objects of a render are unchanged, and
  // writing both sides as YAML only to compare the texts was most of the diff's time (2,000 objects with one
  // changed: 0.8 s). Values that differ are compared by their texts as before ({a: undefined} and {} are one text).
  if (base && head && isDeepStrictEqual(masked.base, masked.head)) return undefined;
  const oldText = masked.base ? stableYaml(masked.base) : '';
  const newText = masked.head ? stableYaml(masked.head) : '';
  if (base && head && oldText === newText) return undefined;

  const action: Change['action'] = !base ? 'create' : !head ? 'delete' : 'update';
  const id = shownId(subject.object);
  // A rename's two sides have different names; each header names its own side's object.
  const oldName = base ? `base/${diffPathName(shownId(base.object))}` : '/dev/null';
  const newName = head ? `head/${diffPathName(id)}` : '/dev/null';
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
  if (isSecret(subject.object) || masked.sops) change.secretKeys = masked.keys;
  if (subject.source) {
    change.file = subject.source.file;
    if (subject.source.line !== undefined) change.line = subject.source.line;
  }
  return { change, masked };
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

function byIdentity(objects: readonly RenderedObject[], exclude: ReadonlySet<string>): Map<string, RenderedObject> {
  const map = new Map<string, RenderedObject>();
  const keys = objectKeys(objects.map((o) => o.object));
  objects.forEach((rendered, i) => {
    if (!exclude.has(keys[i])) map.set(keys[i], rendered);
  });
  return map;
}

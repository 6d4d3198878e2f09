import { isPlainObject, sortKeys } from '../diff/normalize.ts';
import type { KubeObject } from '../model/object.ts';
import type { ClusterClient } from './client.ts';
import type { ResourceInfo } from './discovery.ts';
import { getLive, serverSideApply, type ApplyCall } from './objects.ts';

export interface AppliedIfChanged {
  /** The object as the real apply stored it, or the live object when the apply was skipped. */
  object: KubeObject;
  created: boolean;
  /** Whether the real apply was sent. */
  wrote: boolean;
  /** The state the apply was judged against, to tell a server-side no-op from a change. */
  before: KubeObject | undefined;
}

/**
 * Server-side apply of one object, skipped when a dry run of the same apply finds that it would change
 * nothing. An apply the server answers with the object as it was is not always free: the 1.20 API server
 * rewrites a StatefulSet with volumeClaimTemplates on every apply (new resourceVersion, new managed-fields
 * time), which wakes every controller watching it. Modelled on fluxcd/pkg ssa ResourceManager.ApplyAll
 * (manager_apply.go): dryRunApply, then the real apply only when hasDrifted (manager_diff.go) finds the
 * dry-run result differs from the existing object. The dry run asks the server, not a local diff, so
 * defaulted fields, quantities and stringData compare as the server stores them.
 *
 * Unlike Flux, an object that Git certainly changes (certainlyChanges: a value bosun sends differs from
 * the live one) is applied without the dry run, which could only agree: one request per changed object,
 * as before the dry run was added. The local check never decides that an object is unchanged.
 */
export async function applyIfChanged(client: ClusterClient, info: ResourceInfo, object: KubeObject, live: KubeObject | undefined, call: ApplyCall): Promise<AppliedIfChanged> {
  let before = live;
  if (live && !certainlyChanges(object, live)) {
    const dryRun = (await serverSideApply(client, info, object, { ...call, dryRun: true })).object;
    // The dry run ran against the object as it is now; a controller may have written it since it was
    // read (status, a token), so the comparison needs the state the dry run started from.
    if (!sameVersion(before, dryRun)) before = await getLive(client, info, object.metadata?.namespace ?? '', object.metadata?.name ?? '');
    if (before && sameVersion(before, dryRun) && !wouldChange(before, dryRun)) return { object: before, created: false, wrote: false, before };
  }
  return { ...(await serverSideApply(client, info, object, call)), wrote: true, before };
}

export function sameVersion(a: KubeObject | undefined, b: KubeObject): boolean {
  const version = a?.metadata?.resourceVersion;
  return version !== undefined && version === b.metadata?.resourceVersion;
}

/**
 * Whether a dry-run result differs from the live object it was made from. Stricter than Flux's hasDrifted
 * (labels, annotations, the rest without metadata and status): everything the server would store counts —
 * status too (a custom resource without a status subresource stores it from the manifest), and the field
 * ownership, so a field dropped from Git that another manager also holds is still released. Only the
 * managed-fields time differs in a dry run of an unchanged object; key order does not count.
 */
export function wouldChange(live: KubeObject, dryRun: KubeObject): boolean {
  return JSON.stringify(comparable(live)) !== JSON.stringify(comparable(dryRun));
}

function comparable(obj: KubeObject): unknown {
  const copy = sortKeys(obj) as KubeObject;
  const entries = (copy.metadata?.managedFields as Array<Record<string, unknown>> | undefined) ?? [];
  // Entries are compared as a set: the server may move the entry it touched.
  if (copy.metadata) copy.metadata.managedFields = entries.map(({ time: _time, ...entry }) => JSON.stringify(entry)).sort();
  return copy;
}

/**
 * Whether applying `desired` certainly changes `live`, judged without the server: some value it sends is
 * stored differently now. Only answers true where the server cannot store the sent value as the live one —
 * a different string, number or boolean, a named list element or a list item that is not there — and
 * leaves the rest to the dry run: empty and zero values (the server drops them), quantities that are
 * equal in value ('0.5' is stored as '500m'), values of another type, unnamed lists of another length,
 * Secret stringData (stored as data), status and metadata other than labels and annotations. A wrong
 * true costs what bosun did before the dry run (the object is applied); a false costs one dry run.
 */
export function certainlyChanges(desired: KubeObject, live: KubeObject): boolean {
  const { apiVersion: _a, kind: _k, metadata, status: _s, ...rest } = desired as KubeObject & Record<string, unknown>;
  const body = desired.kind === 'Secret' ? { ...rest, stringData: undefined } : rest;
  const liveMeta = (live.metadata ?? {}) as Record<string, unknown>;
  return differs({ labels: metadata?.labels, annotations: metadata?.annotations }, { labels: liveMeta.labels, annotations: liveMeta.annotations })
    || differs(body, live as unknown as Record<string, unknown>);
}

function differs(desired: unknown, live: unknown): boolean {
  const stack: Array<[unknown, unknown]> = [[desired, live]];
  while (stack.length > 0) {
    const [d, l] = stack.pop()!;
    if (isPlainObject(d)) {
      if (l !== undefined && !isPlainObject(l)) continue;
      const liveMap = (l ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(d)) stack.push([value, liveMap[key]]);
    } else if (Array.isArray(d)) {
      if (l === undefined) {
        for (const item of d) stack.push([item, undefined]);
        continue;
      }
      if (!Array.isArray(l)) continue;
      if (d.every((item) => isPlainObject(item) && typeof item.name === 'string')) {
        for (const item of d as Array<Record<string, unknown>>) {
          const match = l.find((x) => isPlainObject(x) && x.name === item.name);
          if (match === undefined) return true;
          stack.push([item, match]);
        }
      } else if (d.every((item) => !isPlainObject(item) && !Array.isArray(item))) {
        if (d.some((item) => !isZero(item) && !l.some((x) => !scalarDiffers(item, x)))) return true;
      } else if (d.length === l.length) {
        d.forEach((item, i) => stack.push([item, l[i]]));
      }
    } else if (!isZero(d) && scalarDiffers(d, l)) {
      return true;
    }
  }
  return false;
}

function isZero(value: unknown): boolean {
  return value === null || value === undefined || value === '' || value === 0 || value === false;
}

/** Whether a sent scalar cannot be stored as `live`: absent, or another value of the same type. */
function scalarDiffers(sent: unknown, live: unknown): boolean {
  if (live === undefined || live === null) return true;
  if (typeof sent !== typeof live) return false;
  if (sent === live) return false;
  if (typeof sent === 'string') {
    const a = quantity(sent);
    const b = quantity(live as string);
    // '0.5' and '500m' are one quantity; '1' and '2' are not (whatever the field is).
    if (a !== undefined && b !== undefined) return Math.abs(a - b) > 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  }
  return true;
}

const suffixes: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity string ('1Gi', '500m', '1e3'), or undefined when it is not one. */
function quantity(text: string): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(text);
  if (!match) return undefined;
  const base = Number(match[1]);
  return match[2] ? base * 10 ** Number(match[2].slice(1)) : base * suffixes[match[3] ?? ''];
}

import type { KubeObject, RenderedObject } from '../model/object.ts';
import type { KubernetesTarget } from '../model/kubernetes-version.ts';
import { groupOf } from '../model/object.ts';
import { shownId } from '../model/object.ts';
import { isSopsEncrypted, isSopsValue, valueAtPointer, withoutSopsMetadata } from '../model/sops.ts';
import type { ValidationFinding } from '../model/validation.ts';
import { isNamespacedKind } from './builtin-schemas.ts';
import { createBuiltinSource } from './builtin-source.ts';
import { collectCrds } from './crd-schema.ts';
import { createCrdSource } from './crd-source.ts';
import { duplicateMessage, findDuplicates } from './duplicates.ts';
import { createEcosystemSource } from './ecosystem-source.ts';
import { describeErrors } from './messages.ts';
import type { SchemaLookup, SchemaSource } from './schema-source.ts';

export interface ValidatorOptions {
  /** CRDs known besides the render's own (e.g. every CRD in the repository, from collectRepoCrds). */
  crds?: readonly KubeObject[];
  /** How an object without any schema is reported. Default 'warn'. */
  missingSchema?: 'warn' | 'error';
  /** Kinds not validated at all: `Kind` (any apiVersion) or `apiVersion/Kind`, e.g. `example.com/v1/Widget`. */
  skipKinds?: readonly string[];
  /** More schema sources (e.g. a cluster's OpenAPI), consulted after CRDs and before the built-ins. */
  sources?: readonly SchemaSource[];
  /** The Kubernetes version the objects are for: removed and not-yet-served APIs are judged against it. */
  target?: KubernetesTarget;
  /**
   * Objects that may go without `metadata.name` (an Argo CD hook with `generateName`, named at each run:
   * src/model/sync.ts mayUseGenerateName). Default: none.
   */
  nameOptional?: (obj: KubeObject) => boolean;
}

export interface Validator {
  /** Findings for one render: schema problems, unserved or unknown kinds, missing schemas, duplicates. */
  validate(objects: readonly RenderedObject[]): ValidationFinding[];
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `apps/v1 Deployment web/frontend`, `v1 Namespace web`. */
export function objectLabel(obj: KubeObject): string {
  const apiVersion = typeof obj.apiVersion === 'string' && obj.apiVersion ? obj.apiVersion : '<no apiVersion>';
  const kind = typeof obj.kind === 'string' && obj.kind ? obj.kind : '<no kind>';
  const meta = isMapping(obj.metadata) ? obj.metadata : {};
  // The name, or `<generateName>*` for one the cluster names at each run: one place, model/object.ts shownId.
  const shown = isMapping(obj.metadata) ? shownId(obj).name : '';
  const name = typeof shown === 'string' && shown ? shown : '<unnamed>';
  const ns = typeof meta.namespace === 'string' && meta.namespace ? `${meta.namespace}/` : '';
  return `${apiVersion} ${kind} ${ns}${name}`;
}

/** `v1 List` objects (kubectl's output format) carry their objects in `items`. */
function flattenLists(objects: readonly RenderedObject[]): readonly RenderedObject[] {
  if (!objects.some((o) => o.object?.kind === 'List' && Array.isArray(o.object.items))) return objects;
  return objects.flatMap((o) => (o.object?.kind === 'List' && Array.isArray(o.object.items)
    ? (o.object.items as KubeObject[]).map((object) => ({ object, source: o.source }))
    : [o]));
}

export function createValidator(opts: ValidatorOptions = {}): Validator {
  const missingSeverity = opts.missingSchema === 'error' ? 'error' : 'warning';
  const skip = new Set(opts.skipKinds ?? []);
  const repoCrds = opts.crds ?? [];
  // Order: CRDs (render, repo) > a cluster's own OpenAPI (`sources`) > built-in ecosystem > Kubernetes.
  const builtin = [createEcosystemSource(), createBuiltinSource(undefined, opts.target)];
  const extra = opts.sources ?? [];
  const baseSources: SchemaSource[] = [...(repoCrds.length ? [createCrdSource(repoCrds)] : []), ...extra, ...builtin];

  return {
    validate(input) {
      const objects = flattenLists(input);
      const renderCrds = collectCrds(objects);
      // The render's own CRDs come first: a CRD changed in this PR is what its objects must match.
      const sources = renderCrds.length ? [createCrdSource([...renderCrds, ...repoCrds]), ...extra, ...builtin] : baseSources;
      const resolved = new Map<string, SchemaLookup>();
      const resolve = (apiVersion: string, kind: string): SchemaLookup => {
        const key = `${apiVersion}/${kind}`;
        if (resolved.has(key)) return resolved.get(key);
        let found: SchemaLookup;
        for (const s of sources) {
          found = s.lookup(apiVersion, kind);
          if (found) break;
        }
        resolved.set(key, found);
        return found;
      };

      const findings: ValidationFinding[] = [];
      const report = (o: RenderedObject, severity: ValidationFinding['severity'], path: string, message: string): void => {
        findings.push({
          severity,
          ...(o.source ? { file: o.source.file, ...(o.source.line ? { line: o.source.line } : {}) } : {}),
          object: objectLabel(isMapping(o.object) ? o.object : ({} as KubeObject)),
          path,
          message,
        });
      };

      for (const o of objects) {
        const obj = o.object;
        if (!isMapping(obj)) {
          report(o, 'error', '', 'not a Kubernetes object: expected a mapping with apiVersion, kind and metadata');
          continue;
        }
        const { apiVersion, kind } = obj;
        const hasApiVersion = typeof apiVersion === 'string' && apiVersion !== '';
        const hasKind = typeof kind === 'string' && kind !== '';
        if (!hasApiVersion) report(o, 'error', '/apiVersion', 'missing apiVersion: every object needs apiVersion and kind');
        if (!hasKind) report(o, 'error', '/kind', 'missing kind: every object needs apiVersion and kind');
        if (!hasApiVersion || !hasKind) continue;
        if (skip.size && (skip.has(kind) || skip.has(`${apiVersion}/${kind}`))) continue;

        const meta = obj.metadata;
        if ((!isMapping(meta) || typeof meta.name !== 'string' || meta.name === '') && !opts.nameOptional?.(obj)) {
          const generated = isMapping(meta) && typeof meta.generateName === 'string';
          report(o, 'error', '/metadata/name', generated
            ? 'missing metadata.name: generateName cannot be applied declaratively; give the object a fixed name'
            : 'missing metadata.name: every object needs a name');
        }

        const found = resolve(apiVersion, kind);
        // A SOPS-encrypted document: its `sops` block is not part of the object (Flux drops it when it
        // decrypts), and what an encrypted value holds cannot be checked here.
        const sops = isSopsEncrypted(obj);
        const subject = sops ? withoutSopsMetadata(obj) : obj;
        if (!found) {
          const group = groupOf(apiVersion);
          report(o, missingSeverity, '', `${kind}.${group ? `${group}/` : ''}${apiVersion.slice(apiVersion.indexOf('/') + 1)}: no schema (CRD not in the repository and not built in); add the CRD to the repository, or set validation.missingSchema to choose warn or error`);
        } else if (found.found === 'not-served') {
          report(o, 'error', found.message.includes(' — did you mean ') ? '/kind' : '/apiVersion', found.message);
        } else if (found.found === 'deprecated') {
          report(o, 'warning', '/apiVersion', found.message);
        } else if (!found.schema.check(subject)) {
          for (const p of describeErrors(found.schema.explain(subject))) {
            if (sops && isSopsValue(valueAtPointer(subject, p.path))) continue;
            report(o, 'error', p.path, p.message);
          }
        }
      }

      for (const d of findDuplicates(objects, isNamespacedKind)) report(d.object, 'error', '/metadata/name', duplicateMessage(d));
      return findings;
    },
  };
}

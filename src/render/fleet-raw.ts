import { posix } from 'node:path';
import { isKubeObject, type RenderedObject, type PatchSource } from '../model/object.ts';
import { readManifest } from './files.ts';
import { applyOverlayPatch } from './fleet-patch.ts';
import { RenderFailure, type RenderOptions } from './types.ts';
import { parseYamlDocuments } from './yaml-docs.ts';

/**
 * A raw-YAML Fleet bundle: its overlays applied, then every YAML/JSON file read as objects, as the Fleet
 * agent does (rancher/fleet internal/helmdeployer/render/patch/patch.go `Process`, render/helm.go
 * `manifests`, rawyaml/resources.go `ToObjects`):
 *
 * - `yaml.overlays`, in order: a file `overlays/<overlay>/<path>` replaces (or adds) `<path>`; a file
 *   `overlays/<overlay>/<dir>/<name>_patch.<ext>` patches `<dir>/<name>.<ext>`, which must exist; then
 *   everything under `overlays/` is dropped;
 * - folders holding their own fleet.yaml or a Chart.yaml are other bundles or charts: left out;
 * - files under `templates/` are Helm templates (rendered with the bundle's values, fleet-templates.ts);
 * - only `.yaml`, `.yml` and `.json` files; documents without `apiVersion` or `kind` are skipped — a file
 *   whose document lacks a kind is skipped whole, as Fleet's reader stops at it.
 */
export interface RawBundle {
  objects: RenderedObject[];
  /** Files under `templates/`: bundle-relative name → repo path. */
  templates: Map<string, string>;
}

interface Entry {
  /** The repo file the content comes from (an overlay's replacement, or the base file). */
  file: string;
  /** Set once a patch changed it: the patched object (Fleet keeps only the first document of a patched file). */
  value?: unknown;
  patches: PatchSource[];
}

export async function rawBundle(root: string, files: ReadonlyMap<string, string>, overlays: readonly string[], opts: RenderOptions): Promise<RawBundle> {
  const entries = new Map<string, Entry>();
  for (const [name, file] of files) entries.set(name, { file, patches: [] });

  for (const overlay of overlays) {
    const prefix = `overlays/${overlay}/`;
    const inOverlay = [...files.keys()].filter((n) => n.startsWith(prefix)).sort();
    const replacements = inOverlay.filter((n) => patchTarget(n.slice(prefix.length)) === undefined);
    const patches = inOverlay.filter((n) => patchTarget(n.slice(prefix.length)) !== undefined);
    for (const name of replacements) entries.set(name.slice(prefix.length), { file: files.get(name)!, patches: [] });
    for (const name of patches) {
      const targetName = patchTarget(name.slice(prefix.length))!;
      const patchFile = files.get(name)!;
      const target = entries.get(targetName);
      if (!target) {
        throw new RenderFailure({ kind: 'render', tool: 'yaml', file: patchFile, message: `failed to find base file ${targetName} to patch (overlay ${overlay}); Fleet fails the bundle the same way` });
      }
      const base = target.value !== undefined ? target.value : await firstDocument(root, target.file);
      const patch = await firstDocument(root, patchFile);
      const value = await applyOverlayPatch(base, patch, { target: target.file, patch: patchFile }, opts);
      entries.set(targetName, { file: target.file, value, patches: [...target.patches, { file: patchFile, line: 1 }] });
    }
  }

  const names = [...entries.keys()].filter((n) => !n.startsWith('overlays/')).sort();
  // Folders of nested bundles and charts: Fleet's `manifests` leaves every file below them out.
  const ignored = names.filter((n) => /(^|\/)(fleet\.ya?ml|Chart\.yaml)$/.test(n) && n.includes('/')).map((n) => `${posix.dirname(n)}/`);
  const objects: RenderedObject[] = [];
  const templates = new Map<string, string>();
  for (const name of names) {
    if (/^fleet\.ya?ml$/.test(name)) continue;
    if (!/\.(ya?ml|json)$/.test(name)) continue;
    if (ignored.some((prefix) => name.startsWith(prefix))) continue;
    const entry = entries.get(name)!;
    if (name.startsWith('templates/')) {
      templates.set(name, entry.file);
      continue;
    }
    if (entry.value !== undefined) {
      if (isKubeObject(entry.value)) objects.push({ object: entry.value, source: { file: entry.file, line: 1, patches: entry.patches } });
      continue;
    }
    const parsed = parseYamlDocuments(await readManifest(root, entry.file), entry.file);
    if (!parsed.ok) throw new RenderFailure(parsed.error);
    const docs = parsed.docs.filter((d) => d.value !== null && d.value !== undefined);
    if (docs.some((d) => !hasKind(d.value))) continue;
    for (const doc of docs) {
      if (isKubeObject(doc.value)) objects.push({ object: doc.value, source: { file: entry.file, line: doc.line } });
    }
  }
  return { objects, templates };
}

/** `deployment_patch.yaml` → `deployment.yaml` (the first `_patch.` becomes `.`), in the same folder. */
export function patchTarget(name: string): string | undefined {
  const base = posix.basename(name);
  if (!base.includes('_patch.')) return undefined;
  const dir = posix.dirname(name);
  const target = base.replace('_patch.', '.');
  return dir === '.' ? target : `${dir}/${target}`;
}

async function firstDocument(root: string, file: string): Promise<unknown> {
  const parsed = parseYamlDocuments(await readManifest(root, file), file);
  if (!parsed.ok) throw new RenderFailure(parsed.error);
  return parsed.docs[0]?.value ?? {};
}

function hasKind(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { kind?: unknown }).kind === 'string' && (value as { kind: string }).kind !== '';
}

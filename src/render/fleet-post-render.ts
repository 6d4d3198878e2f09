import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { isMap, isSeq, parseDocument, stringify } from 'yaml';
import { fleetHelmHook } from '../model/helm-hooks.ts';
import { groupOf, type KubeObject, type RenderedObject } from '../model/object.ts';
import { inRepo } from './files.ts';
import { kustomizePostBuild } from './kustomize-post-build.ts';
import { walkKustomizeTree } from './kustomize-tree.ts';
import { renderTempDir } from './temp-dir.ts';
import { RenderFailure, type RenderRequest } from './types.ts';

/** The file the Fleet agent writes a chart's rendered manifests to, in kustomize.dir (rancher/fleet kustomize.go `ManifestsYAML`). */
export const fleetManifestsFile = 'fleet-manifests.yaml';

/**
 * The folder (bundle-relative) whose kustomization post-renders a Fleet chart bundle, if the agent runs one.
 * The agent's Helm post-renderer (rancher/fleet internal/helmdeployer/postrender.go `postRender.Run`) calls
 * kustomize only when one of the bundle's resources is named `…kustomization.yaml`, `…kustomization.yml` or
 * `…Kustomization`, and then builds only when `<kustomize.dir>/kustomization.yaml` (exactly that name;
 * default dir `.`) is among them (internal/helmdeployer/kustomize/kustomize.go `Process`).
 */
export function fleetPostRenderDir(bundleFileNames: Iterable<string>, kustomizeDir: string | undefined): string | undefined {
  const names = [...bundleFileNames];
  if (!names.some((n) => /(kustomization\.ya?ml|Kustomization)$/.test(n))) return undefined;
  const dir = posix.normalize((kustomizeDir ?? '.').replace(/^\/+/, '')) || '.';
  return names.includes(posix.join(dir, 'kustomization.yaml')) ? dir : undefined;
}

/**
 * A Fleet chart bundle's objects after the agent's kustomize post-render: the chart's manifests (its
 * templates, not Helm's hooks, which Helm sorts out before any post-renderer, nor `crds/`, which it installs
 * apart) are written to `<kustomize.dir>/fleet-manifests.yaml` among the bundle's files, that folder's
 * kustomization.yaml gets it prepended to its `resources` (unless it lists it already; not when the chart
 * rendered nothing) and kustomize builds it with the bundle's files only, root-only loading and no plugins
 * (rancher/fleet internal/helmdeployer/kustomize/kustomize.go `Process`, `modifyKustomize`, `kustomize`).
 * The output replaces the chart's manifests; hooks and `crds/` pass unchanged.
 *
 * bosun copies the bundle's files to their repository paths in a render temp folder, writes the two files
 * there (the repository is never written to), checks the kustomization with the kustomize model (remote and
 * absolute references, paths leaving the copy — the bundle — refused with file and line) and builds it with
 * the real kustomize in the render sandbox. An object keeps the chart template it came from as its source
 * when kustomize kept its kind and name; otherwise it is the kustomization's.
 */
export async function postRenderFleetChart(
  req: RenderRequest,
  files: ReadonlyMap<string, string>,
  dir: string,
  objects: readonly RenderedObject[],
  where: { file?: string; line?: number },
): Promise<RenderedObject[]> {
  const manifests = objects.filter((r) => r.helmTemplate === true && !fleetHelmHook(r));
  const others = objects.filter((r) => !manifests.includes(r));
  const bundleDir = req.env.path;
  const kustomizeRepoDir = posix.normalize(posix.join(bundleDir, dir));
  const kustomization = posix.join(kustomizeRepoDir, 'kustomization.yaml');
  const temp = await renderTempDir('bosun-fleet-post-render-');
  try {
    for (const file of files.values()) {
      const dest = join(temp.dir, file);
      await mkdir(dirname(dest), { recursive: true });
      // inRepo refuses a file that leaves the repository by a symlink before anything is copied.
      await copyFile(inRepo(req.root, file, { ...where, field: 'kustomize.dir' }), dest);
    }
    // The agent always adds the file (empty when the chart rendered nothing), and names it only when it is not.
    await writeFile(join(temp.dir, kustomizeRepoDir, fleetManifestsFile), manifests.map((r) => stringify(r.object)).join('---\n'));
    // The model reads the copy — what the bundle does not hold is missing there, as in the agent's in-memory
    // files — before the kustomization is changed, so that a refusal names its line and field as written.
    await walkKustomizeTree(temp.dir, kustomizeRepoDir);
    if (manifests.length > 0) await prependManifests(join(temp.dir, kustomization), { file: kustomization, field: 'resources' });
    const built = await kustomizePostBuild({
      tmp: temp.dir, dir: join(temp.dir, kustomizeRepoDir), opts: req.opts, at: { ...where, field: 'kustomize.dir' },
      who: `the Fleet agent's kustomize post-render of the chart (${kustomization})`, env: req.env, counted: others.length,
    });
    const sources = new Map(manifests.map((r) => [identity(r.object), r.source]));
    return [
      ...others,
      ...built.map((object): RenderedObject => ({ object, source: sources.get(identity(object)) ?? { file: kustomization }, helmTemplate: true })),
    ];
  } finally {
    await temp.dispose();
  }
}

/** Fleet's `modifyKustomize`: `fleet-manifests.yaml` first in `resources`, the rest of the file as written. */
async function prependManifests(path: string, at: { file: string; field: string }): Promise<void> {
  const doc = parseDocument(await readFile(path, 'utf8'));
  // Fleet leaves a kustomization it cannot unmarshal as it is; kustomize then reports it.
  if (doc.errors.length > 0 || (doc.contents !== null && !isMap(doc.contents))) return;
  const resources = doc.get('resources');
  if (resources !== undefined && resources !== null && !isSeq(resources)) {
    throw new RenderFailure({ kind: 'render', tool: 'kustomize', ...at, message: 'resources must be a list' });
  }
  const listed = isSeq(resources) ? resources.items.map((i) => String((i as { value?: unknown }).value ?? i)) : [];
  if (listed.includes(fleetManifestsFile)) return;
  if (isSeq(resources)) resources.items.unshift(doc.createNode(fleetManifestsFile));
  else doc.set('resources', [fleetManifestsFile]);
  await writeFile(path, doc.toString());
}

function identity(o: KubeObject): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata?.name ?? ''}`;
}

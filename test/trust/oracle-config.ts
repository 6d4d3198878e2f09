// A `.bosun.yaml` environment, as docs/configuration.md and docs/gitops-sources.md say it deploys: its
// folder built by `kubectl kustomize` (a kustomization file), `helm template` (a Chart.yaml: value files
// relative to the chart, inline values, release name = `helm.releaseName` else the environment's name,
// namespace = `namespace` else `default`) or read as plain manifests (every .yaml/.yml/.json below it but
// kustomization files); `namespace` (else `defaults.namespace`) is where namespaced objects naming none go.
// The oracle reads the file itself at each commit, so a change to it is judged like any other.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import type { OracleDeployment } from './corpus.ts';
import { filesIn, helmTemplate, kustomizeBuild, readDocs, type Obj } from './oracle-tools.ts';
import type { DeploymentState, Tree } from './oracle-types.ts';

type Entry = Record<string, unknown> & { name?: string; path?: string; render?: string; namespace?: string; helm?: Record<string, unknown> };

const kustomizationNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export async function renderConfigEnvironment(d: OracleDeployment, tree: Tree): Promise<DeploymentState> {
  const file = join(tree.dir, '.bosun.yaml');
  if (!existsSync(file)) return { kind: 'absent' };
  const config = parse(await readFile(file, 'utf8')) as { defaults?: Entry; environments?: Entry[] };
  const env = config.environments?.find((e) => e.name === d.config!.name);
  if (!env?.path) return { kind: 'absent' };
  if (env.kustomize || config.defaults?.kustomize || config.defaults?.helm) throw new Error(`oracle: ${d.env}: kustomize options and helm defaults are not modelled`);
  const dir = join(tree.dir, posix.normalize(env.path));
  const render = env.render ?? config.defaults?.render ?? 'auto';
  const namespace = env.namespace ?? config.defaults?.namespace;
  const kind = render !== 'auto' ? render
    : kustomizationNames.some((n) => existsSync(join(dir, n))) ? 'kustomize' : existsSync(join(dir, 'Chart.yaml')) ? 'helm' : 'plain';
  let objects: Obj[];
  if (kind === 'kustomize') objects = await kustomizeBuild(dir, tree.dir);
  else if (kind === 'helm') {
    const helm = env.helm ?? {};
    objects = await helmTemplate({
      root: tree.dir, chartDir: dir, release: typeof helm.releaseName === 'string' ? helm.releaseName : d.config!.name, namespace: namespace ?? 'default',
      valueFiles: ((helm.valueFiles ?? []) as string[]).map((f) => join(dir, f)), values: (helm.values ?? {}) as Record<string, unknown>, includeCrds: true,
    });
  } else {
    objects = [];
    const manifests = (await filesIn(dir, true)).filter((f) => /\.(ya?ml|json)$/i.test(f) && !kustomizationNames.includes(posix.basename(f)));
    for (const f of manifests) objects.push(...(await readDocs(join(dir, f))).filter((o) => !String(o.apiVersion).startsWith('kustomize.config.k8s.io/')));
  }
  return { kind: 'objects', objects, ...(namespace ? { defaultNamespace: namespace } : {}) };
}

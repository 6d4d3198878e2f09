// The naive baseline the plan benchmark compares against: what a CI script without bosun does. Render
// every environment at base and at head, one after another, with the same kubectl kustomize, then diff.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { checkout } from '../src/git/index.ts';
import { discoverEnvironments } from '../src/discover/index.ts';
import { diffRenders } from '../src/diff/index.ts';
import type { KubeObject, RenderedObject } from '../src/model/object.ts';
import { kubectlPath } from '../src/util/tools.ts';

const run = promisify(execFile);

async function renderAll(dir: string): Promise<Map<string, RenderedObject[]>> {
  const { environments } = await discoverEnvironments(dir);
  const out = new Map<string, RenderedObject[]>();
  for (const env of environments) {
    const { stdout } = await run(kubectlPath(), ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', `${dir}/${env.path}`], { maxBuffer: 256 << 20 });
    out.set(env.name, parseAllDocuments(stdout).map((d) => ({ object: d.toJS() as KubeObject })).filter((o) => o.object));
  }
  return out;
}

export async function naivePlan(repoDir: string, base: string, head: string): Promise<{ renders: number; changes: number }> {
  const [b, h] = [await checkout(repoDir, base), await checkout(repoDir, head)];
  try {
    const baseRenders = await renderAll(b.dir);
    const headRenders = await renderAll(h.dir);
    let changes = 0;
    for (const [name, objects] of headRenders) changes += diffRenders(baseRenders.get(name) ?? [], objects).length;
    return { renders: baseRenders.size + headRenders.size, changes };
  } finally {
    await Promise.all([b.dispose(), h.dispose()]);
  }
}

// Benchmark: what the render sandbox costs per render. The same one-ConfigMap kustomization and the same
// small Helm chart rendered 30 times each, one after another, in the sandbox and unconfined, alternating
// so machine load hits both alike. Prints one JSON line with median and p90 wall times.
import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentDefaults, type Environment } from '../src/model/environment.ts';
import { renderEnvironment } from '../src/render/index.ts';
import { probeSandbox } from '../src/render/sandbox-probe.ts';
import { setSandboxPolicy } from '../src/render/sandbox.ts';

const rounds = 30;

function env(name: string, path: string, render: Environment['render']): Environment {
  return { ...environmentDefaults, name, path, render, source: 'config', dependsOn: [], requires: [] };
}

function stats(ms: number[]): { medianMs: number; p90Ms: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { medianMs: Number(at(0.5).toFixed(1)), p90Ms: Number(at(0.9).toFixed(1)) };
}

async function time(root: string, e: Environment): Promise<number> {
  const started = performance.now();
  const outcome = await renderEnvironment(root, e);
  if (!outcome.ok) throw new Error(`${e.name}: ${outcome.error.message}`);
  return performance.now() - started;
}

export async function benchSandbox(): Promise<Record<string, unknown>> {
  const status = await probeSandbox();
  if (!status.ok) throw new Error(`no sandbox on this machine: ${status.reason}`);
  const root = await mkdtemp(join(tmpdir(), 'bosun-bench-sandbox-'));
  await chmod(root, 0o755);
  try {
    await mkdir(join(root, 'app'));
    await writeFile(join(root, 'app', 'kustomization.yaml'), 'resources: [cm.yaml]\n');
    await writeFile(join(root, 'app', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: prod\n');
    await mkdir(join(root, 'chart', 'templates'), { recursive: true });
    await writeFile(join(root, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 0.1.0\n');
    await writeFile(join(root, 'chart', 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  ns: {{ .Release.Namespace }}\n');
    const cases = [env('kustomize', 'app', 'kustomize'), env('helm', 'chart', 'helm')];
    const times: Record<string, { on: number[]; off: number[] }> = { kustomize: { on: [], off: [] }, helm: { on: [], off: [] } };
    for (let i = 0; i < rounds; i++) {
      for (const e of cases) {
        setSandboxPolicy({ mode: 'on' });
        times[e.name].on.push(await time(root, e));
        setSandboxPolicy({ mode: 'off' });
        times[e.name].off.push(await time(root, e));
      }
    }
    const result: Record<string, unknown> = { benchmark: `render sandbox cost: ${rounds} renders each, sandboxed vs unconfined` };
    for (const [name, t] of Object.entries(times)) {
      const on = stats(t.on.slice(1));
      const off = stats(t.off.slice(1));
      result[name] = { sandboxed: on, unconfined: off, costPerRenderMs: Number((on.medianMs - off.medianMs).toFixed(1)) };
    }
    return result;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchSandbox()));
}

// Benchmark: `bosun validate` on one big environment — 20,000 Deployments + 20,000 ConfigMaps in one file
// of a git repository, three of them invalid — end to end (read, parse, validate, put each finding on its
// file and line), each run in its own process for its peak RSS, after a warm-up run on 20 objects. "before" is the `yaml` library's full parse
// of every file (BOSUN_YAML_FAST=off, what bosun did before the fast path), "after" the default.
// `npm run bench -- big-environment`; BIG_ENV_OBJECTS=N changes the size (Deployments + ConfigMaps).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../src/cli/main.ts';
import { renderEnvironment } from '../src/render/render-environment.ts';
import { parseYamlDocuments, parseYamlDocumentsFull } from '../src/render/yaml-docs.ts';
import { environmentDefaults } from '../src/model/environment.ts';
import { projectRoot } from '../src/util/tools.ts';

const half = Math.floor(Number(process.env.BIG_ENV_OBJECTS ?? 40_000) / 2);

function deployment(i: number): string {
  // Three invalid objects, spread over the file: each finding must come back on its own line.
  const replicas = i === 7 || i === Math.floor(half / 2) || i === half - 3 ? '"two"' : '2';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  labels: {app: app-${i}, tier: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: app-${i}}
  template:
    metadata:
      labels: {app: app-${i}}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:${i}
          ports: [{containerPort: 8080}]
`;
}

function configMap(i: number): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-${i}
data:
  LEVEL: info
  app.yaml: |
    name: app-${i}
`;
}

function makeRepo(objects = half): string {
  const repo = mkdtempSync(join(tmpdir(), 'bosun-big-env-'));
  mkdirSync(join(repo, 'big'));
  const docs: string[] = [];
  for (let i = 0; i < objects; i++) docs.push(deployment(i), configMap(i));
  writeFileSync(join(repo, 'big', 'all.yaml'), docs.join('---\n'));
  writeFileSync(join(repo, '.bosun.yaml'), 'version: 1\nenvironments:\n  - name: big\n    path: big\n    namespace: big\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'big environment');
  return repo;
}

interface Run {
  ms: number;
  cpuMs: number;
  maxRssMb: number;
  objects: number;
  findings: Array<{ file?: string; line?: number; path?: string; message: string }>;
}

/** One `bosun validate --format json` in a child process (this file with --child). */
function run(repo: string, warmRepo: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'bench', 'big-environment.bench.ts'), '--child', repo, warmRepo], {
      cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Run);
      } catch {
        reject(new Error(`child failed: ${out.slice(-2000)}`));
      }
    });
  });
}

async function child(repo: string, warmRepo: string): Promise<void> {
  let json = '';
  const stdout = { write: (s: string) => ((json += s), true) } as unknown as NodeJS.WritableStream;
  const stderr = { write: () => true } as unknown as NodeJS.WritableStream;
  // Warm-up on a small copy (20 objects): the figures are the work, not loading and compiling (tsx) the program.
  await main(['validate', '--repo', warmRepo, '--format', 'json'], { stdout, stderr, env: process.env, cwd: warmRepo });
  json = '';
  const cpu = process.cpuUsage();
  const started = performance.now();
  await main(['validate', '--repo', repo, '--max-objects', String(2 * half + 10), '--format', 'json'], { stdout, stderr, env: process.env, cwd: repo });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const [env] = (JSON.parse(json) as { environments: Array<{ render: { objects?: number; error?: unknown }; validation: { errors: Run['findings'] } }> }).environments;
  if (env.render.objects === undefined) throw new Error(`render failed: ${JSON.stringify(env.render.error)}`);
  const result: Run = {
    ms: Math.round(ms),
    cpuMs: Math.round((used.user + used.system) / 1000),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    objects: env.render.objects,
    findings: env.validation.errors.map((f) => ({ file: f.file, line: f.line, path: f.path, message: f.message })),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * The render path: what kustomize or helm print (block style, `---` between documents) parsed into objects,
 * full parse against the fast path, in this process (CPU time; memory is the validate runs' figure).
 */
function renderOutput(): Record<string, unknown> {
  const docs: string[] = [];
  for (let i = 0; i < half; i++) {
    const labels = { app: `app-${i}` };
    docs.push(stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `app-${i}`, labels: { ...labels, tier: 'web' } }, spec: { replicas: 2, selector: { matchLabels: { ...labels } }, template: { metadata: { labels: { ...labels } }, spec: { containers: [{ name: 'app', image: `registry.example.com/app:${i}`, ports: [{ containerPort: 8080 }] }] } } } }));
    docs.push(stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `app-${i}` }, data: { LEVEL: 'info', 'app.yaml': `name: app-${i}\n` } }));
  }
  const text = docs.join('---\n');
  const time = (parse: typeof parseYamlDocuments) => {
    const cpu = process.cpuUsage();
    const parsed = parse(text, 'kustomize build output');
    const used = process.cpuUsage(cpu);
    if (!parsed.ok || parsed.docs.length !== 2 * half) throw new Error('render output did not parse');
    return { parsed, cpuMs: Math.round((used.user + used.system) / 1000) };
  };
  const before = time(parseYamlDocumentsFull);
  const after = time(parseYamlDocuments);
  if (JSON.stringify(before.parsed) !== JSON.stringify(after.parsed)) throw new Error('the fast path disagrees with the full parse on render output');
  return {
    objects: 2 * half,
    before: { cpuMs: before.cpuMs, objectsPerCpuSecond: Math.round(2 * half / (before.cpuMs / 1000)) },
    after: { cpuMs: after.cpuMs, objectsPerCpuSecond: Math.round(2 * half / (after.cpuMs / 1000)) },
  };
}

/**
 * The render path through a real tool: a helm chart whose one template prints 20,000 Deployments + 20,000
 * ConfigMaps (`helm template` output, about 20 MB), rendered by renderEnvironment in its own process for
 * its peak RSS, after a warm-up render of 20 objects. Tool output is parsed as it arrives (#10 item 4).
 */
function makeChart(objects = half): string {
  const repo = mkdtempSync(join(tmpdir(), 'bosun-big-chart-'));
  mkdirSync(join(repo, 'chart', 'templates'), { recursive: true });
  writeFileSync(join(repo, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: big\nversion: 1.0.0\n');
  writeFileSync(join(repo, 'chart', 'values.yaml'), `count: ${objects}\n`);
  writeFileSync(join(repo, 'chart', 'templates', 'all.yaml'), `{{- range $i := until (int .Values.count) }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{{ $i }}
  labels: {app: app-{{ $i }}, tier: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: app-{{ $i }}}
  template:
    metadata:
      labels: {app: app-{{ $i }}}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:{{ $i }}
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-{{ $i }}
data:
  LEVEL: info
  app.yaml: |
    name: app-{{ $i }}
{{- end }}
`);
  return repo;
}

interface RenderRun {
  ms: number;
  cpuMs: number;
  maxRssMb: number;
  objects: number;
}

function runRender(repo: string, warmRepo: string): Promise<RenderRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'bench', 'big-environment.bench.ts'), '--render-child', repo, warmRepo], {
      cwd: projectRoot, env: process.env, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as RenderRun);
      } catch {
        reject(new Error(`render child failed: ${out.slice(-2000)}`));
      }
    });
  });
}

async function renderChild(repo: string, warmRepo: string): Promise<void> {
  const env = { ...environmentDefaults, source: 'config' as const, dependsOn: [], requires: [], name: 'big', path: 'chart', namespace: 'big' };
  const warm = await renderEnvironment(warmRepo, env);
  if (!warm.ok) throw new Error(`warm-up render failed: ${JSON.stringify(warm.error)}`);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const outcome = await renderEnvironment(repo, env, { limits: { perEnvironment: 2 * half + 10 } });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (!outcome.ok) throw new Error(`render failed: ${JSON.stringify(outcome.error)}`);
  const result: RenderRun = { ms: Math.round(ms), cpuMs: Math.round((used.user + used.system) / 1000), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), objects: outcome.objects.length };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function helmRender(): Promise<Record<string, unknown>> {
  const repo = makeChart();
  const warmRepo = makeChart(10);
  try {
    const r = await runRender(repo, warmRepo);
    if (r.objects !== 2 * half) throw new Error(`helm render gave ${r.objects} objects, want ${2 * half}`);
    return { ...r, objectsPerSecond: Math.round(r.objects / (r.ms / 1000)), objectsPerCpuSecond: Math.round(r.objects / (r.cpuMs / 1000)) };
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(warmRepo, { recursive: true, force: true });
  }
}

export async function benchBigEnvironment(): Promise<Record<string, unknown>> {
  const repo = makeRepo();
  const warmRepo = makeRepo(10);
  try {
    const before = await run(repo, warmRepo, { BOSUN_YAML_FAST: 'off' });
    const after = await run(repo, warmRepo, {});
    if (JSON.stringify(before.findings) !== JSON.stringify(after.findings) || before.objects !== after.objects) {
      throw new Error(`the fast path disagrees with the full parse:\n${JSON.stringify(before.findings)}\n${JSON.stringify(after.findings)}`);
    }
    if (after.findings.length !== 3) throw new Error(`expected 3 findings, got ${JSON.stringify(after.findings)}`);
    const perCore = (r: Run) => Math.round(r.objects / (r.cpuMs / 1000));
    return {
      benchmark: 'bosun validate, one environment of 20,000 Deployments + 20,000 ConfigMaps in one file, 3 findings located on their lines',
      objects: after.objects,
      findings: after.findings.map((f) => `${f.file}:${f.line} ${f.path}`),
      before: { ms: before.ms, cpuMs: before.cpuMs, objectsPerCpuSecond: perCore(before), maxRssMb: before.maxRssMb },
      after: { ms: after.ms, cpuMs: after.cpuMs, objectsPerCpuSecond: perCore(after), maxRssMb: after.maxRssMb },
      renderOutputParse: renderOutput(),
      helmRender: await helmRender(),
    };
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(warmRepo, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
  else if (process.argv[2] === '--render-child') await renderChild(process.argv[3], process.argv[4]);
  else if (process.argv[2] === '--helm-only') console.log(JSON.stringify(await helmRender()));
  else console.log(JSON.stringify(await benchBigEnvironment()));
}

// The render sandbox inside a container confined as bosun's chart confines the worker (issue 15: "a
// securityContext that the render sandbox needs and nothing more"). No kubelet runs here, so the worker
// pod's securityContext, rendered from deploy/chart by the real helm, is handed to runc — the OCI runtime
// containerd and CRI-O start pods with — as a bundle (test/deploy/oci-bundle.ts), and `bosun plan` runs in
// it on a two-commit repository with a Kustomize overlay and a Helm chart, the sandbox on.
//
// Checked: with the chart's settings (non-root user, every capability dropped, no privilege escalation,
// read-only root, the runtime's masked /proc, seccomp Unconfined for the worker container) both
// environments render in the sandbox and the plan shows their changes; with the pod's RuntimeDefault
// seccomp profile left in force (the container override removed) the plan fails and says what to set.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';
import { makeTwoCommitRepo } from '../../testkit/git-repo.ts';
import { ensurePackages } from '../../testkit/testenv/apt.ts';
import { get, podOf, render, type Container, type PodSpec } from './chart.ts';
import { effectiveSecurity, writeBundle } from './oci-bundle.ts';

const run = promisify(execFile);

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.25}]}
`;

const chartTemplate = `apiVersion: v1
kind: ConfigMap
metadata: {name: "{{ .Release.Name }}-settings"}
data: {replicas: "{{ .Values.replicas }}"}
`;

interface Ran { code: number; stdout: string; stderr: string }

describe('the render sandbox in a worker container confined like the chart\'s worker pod (runc)', () => {
  let work: string;
  let pod: PodSpec;
  let container: Container;

  beforeAll(async () => {
    await mkdir(join(tmpdir(), 'bosun-test-logs'), { recursive: true });
    await ensurePackages(['runc', 'bubblewrap'], { log: (l) => console.log(l), logFile: join(tmpdir(), 'bosun-test-logs', 'apt-runc.log') });
    const { objects } = await render();
    const worker = get(objects, 'Deployment', 'bosun-worker');
    pod = podOf(worker).spec;
    container = pod.containers.find((c) => c.name === 'bosun')!;
    work = await mkdtemp(join(tmpdir(), 'bosun-runc-'));
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Runs `bosun plan` on a fresh copy of the repository in a container with `pod`'s and `ctr`'s settings. */
  async function planInContainer(ctr: Container): Promise<Ran> {
    const sec = effectiveSecurity(pod, ctr);
    const name = `bosun-${randomUUID().slice(0, 8)}`;
    const bundle = join(work, name);
    // The worker's emptyDir /tmp, owned by the pod's user as the kubelet's fsGroup handling leaves it.
    const tmp = join(bundle, 'tmp-volume');
    const repo = await makeTwoCommitRepo(
      {
        '.bosun.yaml': 'version: 1\nenvironments:\n  - name: prod\n    path: overlays/prod\n  - name: settings\n    path: chart\n',
        'base/deployment.yaml': deployment,
        'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
        'overlays/prod/kustomization.yaml': 'resources: [../../base]\nnamespace: prod\n',
        'chart/Chart.yaml': 'apiVersion: v2\nname: settings\nversion: 0.1.0\n',
        'chart/values.yaml': 'replicas: 1\n',
        'chart/templates/settings.yaml': chartTemplate,
      },
      { 'base/deployment.yaml': deployment.replace('replicas: 1', 'replicas: 3'), 'chart/values.yaml': 'replicas: 3\n' },
    );
    await mkdir(tmp, { recursive: true });
    await cp(repo.dir, join(tmp, 'repo'), { recursive: true });
    await rm(repo.dir, { recursive: true, force: true });
    await run('chown', ['-R', `${sec.runAsUser ?? 0}:${sec.fsGroup ?? sec.runAsGroup ?? 0}`, tmp]);
    await writeBundle(bundle, sec, {
      // The checkout's CLI entry (the image runs the same code compiled); tsx keeps its cache in TMPDIR.
      args: ['/usr/bin/node', join(projectRoot, 'node_modules/tsx/dist/cli.mjs'), join(projectRoot, 'src/cli/process-entry.ts'),
        'plan', '--repo', '/tmp/repo', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown'],
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp', NO_COLOR: '1' },
      cwd: '/tmp',
      readOnly: ['/usr', '/etc', projectRoot],
      emptyDirs: { '/tmp': tmp },
    });
    try {
      const r = await run('runc', ['run', '--bundle', bundle, name], { maxBuffer: 16 * 1024 * 1024, timeout: 240_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number | string; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
    } finally {
      await run('runc', ['delete', '--force', name]).catch(() => undefined);
    }
  }

  it('the chart confines the worker as expected: non-root, no capabilities, no escalation, read-only root, seccomp Unconfined', () => {
    const sec = effectiveSecurity(pod, container);
    expect(sec.runAsNonRoot).toBe(true);
    expect(sec.runAsUser).not.toBe(0);
    expect(sec.capabilities?.drop).toContain('ALL');
    expect(sec.capabilities?.add ?? []).toEqual([]);
    expect(sec.allowPrivilegeEscalation).toBe(false);
    expect(sec.readOnlyRootFilesystem).toBe(true);
    expect(sec.seccompProfile?.type).toBe('Unconfined');
    // The pod-level profile stays RuntimeDefault, so only this container is unconfined.
    expect((pod.securityContext as { seccompProfile?: { type: string } }).seccompProfile?.type).toBe('RuntimeDefault');
  });

  it('renders kustomize and helm in the sandbox under those settings and shows both changes', async () => {
    const r = await planInContainer(container);
    expect(r.stderr).not.toMatch(/sandbox is unavailable/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('**2 of 2 environments rendered**');
    expect(r.stdout).toMatch(/-\s+replicas: 1\n\+\s+replicas: 3/);
    expect(r.stdout).toMatch(/-\s+replicas: "1"\n\+\s+replicas: "3"/);
  }, 300_000);

  it('with the runtime\'s default seccomp profile (no container override) the plan fails and names the fix', async () => {
    const { seccompProfile: _dropped, ...rest } = container.securityContext as Record<string, unknown>;
    const r = await planInContainer({ ...container, securityContext: rest });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/render sandbox is unavailable: user namespaces cannot be created here/);
    expect(r.stderr).toContain('seccompProfile.type: Unconfined');
    expect(r.stdout).not.toContain('environments rendered');
  }, 300_000);
});

// The render sandbox, tried from the inside as an attacker would: a pull request that gets a program to
// run during a render (a helm post-renderer, a kustomize exec plugin, a bug in either) gets /bin/sh here.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool, type ToolResult } from '../../src/render/process.ts';
import { probeSandbox } from '../../src/render/sandbox-probe.ts';
import { sandboxPolicy, setSandboxPolicy } from '../../src/render/sandbox.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { runningChildren } from '../../src/util/child-processes.ts';
import { kubectlPath } from '../../src/util/tools.ts';
import { environment } from './environment.ts';

const canary = `canary-${process.pid}-${Date.now()}`;
let work: string;
let outside: string;
let listener: Server;
let hits = 0;
let port = 0;

beforeAll(async () => {
  process.env.BOSUN_TEST_SANDBOX_CANARY = canary;
  work = await mkdtemp(join(tmpdir(), 'bosun-sandbox-work-'));
  await chmod(work, 0o755);
  await writeFile(join(work, 'inside.txt'), 'visible\n');
  outside = await mkdtemp(join(tmpdir(), 'bosun-sandbox-outside-'));
  await writeFile(join(outside, 'secret.txt'), `${canary}\n`);
  await chmod(outside, 0o755);
  listener = createServer((_, res) => {
    hits++;
    res.end(canary);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  port = (listener.address() as { port: number }).port;
  expect(await probeSandbox()).toMatchObject({ ok: true });
});

afterAll(async () => {
  delete process.env.BOSUN_TEST_SANDBOX_CANARY;
  listener.close();
  await rm(work, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

it('where the host refuses user namespaces, says why and how to allow it, in Kubernetes too', async () => {
  // A bwrap that fails as it does in a pod under the RuntimeDefault seccomp profile or Ubuntu's AppArmor userns restriction.
  const fake = join(work, 'bwrap-refused');
  await writeFile(fake, '#!/bin/sh\n[ "$1" = --version ] && { echo "bubblewrap 0.8.0"; exit 0; }\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n');
  await chmod(fake, 0o755);
  const status = await probeSandbox({ ...process.env, BOSUN_BWRAP: fake });
  expect(status).toMatchObject({ ok: false, reason: expect.stringContaining('user namespaces cannot be created here') });
  const fix = 'fix' in status ? status.fix : '';
  expect(fix).toContain('seccompProfile.type: Unconfined');
  expect(fix).toContain('worker.appArmorProfile: localhost/<profile>');
});

/** Runs a shell script in the sandbox exactly as a render would run kubectl: the worktree read-only. */
function inSandbox(script: string, opts: { maxOutputBytes?: number; timeoutMs?: number } = {}): Promise<ToolResult> {
  return runTool({
    command: '/bin/sh',
    args: ['-c', script],
    cwd: work,
    env: { LANG: 'C.UTF-8' },
    sandbox: { readOnly: [work], tools: ['/bin/sh'] },
    timeoutMs: opts.timeoutMs ?? 60_000,
    ...(opts.maxOutputBytes ? { maxOutputBytes: opts.maxOutputBytes } : {}),
  });
}

function output(result: ToolResult): string {
  return 'stdout' in result ? `${result.stdout}\n${result.stderr}` : result.stderr;
}

describe('the render sandbox, tried from inside', () => {
  it('sees no /proc: no process environment (bosun\'s secrets) can be read', async () => {
    const result = await inSandbox('cat /proc/1/environ; cat /proc/self/environ; ls /proc; echo done');
    expect(result.status).toBe('ok');
    expect(output(result)).toMatch(/No such file or directory/);
    expect(output(result)).not.toContain(canary);
  });

  it('starts with an empty environment: none of bosun\'s variables are visible', async () => {
    const result = await inSandbox('env');
    expect(result.status).toBe('ok');
    const names = (result.status === 'ok' ? result.stdout : '').split('\n').filter(Boolean).map((l) => l.split('=')[0]).sort();
    expect(names.every((n) => ['HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME', 'HELM_PLUGINS', 'HOME', 'KUBECONFIG', 'LANG', 'PATH', 'PWD', 'TMPDIR'].includes(n))).toBe(true);
    expect(output(result)).not.toContain(canary);
  });

  it('cannot read a file outside the worktree, nor the machine\'s /etc, /root or the project', async () => {
    const result = await inSandbox(`cat ${outside}/secret.txt; cat /etc/passwd; ls /root; ls ${process.cwd()}; cat inside.txt`);
    expect(output(result)).not.toContain(canary);
    expect(output(result)).not.toMatch(/root:x:0:0/);
    expect(output(result)).toContain('visible'); // the worktree itself is there
  });

  it('cannot write into the worktree', async () => {
    const result = await inSandbox('echo changed > inside.txt; echo $?');
    expect(output(result)).toMatch(/Read-only file system/);
    expect(await readFile(join(work, 'inside.txt'), 'utf8')).toBe('visible\n');
  });

  it('reaches no network: a listener on the host\'s loopback gets no connection', async () => {
    const result = await inSandbox(`curl -sS -m 5 http://127.0.0.1:${port}/ || wget -q -T 5 -O - http://127.0.0.1:${port}/; echo end`);
    expect(output(result)).not.toContain(canary);
    expect(output(result)).toMatch(/Couldn't connect|Connection refused|Failed to connect|not found/i);
    expect(hits).toBe(0);
  });

  it('cannot see or signal bosun\'s process', async () => {
    const result = await inSandbox(`kill -0 ${process.pid} && echo alive || echo invisible`);
    expect(result.status === 'ok' && result.stdout.trim()).toBe('invisible');
  });

  it('cannot create a user namespace of its own (no second sandbox to escape from)', async () => {
    const result = await inSandbox('unshare -U -r true && echo nested || echo refused');
    expect(result.status === 'ok' && result.stdout.trim()).toBe('refused');
  });

  it('stops a fork bomb at the process limit, and nothing of it survives', async () => {
    const result = await inSandbox('i=0; while [ $i -lt 5000 ]; do sleep 60 & i=$((i+1)); done; echo "started $i"', { timeoutMs: 30_000 });
    expect(result.status).toBe('limit');
    expect(result.status === 'limit' && result.limit).toBe('processes');
    expect(runningChildren()).toBe(0);
  });

  it('stops a process that allocates past the memory limit', async () => {
    const before = sandboxPolicy();
    setSandboxPolicy({ limits: { memoryBytes: 256 * 1024 * 1024 } });
    try {
      const result = await inSandbox('tail -n 1 /dev/zero'); // one endless line, kept in memory
      expect(result.status).toBe('limit');
      expect(result.status === 'limit' && result.limit).toBe('memory');
    } finally {
      setSandboxPolicy(before);
    }
  });

  it('stops reading output at the byte cap instead of buffering it', async () => {
    const result = await inSandbox('head -c 104857600 /dev/zero', { maxOutputBytes: 1024 * 1024 });
    expect(result).toMatchObject({ status: 'too-large', maxBytes: 1024 * 1024 });
  });

  it('gives the tool a private /tmp of bounded size', async () => {
    const result = await inSandbox('head -c 536870912 /dev/zero > /tmp/fill; echo "exit $?"; ls -la /tmp');
    expect(output(result)).toMatch(/No space left on device|File size limit exceeded/);
  });
});

describe('renders in the sandbox', () => {
  it('a kustomize alias bomb ends in a clear error naming the environment and the memory limit', async () => {
    const bomb = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: bomb}', 'x:', '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++) bomb.push(`  a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(',')}]`);
    bomb.push('data: {k: v}');
    await writeFile(join(work, 'kustomization.yaml'), 'resources: [bomb.yaml]\n');
    await writeFile(join(work, 'bomb.yaml'), `${bomb.join('\n')}\n`);
    const before = sandboxPolicy();
    setSandboxPolicy({ limits: { memoryBytes: 512 * 1024 * 1024 } });
    try {
      const outcome = await renderEnvironment(work, environment({ name: 'staging', path: '.', render: 'kustomize' }), { timeoutMs: 60_000 });
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error.message).toMatch(/^kustomize for staging was stopped by the render sandbox: it needed more than 512 MB of memory/);
    } finally {
      setSandboxPolicy(before);
      await rm(join(work, 'kustomization.yaml'));
      await rm(join(work, 'bomb.yaml'));
    }
  });

  it('runs the real kubectl with nothing but itself (a static binary needs no system files)', async () => {
    const result = await runTool({
      command: kubectlPath(), args: ['version', '--client', '-o', 'json'], cwd: work, env: {}, sandbox: { readOnly: [work], tools: [kubectlPath()] },
    });
    expect(result.status).toBe('ok');
  });
});

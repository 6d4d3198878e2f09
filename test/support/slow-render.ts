// For tests that stop bosun in the middle of a render: a Helm chart environment, a `helm` that holds the
// render (a shell and a child `sleep`, both carrying a marker in their environment) until the test has
// stopped bosun, and a look through /proc for anything carrying the marker afterwards.
import { randomBytes } from 'node:crypto';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { helmPath } from '../../src/util/tools.ts';

/** `.bosun.yaml` and a Helm chart for environment `staging` at clusters/staging; `version` goes in a ConfigMap. */
export function chartRepoFiles(version: string): Record<string, string> {
  return {
    '.bosun.yaml': 'version: 1\nenvironments:\n  - name: staging\n    path: clusters/staging\n',
    'clusters/staging/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
    'clusters/staging/values.yaml': `version: "${version}"\n`,
    'clusters/staging/templates/config.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  version: {{ .Values.version | quote }}\n',
  };
}

export interface SlowHelm {
  /** Use as BOSUN_HELM. */
  path: string;
  /** Set in the environment of the wrapper and of every process it starts. */
  mark: string;
  /** Pids of the wrapper runs that have started so far. */
  started(): Promise<number[]>;
}

/**
 * A `helm` for BOSUN_HELM that records its start, then waits on a child `sleep` (so there is a grandchild
 * for bosun to end too) before running the real helm. Runs unsandboxed (BOSUN_SANDBOX=off): the render
 * sandbox exposes no shell.
 */
export async function writeSlowHelm(dir: string, holdSeconds = 600): Promise<SlowHelm> {
  const mark = `bosun-test-${randomBytes(6).toString('hex')}`;
  const path = join(dir, 'slow-helm.sh');
  const log = join(dir, 'slow-helm.started');
  await writeFile(log, '');
  await writeFile(path, [
    '#!/bin/sh',
    // Into the environment the process starts with (what /proc shows), for the shell itself as well.
    `[ "$BOSUN_TEST_MARK" = ${mark} ] || exec env BOSUN_TEST_MARK=${mark} /bin/sh "$0" "$@"`,
    `echo $$ >> '${log}'`,
    `sleep ${holdSeconds} &`,
    'wait $!',
    `exec '${helmPath()}' "$@"`,
    '',
  ].join('\n'));
  await chmod(path, 0o755);
  return {
    path,
    mark,
    started: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean).map(Number),
  };
}

/** Processes on this machine whose environment carries `mark` (zombies have none and do not count). */
export async function processesMarked(mark: string): Promise<Array<{ pid: number; cmdline: string }>> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => undefined);
    if (!environ?.includes(`BOSUN_TEST_MARK=${mark}`)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    found.push({ pid: Number(entry), cmdline: cmdline.split('\0').join(' ').trim() });
  }
  return found;
}

/** Entries of `dir` that look like bosun's temporary folders (checkouts, the process's temp folder, render folders). */
export async function bosunLeftovers(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((name) => /^bosun-(wt|tmp|helm|kustomize)-/.test(name));
}

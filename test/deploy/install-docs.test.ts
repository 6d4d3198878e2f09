// The install commands of docs/operating.md ("Install on a cluster", "Container image and Helm chart", the
// target cluster in "Clusters and credentials") exist as written: every npm script, every bosun command and flag,
// every kubectl command and flag, and every helm install/upgrade renders the chart with exactly its values.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kubectlPath, projectRoot } from '../../src/util/tools.ts';
import { runCli } from '../cli/run-cli.ts';
import { bashCommands, longFlags } from '../docs/shell-words.ts';
import { helm } from './chart.ts';

const run = promisify(execFile);
const doc = 'docs/operating.md';
const readme = readFileSync(join(projectRoot, doc), 'utf8');

function section(from: string, to: string): string {
  const start = readme.indexOf(from);
  const end = readme.indexOf(to, start + from.length);
  if (start < 0 || end < 0) throw new Error(`${doc}: no section from "${from}" to "${to}"`);
  return readme.slice(start, end);
}

/** The shell commands of a section: its bash blocks and the helm commands it shows inline. */
function commands(text: string): string[][] {
  const inline = [...text.replace(/```[\s\S]*?```/g, '').matchAll(/`(helm (?:install|upgrade|uninstall) [^`|]+)`/g)].map((m) => m[1]!.replace(/\s+/g, ' '));
  return bashCommands(text, inline);
}

const install = commands(section('## Install on a cluster', '## GitHub App: server configuration'));
const target = commands(section('## Clusters and credentials', '## Several workers'));
const all = [...install, ...target];
const scripts = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

const flagsOf = longFlags;

describe('the install commands in docs/operating.md', () => {
  it('are found, and stay within ten for an install', () => {
    const installBlock = commands(section('## Install on a cluster', '**A trial'));
    expect(installBlock.length).toBeGreaterThanOrEqual(8);
    expect(installBlock.length).toBeLessThanOrEqual(10);
    expect(all.map((c) => c[0])).toEqual(expect.arrayContaining(['npm', 'kubectl', 'helm']));
  });

  it('run npm scripts that exist', () => {
    for (const c of all.filter((c) => c[0] === 'npm' && c[1] === 'run')) expect(scripts, c.join(' ')).toHaveProperty(c[2]!);
  });

  it('give bosun commands and flags it knows', async () => {
    for (const c of all.filter((c) => c[0] === 'npm' && c[2] === 'bosun')) {
      const argv = c.slice(c.indexOf('--') + 1);
      const help = await runCli([argv[0]!, '--help']);
      expect(help.code, c.join(' ')).toBe(0);
      for (const flag of flagsOf(argv.slice(1))) expect(help.stdout + help.stderr, `${c.join(' ')}: ${flag}`).toContain(flag);
    }
  });

  it('give kubectl commands and flags it knows', async () => {
    const kubectl = all.filter((c) => c[0] === 'kubectl');
    expect(kubectl.length).toBeGreaterThan(5);
    for (const c of kubectl) {
      // The words before the first flag (`-n <namespace>` aside): kubectl's help ignores the names among them.
      const rest = c.slice(1).filter((w, i, a) => w !== '-n' && a[i - 1] !== '-n');
      const firstFlag = rest.findIndex((w) => w.startsWith('-'));
      const verbs = firstFlag < 0 ? rest : rest.slice(0, firstFlag);
      const help = await run(kubectlPath(), [...verbs, '--help'], { maxBuffer: 4 * 1024 * 1024 });
      for (const flag of flagsOf(c).filter((f) => f !== '--kubeconfig')) expect(help.stdout, `${c.join(' ')}: ${flag}`).toContain(flag);
    }
  });

  it('install and upgrade the chart with values it accepts', async () => {
    const helmCommands = all.filter((c) => c[0] === 'helm');
    expect(helmCommands.map((c) => c[1])).toEqual(expect.arrayContaining(['install', 'upgrade', 'uninstall']));
    for (const c of helmCommands.filter((h) => h[1] === 'uninstall')) {
      const help = await helm(['uninstall', '--help']);
      for (const flag of flagsOf(c)) expect(help.stdout, `${c.join(' ')}: ${flag}`).toContain(flag);
    }
    for (const c of helmCommands.filter((h) => h[1] === 'install' || h[1] === 'upgrade')) {
      // helm template with the same release, chart and values; what only a live release has is dropped.
      const args = c.slice(2).filter((a) => !['--reuse-values', '--create-namespace'].includes(a));
      const r = await helm(['template', ...args.map((a) => (a === './deploy/chart' ? join(projectRoot, 'deploy/chart') : a))]);
      expect(r.code, `${c.join(' ')}\n${r.stderr}`).toBe(0);
    }
  });

  it('name the Secret bosun setup writes, where the chart reads it', async () => {
    const setup = install.find((c) => c.includes('setup'))!;
    const apply = install.find((c) => c[0] === 'kubectl' && c[1] === 'apply')!;
    const help = await runCli(['setup', '--help']);
    // setup's default file for --output secret is <secret name>.secret.yaml, and the chart's default Secret is bosun-github-app.
    expect(help.stdout + help.stderr).toMatch(/bosun-github-app\.secret\.yaml/);
    expect(setup).toEqual(expect.arrayContaining(['--output', 'secret']));
    expect(apply).toEqual(['kubectl', 'apply', '-f', 'bosun-github-app.secret.yaml']);
  });
});

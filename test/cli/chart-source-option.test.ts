// `--chart-source` on the commands that render a commit to act on a cluster (apply, sync, drift), as on
// plan: the operator names the chart sources bosun may fetch remote charts from. A bad entry is a usage
// error (exit 2) naming the flag, before anything is read or rendered.
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

describe('--chart-source on apply, sync and drift', () => {
  for (const command of ['apply', 'sync', 'drift'] as const) {
    it(`${command} lists it in its help`, async () => {
      const r = await runCli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/--chart-source S\s+a chart source bosun may fetch remote charts from/);
    });

    it(`${command} refuses a source it could never fetch, naming the flag (exit 2)`, async () => {
      const r = await runCli([command, '--ref', 'main', '--env', 'staging/apps', '--clusters', '/nonexistent/clusters.yaml', '--chart-source', 'ftp://charts.example.com/stable']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--chart-source / BOSUN_CHART_SOURCES: "ftp://charts.example.com/stable": only http(s):// and oci:// sources can be fetched');
      expect(r.stderr).not.toContain('rendering');
    });
  }
});

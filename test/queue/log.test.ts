import { describe, expect, it } from 'vitest';
import { jsonLogger } from '../../queue/index.ts';
import { processMetrics } from '../../src/metrics.ts';

describe('worker logging and process metrics', () => {
  it('writes one JSON line per entry with secrets scrubbed from the message and fields', () => {
    const lines: string[] = [];
    const log = jsonLogger((line) => lines.push(line));
    log.warn({ err: new Error('push to https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com failed'), queue: 'bosun-apply' }, 'token=hunter2hunter2 rejected');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as Record<string, string>;
    expect(entry.level).toBe('warn');
    expect(entry.queue).toBe('bosun-apply');
    expect(entry.msg).toBe('token=*** rejected');
    expect(entry.err).toContain('Error: push to');
    expect(lines[0]).not.toContain('ghs_abcdefghijklmnopqrstuvwxyz0123');
  });

  it('shares one registry per process, with process metrics', async () => {
    expect(processMetrics()).toBe(processMetrics());
    expect(await processMetrics().registry.metrics()).toContain('process_cpu_user_seconds_total');
  });
});

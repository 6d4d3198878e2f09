// Findings point at the offending field's line in the source file where the source still has the field.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValidationFinding } from '../../src/model/validation.ts';
import { refineFindingLines } from '../../src/validate/field-lines.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bosun-field-lines-'));
  await mkdir(join(dir, 'apps'));
  await writeFile(join(dir, 'apps/objects.yaml'), [
    '# two objects',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    'spec:',
    '  ports:',
    '    - name: http',
    '      port: eighty',
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: "a/b"',
    '  labels: {"x/y": z}',
    'spec:',
    '  replicas: many',
    '',
  ].join('\n'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const finding = (line: number, path: string, file = 'apps/objects.yaml'): ValidationFinding => ({ severity: 'error', file, line, object: 'x', path, message: 'bad' });

describe('finding lines', () => {
  it('moves each finding to its field, in the right document of a multi-document file', async () => {
    const out = await refineFindingLines(dir, [finding(2, '/spec/ports/0/port'), finding(11, '/spec/replicas'), finding(11, '/metadata/labels/x~1y')]);
    expect(out.map((f) => f.line)).toEqual([9, 17, 15]);
  });

  it('stops at the deepest field the source has, and leaves findings it cannot place alone', async () => {
    const out = await refineFindingLines(dir, [
      finding(11, '/spec/template/spec'), // added by a patch: the nearest is `spec:`
      finding(2, ''),
      finding(2, '/spec', '../outside.yaml'),
      finding(2, '/spec', 'apps/missing.yaml'),
    ]);
    expect(out.map((f) => f.line)).toEqual([16, 2, 2, 2]);
  });
});

// Findings point at the offending field's line in the source file where the source still has the field.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/model/object.ts';
import type { ValidationFinding } from '../../src/model/validation.ts';
import { refineFindingLines } from '../../src/validate/field-lines.ts';
import { objectLabel } from '../../src/validate/validator.ts';

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

  it("takes a field a patch set from the last patch that has it: an inline patch without line mapping is its entry's line", async () => {
    const object: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a/b', labels: { 'x/y': 'z' } }, spec: { replicas: 'many', paused: 'no' } };
    const patches = [
      { file: 'clusters/one.yaml', line: 3, inline: { text: 'spec:\n  replicas: some\n', doc: 0 } },
      { file: 'clusters/two.yaml', line: 7, inline: { text: '---\nspec:\n  replicas: many\n', doc: 0, firstLine: 20 } },
    ];
    const objects = [{ object, source: { file: 'apps/objects.yaml', line: 11, patches } }];
    const about = (path: string): ValidationFinding => ({ severity: 'error', file: 'apps/objects.yaml', line: 11, object: objectLabel(object), path, message: 'bad' });
    const out = await refineFindingLines(dir, [about('/spec/replicas'), about('/spec'), about('/spec/paused')], objects);
    expect(out.map((f) => `${f.file}:${f.line}`)).toEqual([
      'clusters/two.yaml:22', // the later patch wins; its text starts on line 20, `replicas` is its third line
      'apps/objects.yaml:16', // a map the source has stays with the source
      'apps/objects.yaml:16', // no patch has it: the deepest field the source has
    ]);
  });
});

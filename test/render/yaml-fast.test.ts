// The fast path for manifest files gives what the `yaml` library's full parse gives: the same objects, the
// same line for each, the same error (message and line) for malformed YAML; and field lines of findings in
// a big file come from parsing only the findings' documents.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYamlDocuments, parseYamlDocumentsFull } from '../../src/render/yaml-docs.ts';
import { fastDocument, splitYamlStream } from '../../src/render/yaml-fast.ts';
import type { ValidationFinding } from '../../src/model/validation.ts';
import { refineFindingLines } from '../../src/validate/field-lines.ts';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # a comment
  labels: {app: web, "on": yes, tier: "1"}
  annotations:
    date: 2021-01-01
    stamp: 2021-01-01T10:00:00Z
    octal: 0777
    sexagesimal: 1:20
    tilde: ~
    hex: 0x1F
    under: 1_000
    inf: .inf
    single: 'it''s'
    double: "tab\\t \\u00e9"
    folded: >-
      folded
      text

      para
    kept: |+
      keep
      --- indented, not a marker

    plain: plain
      on two lines
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: "nginx:1.25"
        args: ["--a", '--b', c, 1, null, off]
        env:
          - {name: A, value: "x"}
          - name: B
            value: it's plain
`;

const configMap = `# a leading comment

apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data:
  script: |
    echo "it's [fine" {
    exit 0
  multi: "a
    b"
  flow: [a,
    b]
`;

/** Inputs where the two parsers could part: every one must come out of both paths the same. */
const tricky: Record<string, string> = {
  'plain objects': `${deployment}---\n${configMap}`,
  'a comment-only document and a trailing marker': `# nothing here\n---\n${configMap}---\n# only a comment\n---\n`,
  'marker with a comment, CRLF line ends': `--- # first\r\n${configMap.replace(/\n/g, '\r\n')}---\r\n${deployment.replace(/\n/g, '\r\n')}`,
  'document end markers': `${configMap}...\n---\n${deployment}...\n`,
  'a directive': `%YAML 1.1\n---\n${configMap}`,
  'anchors and aliases': `${configMap}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: &n shared}\ndata: {copy: *n}\n---\n${deployment}`,
  'a merge key': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  labels:\n    <<: {a: b}\n    c: d\n---\n${configMap}`,
  'a tag': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\ndata: {n: !!str 12}\n`,
  'a List': `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n---\n${configMap}`,
  'JSON documents': `{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "j"}}\n---\n{\n  # c\n  "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}\n`,
  'a null key and a number key': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\ndata:\n  ~: 1\n  2: two\n`,
  'a sequence and a scalar document': `- a\n- b\n---\njust text\n---\n${configMap}`,
  'a byte-order mark': `\uFEFF${configMap}`,
  'a root block scalar': `--- |\n  text\n---\n${configMap}`,
  'a lone carriage return': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "a\rb"}\n`,
  'a tab': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name:\tx\n`,
  'flow collections as keys': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\ndata:\n  [a]: 1\n  {b: c}: 2\n`,
  'a hash inside quotes': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "#x"}\ndata: {color: '#fff', "a#": b} # comment\n`,
  // Malformed: each must be the full parse's error, message and line.
  'a comment glued to a flow mapping': `${configMap}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}#c\n`,
  'a comment glued to a quoted value': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "x"#c\n`,
  'a flow sequence not indented under its key': `${configMap}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: [x,\n  y]\n`,
  'a quoted value not indented under its key': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\nb"\n`,
  'a duplicate key': `${deployment}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {a: 1, a: 2}\n`,
  'keys that are duplicates only as strings': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata:\n  1: a\n  "1": b\n`,
  'bad indentation': `${configMap}---\napiVersion: v1\nkind: ConfigMap\n metadata: {name: x}\n`,
  'an unclosed flow mapping': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n`,
  'an alias to nothing': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: *nothing}\n`,
  'a document that is not an object': `${configMap}---\n- a\n`,
};

describe('the fast YAML path', () => {
  for (const [name, text] of Object.entries(tricky)) {
    it(`reads ${name} as the full parse does`, () => {
      expect(parseYamlDocuments(text, 'apps/all.yaml')).toEqual(parseYamlDocumentsFull(text, 'apps/all.yaml'));
    });
  }

  it('gives each object the line of its first key, after comments and markers', () => {
    const text = `# header\n---\n\n# about cm\n${configMap}---\n${deployment}---\n{\n  "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}\n`;
    const parsed = parseYamlDocuments(text, 'f.yaml');
    if (!parsed.ok) throw new Error(parsed.error.message);
    const firstKey = (doc: string) => text.slice(0, text.indexOf(doc)).split('\n').length;
    expect(parsed.docs.map((d) => d.line)).toEqual([firstKey('apiVersion: v1\nkind: ConfigMap'), firstKey('apiVersion: apps/v1'), firstKey('  "apiVersion": "v1", "kind": "Secret"')]);
    expect(parsed.docs[1].value).toMatchObject({ metadata: { labels: { on: true }, annotations: { octal: 511, sexagesimal: 80, tilde: null, hex: 31, under: 1000 } } });
    expect((parsed.docs[1].value as { metadata: { annotations: { date: unknown } } }).metadata.annotations.date).toEqual(new Date('2021-01-01T00:00:00Z'));
  });

  it('reports malformed YAML with the file, the line and the library message', () => {
    const text = `${configMap}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: [x,\n  y]\n`;
    const parsed = parseYamlDocuments(text, 'apps/all.yaml');
    expect(parsed).toMatchObject({ ok: false, error: { file: 'apps/all.yaml', line: text.split('\n').length - 1 } });
    expect(parsed.ok ? '' : parsed.error.message).toMatch(/^invalid YAML: Flow sequence in block collection must be sufficiently indented/);
  });

  it('reads a plain manifest with js-yaml and leaves anchors, tags, merge keys and multi-line flow to the library', () => {
    const one = (text: string) => fastDocument({ text, offset: 0, line: 1 }).kind;
    expect(one(deployment)).toBe('value');
    expect(one('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: &a x}\n')).toBe('full');
    expect(one('a: !!str 1\n')).toBe('full');
    expect(one('a:\n  <<: {b: c}\n')).toBe('full');
    expect(one(configMap)).toBe('full');
    expect(one('a: "x\\ty" # "unclosed in a comment\nb: [1, 2]\n')).toBe('value');
    expect(one('a: [x,\n  y]\n')).toBe('full');
    expect(one('# only comments\n\n')).toBe('empty');
  });

  it('cuts a stream at its marker lines only', () => {
    expect(splitYamlStream('a: 1\n---\nb: |\n  ---\n---   # c\nc: 3\n')?.map((s) => [s.line, s.text])).toEqual([[1, 'a: 1\n'], [3, 'b: |\n  ---\n'], [6, 'c: 3\n']]);
    expect(splitYamlStream('a: 1\n...\n')).toBeUndefined();
    expect(splitYamlStream('--- {a: 1}\n')).toBeUndefined();
    expect(splitYamlStream('%YAML 1.1\n---\na: 1\n')).toBeUndefined();
  });
});

describe('finding lines in a big file', () => {
  let dir: string;
  const count = 3000;
  let text: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-yaml-fast-'));
    const docs: string[] = [];
    for (let i = 0; i < count; i++) docs.push(i % 2 ? `# cm ${i}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\ndata:\n  a: "1"\n` : deployment.replace('name: web', `name: web${i}`));
    text = docs.join('---\n');
    await writeFile(join(dir, 'all.yaml'), text);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts each finding on its field, as the full parse of the file does', async () => {
    const parsed = parseYamlDocuments(text, 'all.yaml');
    if (!parsed.ok) throw new Error(parsed.error.message);
    const finding = (i: number, path: string): ValidationFinding => ({ severity: 'error', file: 'all.yaml', line: parsed.docs[i].line, object: `o${i}`, path, message: 'bad' });
    const findings = [finding(0, '/spec/replicas'), finding(1500, '/spec/template/spec/containers/0/env/1/value'), finding(2999, '/data/a'), finding(2000, '/metadata/annotations/kept')];
    const lazy = await refineFindingLines(dir, findings);
    const lines = text.split('\n');
    const lineOf = (i: number, needle: string) => lines.findIndex((l, n) => n >= parsed.docs[i].line - 1 && l.includes(needle)) + 1;
    expect(lazy.map((f) => f.line)).toEqual([lineOf(0, 'replicas: 2'), lineOf(1500, 'value: it'), lineOf(2999, 'a: "1"'), lineOf(2000, 'kept: |+')]);
    process.env.BOSUN_YAML_FAST = 'off';
    try {
      expect(await refineFindingLines(dir, findings)).toEqual(lazy);
    } finally {
      delete process.env.BOSUN_YAML_FAST;
    }
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSimpleYaml } from '../../src/util/simple-yaml.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { kustomizeMonorepo } from './kustomize-fixture.ts';

const accepted: Record<string, string> = {
  overlay: 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: app-001\nresources:\n  - ../../base\nimages:\n  - name: ghcr.io/example-org/app-001\n    newTag: 1.0.0\npatches:\n  - path: replicas.yaml\n',
  sameIndentSequence: 'resources:\n- a.yaml\n- b.yaml\nnamePrefix: x-\n',
  nestedMappingInItem: 'labels:\n  - pairs:\n      app.kubernetes.io/part-of: app-001\n    includeTemplates: true\n',
  scalars: 'a: 1\nb: -2.5\nc: true\nd: ~\ne: "quoted: yes"\nf: \'single\'\ng:\nh: 1.2.3\ni: 0.10\nj: 1e3\n',
  comments: '# leading\n---\nresources: # trailing\n  - a.yaml   # a comment\n\n  # between\n  - b.yaml\n',
  urls: 'resources:\n  - https://github.com/org/repo//path?ref=v1\n  - github.com/org/repo/x\n',
  crlf: 'resources:\r\n  - a.yaml\r\n',
  emptyDoc: '# nothing here\n',
  keyValueInItem: 'configMapGenerator:\n  - name: cfg\n    files:\n      - key=file.txt\n    envs: [vars.env]\n',
};

const declined: Record<string, string> = {
  blockScalar: 'patches:\n  - patch: |-\n      - op: add\n',
  anchors: 'a: &x 1\nb: *x\n',
  multiDoc: 'a: 1\n---\nb: 2\n',
  multiLinePlain: 'a: this is\n  continued\n',
  tabs: 'a:\n\t- b\n',
  tag: 'a: !!str 1\n',
  hex: 'a: 0x1F\n',
  quotedWithHash: 'a: "x # y"\n',
  escapes: 'a: "line\\nbreak"\n',
  duplicateKeys: 'a: 1\na: 2\n',
  flowMap: 'target: {kind: Deployment}\n',
};

function kustomizationsUnder(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) kustomizationsUnder(path, out);
    else if (/^(kustomization\.ya?ml|Kustomization)$/.test(name)) out.push(readFileSync(path, 'utf8'));
  }
  return out;
}

describe('the fast kustomization parser', () => {
  it.each(Object.entries(accepted))('parses %s exactly like the yaml library', (_name, text) => {
    const fast = parseSimpleYaml(text);
    if (text.includes('[vars.env]')) {
      expect(fast).toBeUndefined(); // flow sequences go to the full parser
      return;
    }
    expect(fast).not.toBeUndefined();
    expect(fast).toEqual(parse(text) ?? null);
  });

  it.each(Object.entries(declined))('leaves %s to the full parser', (_name, text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });

  it('agrees with the yaml library on every kustomization in the fixtures and tests it accepts', () => {
    const samples = [
      ...Object.values(kustomizeMonorepo).filter((v): v is string => typeof v === 'string'),
      ...kustomizationsUnder(join(projectRoot, 'fixtures')),
    ];
    let fastPath = 0;
    for (const text of samples) {
      const fast = parseSimpleYaml(text);
      if (fast === undefined) continue;
      fastPath++;
      expect(fast).toEqual(parse(text) ?? null);
    }
    expect(fastPath).toBeGreaterThan(3);
  });
});

import { describe, expect, it } from 'vitest';
import { createValidator } from '../../src/validate/index.ts';
import { rendered } from './support.ts';

const objs = () => rendered('apps/gadgets.yaml', `apiVersion: example.com/v1
kind: Widget
metadata: { name: a }
---
apiVersion: example.com/v1
kind: Widget
metadata: { name: b }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: c }
`);

const widgetMessage = 'Widget.example.com/v1: no schema (CRD not in the repository and not built in); add the CRD to the repository, or set validation.missingSchema to choose warn or error';

describe('objects without a schema', () => {
  it('warns once per object and names the kind, by default', () => {
    expect(createValidator().validate(objs())).toEqual([
      { severity: 'warning', file: 'apps/gadgets.yaml', line: 1, object: 'example.com/v1 Widget a', path: '', message: widgetMessage },
      { severity: 'warning', file: 'apps/gadgets.yaml', line: 5, object: 'example.com/v1 Widget b', path: '', message: widgetMessage },
    ]);
  });

  it('reports errors instead when missingSchema is error', () => {
    const findings = createValidator({ missingSchema: 'error' }).validate(objs());
    expect(findings.map((f) => [f.severity, f.object])).toEqual([['error', 'example.com/v1 Widget a'], ['error', 'example.com/v1 Widget b']]);
  });

  it('skips kinds listed in skipKinds, by kind or by apiVersion/kind', () => {
    expect(createValidator({ missingSchema: 'error', skipKinds: ['Widget'] }).validate(objs())).toEqual([]);
    expect(createValidator({ missingSchema: 'error', skipKinds: ['example.com/v1/Widget'] }).validate(objs())).toEqual([]);
    expect(createValidator({ missingSchema: 'error', skipKinds: ['example.com/v2/Widget'] }).validate(objs())).toHaveLength(2);
  });

  it('keeps the message intact for kinds whose names look like secrets', () => {
    const objs = rendered('secrets.yaml', 'apiVersion: vault.example.com/v1beta1\nkind: SecretStore\nmetadata: { name: vault }\n');
    expect(createValidator().validate(objs).map((f) => f.message)).toEqual([
      'SecretStore.vault.example.com/v1beta1: no schema (CRD not in the repository and not built in); add the CRD to the repository, or set validation.missingSchema to choose warn or error',
    ]);
  });
});

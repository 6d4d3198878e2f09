// ApplicationSet templating as Argo CD's applicationset/utils does it: fasttemplate `{{key}}` by default,
// Go text/template with sprig functions under `goTemplate: true` (missingkey from goTemplateOptions).
import { describe, expect, it } from 'vitest';
import { fastTemplate, flattenParams, templateValue } from '../../src/discover/argocd-fasttemplate.ts';
import { mergePatch } from '../../src/util/merge-patch.ts';
import { renderGoTemplate } from '../../src/discover/argocd-gotemplate.ts';
import { gitPathspecGlob, goPathMatch, gobwasGlob } from '../../src/util/argocd-glob.ts';

const go = (t: string, data: unknown, missingKeyError = true) => renderGoTemplate(t, data, { missingKeyError });

describe('fasttemplate (the default)', () => {
  it('replaces {{ key }} by a string parameter and leaves every other {{…}} as written', () => {
    expect(fastTemplate('guestbook-{{env}}-{{ region }}', { env: 'prod', region: 'eu' })).toBe('guestbook-prod-eu');
    expect(fastTemplate('{{missing}}/{{ n }}/{{}}', { n: 3 })).toBe('{{missing}}/{{ n }}/{{}}');
    expect(fastTemplate('{{path.basename}}', { 'path.basename': 'web' })).toBe('web');
  });

  it('templates every string of the template object, map keys untouched', () => {
    const out = templateValue({ metadata: { name: '{{name}}', labels: { '{{name}}': 'x' } }, spec: { n: 3, list: ['{{name}}'] } }, { name: 'a' }, { goTemplate: false, missingKeyError: false });
    expect(out).toEqual({ metadata: { name: 'a', labels: { '{{name}}': 'x' } }, spec: { n: 3, list: ['a'] } });
  });

  it('flattens nested parameters to dotted keys, list items by index', () => {
    expect(flattenParams({ a: { b: 1, c: [true, { d: 'x' }] } })).toEqual({ 'a.b': '1', 'a.c.0': 'true', 'a.c.1.d': 'x' });
  });
});

describe('goTemplate', () => {
  it('missingkey=error fails on a key the parameters lack; the default prints <no value>', () => {
    expect(() => go('{{.nope}}', { a: 1 })).toThrow(/map has no entry for key "nope"/);
    expect(go('x{{.nope}}y', { a: 1 }, false)).toBe('x<no value>y');
    expect(go('{{.path.basename}}', { path: { basename: 'web' } })).toBe('web');
  });

  it('if / else if / else, with, range with index and value, variables, trim markers', () => {
    const t = '{{- if eq .env "prod" -}} P {{- else if eq .env "stg" -}} S {{- else -}} D {{- end -}}';
    expect([go(t, { env: 'prod' }), go(t, { env: 'stg' }), go(t, { env: 'x' })]).toEqual(['P', 'S', 'D']);
    expect(go('{{with .a}}{{.b}}{{else}}none{{end}}', { a: { b: 'in' } })).toBe('in');
    expect(go('{{range $i, $s := .path.segments}}{{$i}}={{$s}};{{end}}', { path: { segments: ['apps', 'web'] } })).toBe('0=apps;1=web;');
    expect(go('{{$n := .name}}{{range .l}}{{$n}}-{{.}} {{end}}', { name: 'x', l: [1, 2] })).toBe('x-1 x-2 ');
    expect(go('{{/* a comment */}}ok', {})).toBe('ok');
  });

  it('pipelines and the sprig functions ApplicationSets use', () => {
    expect(go('{{ .name | upper | quote }}', { name: 'web' })).toBe('"WEB"');
    expect(go('{{ .x | default "fallback" }}', { x: '' })).toBe('fallback');
    expect(go('{{ printf "%s-%d" .a .b }}', { a: 'n', b: 3 })).toBe('n-3');
    expect(go('{{ normalize .n }}', { n: 'My_Cluster.Prod!' })).toBe('my-cluster.prod');
    expect(go('{{ index .path.segments 1 }}', { path: { segments: ['a', 'b'] } })).toBe('b');
    expect(go('{{ trimPrefix "cluster-" .name }}', { name: 'cluster-eu' })).toBe('eu');
    expect(go('{{ .labels | toYaml }}', { labels: { a: 'b' } })).toBe('a: b');
    expect(go('{{ replace "." "-" .host }}', { host: 'a.b.c' })).toBe('a-b-c');
    expect(go('{{ len .l }} {{ join "," .l }}', { l: ['x', 'y'] })).toBe('2 x,y');
    expect(go('{{ if and (hasPrefix "prod" .env) (not .skip) }}yes{{ end }}', { env: 'prod-eu', skip: false })).toBe('yes');
    expect(go('{{ (index .values "replicas") }}', { values: { replicas: '3' } })).toBe('3');
  });

  it('names what it cannot do: a sprig function bosun does not implement, Argo CD\'s removed env, define', () => {
    expect(() => go('{{ semverCompare ">1" .v }}', { v: '2' })).toThrow(/sprig function "semverCompare" is not supported by bosun/);
    expect(() => go('{{ env "HOME" }}', {})).toThrow(/Argo CD removes it/);
    expect(() => go('{{ nosuch 1 }}', {})).toThrow(/function "nosuch" not defined/);
    expect(() => go('{{define "x"}}a{{end}}', {})).toThrow(/not supported/);
    expect(() => go('{{ if .a }}', { a: 1 })).toThrow(/missing/);
  });
});

describe('templatePatch', () => {
  it('merges maps, replaces lists, removes keys set to null', () => {
    const app = { spec: { source: { path: 'a', helm: { valueFiles: ['x'] } }, syncPolicy: { automated: {} } } };
    expect(mergePatch(app, { spec: { source: { helm: { valueFiles: ['y', 'z'] } }, syncPolicy: null } })).toEqual({ spec: { source: { path: 'a', helm: { valueFiles: ['y', 'z'] } } } });
  });
});

describe('Argo CD globs', () => {
  it('directory include/exclude (gobwas without separators): * crosses folders, {a,b} alternatives, classes', () => {
    expect(gobwasGlob('*.yaml').test('sub/dir/x.yaml')).toBe(true);
    expect(gobwasGlob('{deploy*,svc*}').test('deployment.yaml')).toBe(true);
    expect(gobwasGlob('{deploy*,svc*}').test('config.json')).toBe(false);
    expect(gobwasGlob('[!t]*.yaml').test('tests.yaml')).toBe(false);
    expect(gobwasGlob('test?/*').test('tests/a.yaml')).toBe(true);
    expect(gobwasGlob('{unclosed').test('{unclosed')).toBe(false);
  });

  it('git directories (Go path.Match): * stays within one folder', () => {
    expect(goPathMatch('addons/*').test('addons/web')).toBe(true);
    expect(goPathMatch('addons/*').test('addons/web/sub')).toBe(false);
    expect(goPathMatch('clusters/[a-c]*').test('clusters/b1')).toBe(true);
  });

  it('git files (git pathspec): * also matches across folders', () => {
    expect(gitPathspecGlob('teams/*/config.json').test('teams/a/b/config.json')).toBe(true);
    expect(gitPathspecGlob('config/**/cluster.json').test('config/prod/cluster.json')).toBe(true);
  });
});

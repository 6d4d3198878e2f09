import { describe, expect, it } from 'vitest';
import { substituteText } from '../../src/render/index.ts';
import { SubstitutionError } from '../../src/render/substitute.ts';

describe('Flux postBuild substitution', () => {
  const vars = { cluster: 'prod', region: 'eu-west-1', empty: '', multi: 'a\nb' };

  it('replaces ${VAR} and leaves $VAR without braces alone', () => {
    expect(substituteText('name: app-${cluster}\nother: $cluster', vars)).toBe('name: app-prod\nother: $cluster');
  });

  it('uses defaults for unset or empty variables with := :- and =', () => {
    expect(substituteText('${missing:=a} ${empty:-b} ${missing=c} ${cluster:=x}', vars)).toBe('a b c prod');
    expect(substituteText('${missing:=${region}-x}', vars)).toBe('eu-west-1-x');
  });

  it('turns unknown variables without default into empty strings', () => {
    expect(substituteText('v: "${nope}"', vars)).toBe('v: ""');
  });

  it('keeps $${VAR} as a literal ${VAR} and $$ as $', () => {
    expect(substituteText('a: $${cluster}\nb: cost$$5', vars)).toBe('a: ${cluster}\nb: cost$5');
  });

  it('removes newlines from values and supports length, case and substring forms', () => {
    expect(substituteText('${multi}', vars)).toBe('ab');
    expect(substituteText('${#region} ${cluster^^} ${region:0:2} ${region:3}', vars)).toBe('9 PROD eu west-1');
  });

  // fluxcd/pkg/envsubst (what kustomize-controller runs): forms that parse, and what it refuses.
  it('gives :+ and :? the default meaning, as Flux\'s envsubst does (value, else the default)', () => {
    expect(substituteText('${cluster:+x} ${missing:+x} ${missing:?dflt} ${empty:?e}', vars)).toBe('prod x dflt e');
  });

  it('removes prefixes and suffixes by glob, and replaces substrings', () => {
    const v = { image: 'ghcr.io/acme/web:1.2.3', path: 'a/b/c.tar.gz' };
    // Go's path.Match: `*` never crosses a `/`, so `##*/` stops at the first one too.
    expect(substituteText('${image#*/} ${image##*/} ${path%.*} ${path%%.*} ${path#a?}', v)).toBe('acme/web:1.2.3 acme/web:1.2.3 a/b/c.tar a/b/c a/b/c.tar.gz');
    expect(substituteText('${image/ghcr.io/mirror.local} ${path//\\//-} ${image/#ghcr/x} ${image/%1.2.3/2.0.0} ${path/b/}', v))
      .toBe('mirror.local/acme/web:1.2.3 a-b-c.tar.gz x.io/acme/web:1.2.3 ghcr.io/acme/web:2.0.0 a//c.tar.gz');
  });

  it('counts substring lengths from the end when negative; `:-3` is a default, not an offset', () => {
    expect(substituteText('${region:-3}|${region:0:-2}|${region:3:100}|${region:x}|${region:20}', vars)).toBe('eu-west-1|eu-west|west-1|eu-west-1|');
  });

  it('fails, as Flux does, on a ${ it cannot parse, naming the expression', () => {
    for (const bad of ['a: ${cluster', 'a: ${cluster-name}', 'a: ${ cluster }', 'a: ${}', 'a: ${@}', 'a: ${cluster/x}', 'a: ${cluster-}']) {
      expect(() => substituteText(bad, vars), bad).toThrow(SubstitutionError);
    }
    expect(() => substituteText('run: echo ${HOME:-/root} ${@}', vars)).toThrow('in `${@}`');
  });
});

import { describe, expect, it } from 'vitest';
import { substituteText } from '../../src/render/index.ts';

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

  it('leaves unterminated expressions as written', () => {
    expect(substituteText('a: ${cluster', vars)).toBe('a: ${cluster');
  });
});

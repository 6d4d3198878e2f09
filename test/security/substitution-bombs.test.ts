// Flux postBuild substitution runs in bosun's own process (render/substitute.ts), outside the render
// sandbox: what a pull request writes into substitute values and objects must not take the worker down.
// Each bomb ends in a SubstitutionError (the render fails with the file named, kustomize.ts), never a
// RangeError out of the stack or the heap.
import { describe, expect, it } from 'vitest';
import { substituteText, SubstitutionError } from '../../src/render/substitute.ts';

const mib = 1024 * 1024;

function failure(run: () => unknown): unknown {
  try {
    run();
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('Flux substitution bombs', () => {
  it('defaults nested 100,000 deep are refused, not a stack overflow', () => {
    const text = `data: "${'${X:='.repeat(100_000)}x${'}'.repeat(100_000)}"`;
    const e = failure(() => substituteText(text, {}));
    expect(e).toBeInstanceOf(SubstitutionError);
    expect((e as Error).message).toMatch(/nested more than \d+ levels/);
  });

  it('a 1 MiB value referenced 300 times (300 MiB from 1 MiB) is refused past the budget', () => {
    const e = failure(() => substituteText('${B}'.repeat(300), { B: 'b'.repeat(mib) }, undefined, { chars: 64 * mib }));
    expect(e).toBeInstanceOf(SubstitutionError);
    expect((e as Error).message).toMatch(/more than 64 MiB/);
  });

  it('a replacement that multiplies a value (1,000 matches × 1 MiB) is refused before it is built', () => {
    const e = failure(() => substituteText('${A//a/${B}}', { A: 'a'.repeat(1000), B: 'b'.repeat(mib) }));
    expect(e).toBeInstanceOf(SubstitutionError);
    expect((e as Error).message).toMatch(/more than 64 MiB/);
  });

  it('the budget is shared by the objects of one render: many objects each under it still stop', () => {
    const budget = { chars: 8 * mib };
    const one = () => substituteText('v: ${B}${B}', { B: 'b'.repeat(mib) }, undefined, budget);
    for (let i = 0; i < 3; i++) one();
    expect(failure(one)).toBeInstanceOf(SubstitutionError);
  });

  it('ordinary substitutions still work, nested defaults included', () => {
    expect(substituteText('a: ${X:=${Y:=deep}} b: ${Z//o/0}', { Z: 'foo' })).toBe('a: deep b: f00');
  });
});

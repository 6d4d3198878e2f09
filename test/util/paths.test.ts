// The repository path checks every reader of a path written in a file goes through (src/util/paths.ts).
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWithin, leavesRoot, resolveInRepo } from '../../src/util/paths.ts';

describe('repository paths', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bosun-paths-'));
    await mkdir(join(root, 'apps'));
    await symlink('/etc', join(root, 'apps', 'etc'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('leavesRoot: absolute paths and any that climb above the folder once normalized, not names that merely start with dots', () => {
    for (const path of ['..', '../x', 'a/../../x', './..', '/etc/passwd', 'a/b/../../../c']) expect(leavesRoot(path), path).toBe(true);
    for (const path of ['.', 'a', 'a/..', 'a/b/../c', '..a', '...', 'a/..b', './x']) expect(leavesRoot(path), path).toBe(false);
  });

  it('isWithin: the folder itself and what lies under it', () => {
    expect(isWithin('/repo', '/repo')).toBe(true);
    expect(isWithin('/repo', '/repo/a/b')).toBe(true);
    expect(isWithin('/repo', '/repo-other/a')).toBe(false);
    expect(isWithin('/repo', '/')).toBe(false);
  });

  it('resolveInRepo: refuses an absolute path, a climb and a symlink out of the repository, naming the file and field', () => {
    const from = { file: 'apps/app.yaml', line: 3, field: 'spec.path' };
    expect(() => resolveInRepo(root, '/etc/passwd', from)).toThrow(expect.objectContaining({ kind: 'path', file: 'apps/app.yaml', line: 3, field: 'spec.path', message: 'absolute path "/etc/passwd" is not allowed; paths are relative to the repository root' }));
    expect(() => resolveInRepo(root, 'apps/../../x', from)).toThrow('path "apps/../../x" escapes the repository');
    expect(() => resolveInRepo(root, 'apps/etc/passwd', from)).toThrow('path "apps/etc/passwd" is a symlink that points outside the repository');
    expect(resolveInRepo(root, 'apps/missing.yaml', from)).toBe(join(root, 'apps', 'missing.yaml'));
  });
});

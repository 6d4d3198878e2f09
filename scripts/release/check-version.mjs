#!/usr/bin/env node
// The release workflow's first step: the pushed tag (v1.2.3) must be the version package.json and the
// Helm chart (version and appVersion) carry, so the image, the chart and the npm package agree.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tag = process.argv[2] ?? '';
const version = tag.replace(/^v/, '');
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  process.stderr.write(`release: "${tag}" is not a version tag; push a tag like v1.2.3\n`);
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const chart = readFileSync(join(root, 'deploy', 'chart', 'Chart.yaml'), 'utf8');
const field = (name) => new RegExp(`^${name}:\\s*"?([^"\\s]+)"?\\s*$`, 'm').exec(chart)?.[1];
const found = { 'package.json version': pkg, 'deploy/chart/Chart.yaml version': field('version'), 'deploy/chart/Chart.yaml appVersion': field('appVersion') };
const wrong = Object.entries(found).filter(([, v]) => v !== version);
if (wrong.length > 0) {
  process.stderr.write(`release: tag ${tag} does not match ${wrong.map(([where, v]) => `${where} (${v})`).join(', ')}; set them all to ${version} in one commit and tag that commit\n`);
  process.exit(1);
}
process.stdout.write(`release ${version}: package.json and the chart agree\n`);

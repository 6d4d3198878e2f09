import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `.Capabilities.APIVersions.Has "monitoring.coreos.com/v1"` (also `$.Capabilities…`, single or back quotes). */
const hasCall = /\.Capabilities\.APIVersions\.Has\s+["'`]([^"'`\s]+)["'`]/g;
const maxFiles = 2000;
const maxBytes = 1024 * 1024;

/**
 * The API versions of custom resources a chart folder's templates (and its unpacked subcharts') ask helm
 * about: helm answers `.Capabilities.APIVersions.Has` from what it is given — Argo CD gives the destination
 * cluster's API versions (reposerver helmTemplate `APIVersions`), bosun's helm only the built-in ones, so an
 * object a chart renders only when a CRD's API exists (a ServiceMonitor) is in Argo CD's render and not
 * bosun's. Built-in groups (no dot, or `*.k8s.io`) are left out: helm knows them. Sorted, unique.
 */
export function customApiVersionsTested(chartDir: string): string[] {
  const found = new Set<string>();
  let files = 0;
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (files >= maxFiles) return;
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile() && /\.(ya?ml|tpl|txt)$/.test(e.name)) {
        files++;
        if (lstatSync(abs).size > maxBytes) continue;
        for (const m of readFileSync(abs, 'utf8').matchAll(hasCall)) if (isCustom(m[1])) found.add(m[1]);
      }
    }
  };
  walk(join(chartDir, 'templates'));
  walk(join(chartDir, 'charts'));
  return [...found].sort();
}

function isCustom(apiVersion: string): boolean {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return false;
  const group = apiVersion.slice(0, slash);
  return group.includes('.') && !group.endsWith('.k8s.io');
}

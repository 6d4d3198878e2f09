import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isKubeObject } from '../model/object.ts';
import type { KubeObject } from '../model/object.ts';
import { mapLimit } from '../util/limit.ts';
import { isCrd } from './crd-schema.ts';

const skippedDirs = new Set(['.git', 'node_modules']);
const maxFileBytes = 20 * 1024 * 1024;

async function yamlFiles(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  // Helm templates are not YAML until rendered; the chart's crds/ folder is plain YAML and is kept.
  const isChart = entries.some((e) => e.isFile() && e.name === 'Chart.yaml');
  for (const e of entries) {
    const path = join(dir, e.name);
    // Symlinks are not followed: they could point outside the repository.
    if (e.isDirectory()) {
      if (skippedDirs.has(e.name) || (isChart && e.name === 'templates')) continue;
      await yamlFiles(path, out);
    } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) {
      out.push(path);
    }
  }
}

function crdsIn(text: string): KubeObject[] {
  if (!text.includes('CustomResourceDefinition')) return [];
  const found: KubeObject[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch {
    return [];
  }
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) continue;
    try {
      const value: unknown = doc.toJS();
      if (isKubeObject(value) && isCrd(value)) found.push(value);
    } catch {
      // an unresolvable alias or similar: this document is not a usable CRD
    }
  }
  return found;
}

/**
 * Every CustomResourceDefinition committed anywhere in the repository, so custom resources validate
 * even when their CRD is installed by another environment. Unparsable files are skipped: reporting
 * them is the renderers' job, and only for files they actually render.
 */
export async function collectRepoCrds(root: string): Promise<KubeObject[]> {
  if (!existsSync(root)) return [];
  const files: string[] = [];
  await yamlFiles(root, files);
  files.sort();
  const perFile = await mapLimit(files, 16, async (file) => {
    try {
      if ((await stat(file)).size > maxFileBytes) return [];
      return crdsIn(await readFile(file, 'utf8'));
    } catch {
      return [];
    }
  });
  return perFile.flat();
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { BosunError } from '../model/errors.ts';
import { resolveInRepo } from '../util/paths.ts';
import { ConfigError } from './config-error.ts';
import { repoConfigSchema, type RepoConfig } from './schema.ts';
import { describeIssues, type SchemaIssue } from './schema-issues.ts';
import { checkSemantics } from './semantic-checks.ts';
import { formatPath, lineAt } from './yaml-location.ts';
import { yamlSyntaxError } from './yaml-syntax.ts';

/** Config file names, in the order they are looked for. */
export const repoConfigFiles = ['.bosun.yaml', '.bosun.yml'] as const;

export interface LoadedRepoConfig {
  config: RepoConfig;
  /** Repo-relative file name it was read from. */
  file: string;
  /** Line of each `environments[i]` entry, for `definedIn`. */
  environmentLines: Array<number | undefined>;
}

/**
 * Parses and validates config text. Throws `BosunError` kind 'yaml' for YAML syntax errors and
 * `ConfigError` (kind 'config', all problems with file, line and field) for everything else. With
 * `root`, paths are also checked against symlinks that leave the checkout.
 */
export function parseRepoConfig(text: string, opts: { file?: string; root?: string } = {}): LoadedRepoConfig {
  const file = opts.file ?? repoConfigFiles[0];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw yamlSyntaxError(doc.errors, lineCounter, file);
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (data === null || data === undefined) {
    throw new ConfigError([{ kind: 'config', file, line: 1, message: 'the file is empty; start it with `version: 1` and list `environments:`' }]);
  }

  const issues: SchemaIssue[] = [];
  const parsed = repoConfigSchema.safeParse(data);
  if (!parsed.success) issues.push(...describeIssues(parsed.error.issues, data, repoConfigSchema));
  issues.push(...checkSemantics(data, opts.root));
  if (!parsed.success || issues.length > 0) {
    throw new ConfigError(
      issues.map((issue) => ({
        kind: 'config',
        file,
        line: lineAt(doc.contents, lineCounter, issue.path, issue.key),
        field: formatPath(issue.key === undefined ? issue.path : [...issue.path, issue.key]) || undefined,
        message: issue.message,
      })),
    );
  }

  const environmentLines = (parsed.data.environments ?? []).map((_, i) => lineAt(doc.contents, lineCounter, ['environments', i]));
  return { config: parsed.data, file, environmentLines };
}

/** Reads the repo config at `root`; undefined when there is none. */
export async function readRepoConfig(root: string): Promise<LoadedRepoConfig | undefined> {
  for (const file of repoConfigFiles) {
    let text: string;
    try {
      // The file is in a pull request's head too: a symlink to a file of the machine must not be read.
      resolveInRepo(root, file);
    } catch (error) {
      if (!(error instanceof BosunError)) throw error;
      throw new ConfigError([{ kind: 'config', file, message: `${file} is a symlink that points outside the repository; commit the configuration file itself` }]);
    }
    try {
      text = await readFile(join(root, file), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new BosunError({ kind: 'config', file, message: `cannot read ${file}: ${(error as Error).message}` }, { cause: error });
    }
    return parseRepoConfig(text, { file, root });
  }
  return undefined;
}

/** The validated `.bosun.yaml` at `root`, or undefined when the repository has none. */
export async function loadRepoConfig(root: string): Promise<RepoConfig | undefined> {
  return (await readRepoConfig(root))?.config;
}

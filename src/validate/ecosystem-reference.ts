import { loadBuiltinSchemas } from './builtin-schemas.ts';

/**
 * The table of built-in ecosystem schemas in docs/plan-and-apply.md (`npm run docs`), from the generated schema file: each
 * project, the package and version its schemas come from, the upstream release, its API groups and kinds.
 */
export function ecosystemReferenceMarkdown(): string {
  const { projects, gaps } = loadBuiltinSchemas().ecosystem;
  const rows = projects.map((p) => `| ${p.project} | \`${p.package}@${p.version}\` | ${p.upstream} | ${p.groups.map((g) => `\`${g}\``).join(', ')} | ${p.kinds} |`);
  const missing = gaps.map((g) => `| ${g.project} | — | ${g.why} | ${g.groups.map((x) => `\`${x}\``).join(', ')} | 0 |`);
  return ['| project | package | generated from | API groups | kinds |', '| --- | --- | --- | --- | --- |', ...rows, ...missing].join('\n');
}

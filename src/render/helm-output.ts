import type { KubeObject } from '../model/object.ts';
import { RenderFailure } from './types.ts';
import { parseYamlDocuments, requireObjects } from './yaml-docs.ts';

/**
 * Reads `helm template` output one document at a time (ToolDocuments' parser, tool-documents.ts): each
 * document's template is its `# Source:` header — a template that emits several documents gets one header,
 * and the documents after it inherit it — mapped to a file by `fileOf` (undefined: before any header).
 * `make` builds what is pushed from each object, its file and its template.
 */
export function helmTemplateParser<T>(
  fileOf: (template: string | undefined) => string,
  make: (object: KubeObject, file: string, template: string | undefined) => T,
): (chunk: string, push: (item: T) => void) => void {
  let template: string | undefined;
  return (chunk, push) => {
    const header = /^# Source: (.+)$/m.exec(chunk);
    if (header) template = header[1].trim();
    const file = fileOf(template);
    const parsed = parseYamlDocuments(chunk, file);
    if (!parsed.ok) throw new RenderFailure({ ...parsed.error, kind: 'render', tool: 'helm', line: undefined, message: `template output is not valid YAML: ${parsed.error.message}` });
    const checked = requireObjects(parsed.docs, file, 'helm');
    if (!checked.ok) throw new RenderFailure({ ...checked.error, line: undefined, message: `template output: ${checked.error.message}` });
    for (const { object } of checked.objects) push(make(object, file, template));
  };
}

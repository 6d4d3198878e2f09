import type { LineCounter, YAMLError } from 'yaml';
import { BosunError } from '../model/errors.ts';

/**
 * A configuration file that is not YAML is one problem (the first syntax error, with its line): what the
 * parser reports after it mostly follows from it, and two dozen cascading messages hide the one to fix.
 */
export function yamlSyntaxError(errors: readonly YAMLError[], lineCounter: LineCounter, file: string): BosunError {
  const [first] = errors;
  const rest = errors.length - 1;
  const more = rest > 0 ? ` (the parser's ${rest} other message${rest > 1 ? 's' : ''} after this one probably follow${rest > 1 ? '' : 's'} from it)` : '';
  return new BosunError({ kind: 'config', file, line: lineCounter.linePos(first.pos[0]).line, message: `not valid YAML: ${first.message.split('\n')[0]}; fix the YAML syntax${more}` });
}

import {
  commandSpecs,
  commandVerbs,
  defaultPrefix,
  environmentNamePattern,
  isCommandVerb,
  maxEnvironmentNameLength,
  type CommandVerb,
  type InvalidCommand,
  type ParsedCommand,
} from './commands.ts';
import { tokenize } from './tokenize.ts';

export interface ParseOptions {
  /** What a command line starts with; matched case-insensitively. Default `/bosun`. */
  prefix?: string;
  /**
   * Commands after this many in one comment are not run (one `invalid` entry says so), so a pasted
   * wall of commands cannot flood the queue. Default 10.
   */
  maxCommands?: number;
}

/**
 * Finds the bosun commands in a PR comment: every line that starts with the prefix (after optional
 * whitespace) is one command, in order. Lines inside code fences, block quotes and HTML comments are
 * not commands: they are examples, replies quoting an earlier command, or hidden text.
 */
export function parseComment(body: string, opts: ParseOptions = {}): ParsedCommand[] {
  const prefix = (opts.prefix ?? defaultPrefix).trim();
  if (prefix.length === 0) throw new RangeError('the command prefix must not be empty');
  const maxCommands = opts.maxCommands ?? 10;
  const commands: ParsedCommand[] = [];
  let skipped = 0;
  let firstSkippedLine = 0;
  for (const { line, text } of commandLines(body, prefix)) {
    if (commands.length >= maxCommands) {
      if (skipped === 0) firstSkippedLine = line;
      skipped++;
      continue;
    }
    commands.push(parseCommandLine(text, prefix, line));
  }
  if (skipped > 0) {
    commands.push({
      kind: 'invalid',
      line: firstSkippedLine,
      text: `${skipped} more command${skipped === 1 ? '' : 's'}`,
      reason: `only the first ${maxCommands} commands of a comment are run; ${skipped} more were ignored: post them in another comment`,
    });
  }
  return commands;
}

interface Fence {
  char: string;
  length: number;
}

/** The lines addressed to bosun, with markdown code, quotes and HTML comments skipped. */
function* commandLines(body: string, prefix: string): Generator<{ line: number; text: string }> {
  const lines = body.split(/\r\n|\r|\n/);
  const lowerPrefix = prefix.toLowerCase();
  let fence: Fence | undefined;
  let inHtmlComment = false;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].trim();
    if (fence) {
      const close = /^(`{3,}|~{3,})\s*$/.exec(trimmed);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length) fence = undefined;
      continue;
    }
    if (inHtmlComment) {
      if (trimmed.includes('-->')) inHtmlComment = false;
      continue;
    }
    const open = /^(`{3,}|~{3,})(.*)$/.exec(trimmed);
    // A backtick "fence" whose info string has a backtick is inline code (CommonMark), not a fence.
    if (open && !(open[1][0] === '`' && open[2].includes('`'))) {
      fence = { char: open[1][0], length: open[1].length };
      continue;
    }
    if (trimmed.startsWith('<!--')) {
      inHtmlComment = !trimmed.slice(4).includes('-->');
      continue;
    }
    if (trimmed.startsWith('>')) continue;
    if (!trimmed.toLowerCase().startsWith(lowerPrefix)) continue;
    const after = trimmed.slice(prefix.length);
    // `/bosunx` is someone else's command, not ours.
    if (after.length > 0 && !/^\s/.test(after)) continue;
    yield { line: i + 1, text: trimmed };
  }
}

function parseCommandLine(text: string, prefix: string, line: number): ParsedCommand {
  const invalid = (reason: string): InvalidCommand => ({ kind: 'invalid', line, text, reason });
  const words = tokenize(text.slice(prefix.length));
  if (!words.ok) return invalid(words.reason);
  if (words.tokens.length === 0) return { kind: 'help', line, text };

  const [verbWord, ...rest] = words.tokens;
  const verb = verbWord.toLowerCase();
  if (!isCommandVerb(verb)) {
    const suggestion = closestVerb(verb);
    return invalid(`unknown command "${verbWord}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`);
  }
  const spec = commandSpecs[verb];
  const flags = new Set<string>();
  const envs: string[] = [];
  for (const word of rest) {
    if (word.startsWith('-') && word.length > 1) {
      const name = word.startsWith('--') ? word.slice(2) : '';
      if (!spec.flags.includes(name)) {
        const allowed = spec.flags.length > 0 ? `; ${verb} accepts ${spec.flags.map((f) => `--${f}`).join(', ')}` : `; ${verb} takes no flags`;
        return invalid(`unknown flag "${word}"${allowed}`);
      }
      flags.add(name);
      continue;
    }
    if (word.length > maxEnvironmentNameLength || !environmentNamePattern.test(word)) {
      return invalid(`"${word}" is not an environment name: names use letters, digits, ".", "_", "-" and "/", start with a letter or digit and have at most ${maxEnvironmentNameLength} characters`);
    }
    if (!envs.includes(word)) envs.push(word);
  }

  if (spec.args === 'none' && envs.length > 0) return invalid(`${verb} takes no arguments`);
  if (spec.args === 'env' && envs.length !== 1) {
    return invalid(envs.length === 0 ? `${verb} needs an environment: ${prefix} ${spec.usage}` : `${verb} takes exactly one environment, got ${envs.length}: ${envs.join(', ')}`);
  }
  return build(verb, { line, text, envs, flags });
}

function build(verb: CommandVerb, p: { line: number; text: string; envs: string[]; flags: Set<string> }): ParsedCommand {
  const { line, text } = p;
  switch (verb) {
    case 'help':
      return { kind: 'help', line, text };
    case 'plan':
      return { kind: 'plan', line, text, envs: p.envs };
    case 'apply':
      return { kind: 'apply', line, text, env: p.envs[0], forceConflicts: p.flags.has('force-conflicts'), prune: p.flags.has('prune') };
    case 'unlock':
      return { kind: 'unlock', line, text, env: p.envs[0] };
    case 'rollback':
      return { kind: 'rollback', line, text, env: p.envs[0], now: p.flags.has('now') };
    case 'sync':
      return { kind: 'sync', line, text, env: p.envs[0], prune: p.flags.has('prune') };
    case 'drift':
      return { kind: 'drift', line, text, env: p.envs[0] };
  }
}

/** A verb within two edits of what was typed (`aply`, `plna`), if exactly one is that close. */
function closestVerb(word: string): string | undefined {
  const close = commandVerbs.filter((verb) => editDistance(word, verb) <= 2);
  return close.length === 1 ? close[0] : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

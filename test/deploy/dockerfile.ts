// A small Dockerfile reader for the image tests: enough of the syntax for bosun's own Dockerfile (stages,
// line continuations, flags, JSON-form ENTRYPOINT/CMD, `ENV k=v` pairs), not a general parser.

export interface Instruction {
  /** Upper-case keyword: FROM, COPY, RUN, ENV… */
  keyword: string;
  /** `--name=value` flags before the arguments (`--from=build`, `--mount=…`). */
  flags: Record<string, string>;
  /** The rest of the line, continuations joined. */
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!;
    if (/^\s*(#|$)/.test(logical)) continue;
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i]!)) continue;
      logical = `${logical.slice(0, -1)} ${lines[i]!.trim()}`;
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(logical);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read "${logical}"`);
    let rest = m[2]!.trim();
    const flags: Record<string, string> = {};
    for (let f = /^--([\w-]+)=(\S+)\s+/.exec(rest); f; f = /^--([\w-]+)=(\S+)\s+/.exec(rest)) {
      flags[f[1]!] = f[2]!;
      rest = rest.slice(f[0].length);
    }
    instructions.push({ keyword: m[1]!.toUpperCase(), flags, args: rest.replace(/\s+/g, ' '), line: start + 1 });
  }
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [base, as, name] = ins.args.split(' ');
      stages.push({ name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), base: base!, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return stages;
}

/** COPY sources and destination (shell form only; bosun's Dockerfile uses no JSON-form COPY). */
export function copyArgs(ins: Instruction): { sources: string[]; dest: string } {
  const parts = ins.args.split(' ');
  return { sources: parts.slice(0, -1), dest: parts[parts.length - 1]! };
}

/** `ENV a=1 b=2` → { a: '1', b: '2' } (no quoting: bosun's values have no spaces). */
export function envPairs(ins: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of ins.args.split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export function only(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

export function last(stage: Stage, keyword: string): Instruction | undefined {
  return only(stage, keyword).at(-1);
}

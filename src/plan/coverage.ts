import { checkoutReader, classifyGitOpsFiles, type ContentVerdict } from '../discover/gitops-files.ts';
import type { VerdictRecorder } from './content-verdicts.ts';
import { computeCoverage, withChangedReads, withDeployingEnvironments, type CoverageEnvironment } from '../discover/coverage.ts';
import type { EnvInputs } from '../discover/index.ts';
import type { Coverage, DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';
import { mapLimit } from '../util/limit.ts';

export interface CoverageSideInput {
  /** The checkout. */
  dir: string;
  /** Every file of the commit (its git tree). */
  paths: readonly string[];
  envs: ReadonlyMap<string, Environment>;
  notes: readonly DiscoveryNote[];
}

/**
 * The plan's `coverage` and `discovery`: every GitOps file at head either read by an environment or
 * listed with why not, plus the files the change deletes that no environment read; and the head's
 * discovery notes with the environments that deploy each object. `inputsOf` gives an environment's
 * inputs (undefined when they could not be analysed); it is called for every environment, not only
 * those planned, since coverage is about the whole repository.
 */
export async function planCoverage(args: {
  base: CoverageSideInput;
  head: CoverageSideInput;
  changed: readonly string[];
  inputsOf: (side: 'base' | 'head', env: Environment) => Promise<EnvInputs | undefined>;
  /** Coverage verdicts already known at head (plan/content-verdicts.ts), and where to record them. */
  headVerdicts?: { known?: (path: string) => ContentVerdict | undefined; recorder?: VerdictRecorder };
}): Promise<{ coverage: Coverage; discovery: DiscoveryNote[] }> {
  const { base, head, changed } = args;
  const environments = async (side: 'base' | 'head', input: CoverageSideInput): Promise<CoverageEnvironment[]> =>
    mapLimit([...input.envs.values()], 16, async (env) => {
      const inputs = await args.inputsOf(side, env);
      return { name: env.name, path: env.path, ...(inputs ? { inputs } : {}) };
    });
  const headEnvs = await environments('head', head);
  const readFolders = (notes: readonly DiscoveryNote[]) => notes.filter((n) => n.status !== 'info').flatMap((n) => n.reads ?? []);
  const recorder = args.headVerdicts?.recorder;
  const known = recorder ? recorder.through(args.headVerdicts?.known) : args.headVerdicts?.known;
  const headFiles = classifyGitOpsFiles(head.paths, checkoutReader(head.dir), { readFolders: readFolders(head.notes), ...(known ? { known } : {}), ...(recorder ? { onVerdict: recorder.record } : {}) });
  const atHead = new Set(head.paths);
  const gone = changed.filter((file) => !atHead.has(file));
  // Only the deleted files are classified on the base side; its whole tree tells which folders are charts.
  const baseFiles = gone.length > 0 ? classifyGitOpsFiles(base.paths, checkoutReader(base.dir), { only: new Set(gone), readFolders: readFolders(base.notes) }) : [];
  const coverage = computeCoverage({
    head: { files: headFiles, environments: headEnvs, notes: head.notes },
    ...(baseFiles.length > 0 ? { base: { files: baseFiles, environments: await environments('base', base), notes: base.notes } } : {}),
    changed,
  });
  return { coverage, discovery: withChangedReads(withDeployingEnvironments(head.notes, headEnvs), changed) };
}

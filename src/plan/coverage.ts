import { checkoutReader, classifyGitOpsFiles, type ContentVerdict } from '../discover/gitops-files.ts';
import type { VerdictRecorder } from './content-verdicts.ts';
import { computeCoverage, uncoveredGitOpsFolders, withChangedReads, withDeployingEnvironments, type CoverageEnvironment, type CoverageSide } from '../discover/coverage.ts';
import { uncoveredKustomizationReads } from '../discover/coverage-reads.ts';
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
      const definedBy = [...(env.definedIn?.file ? [env.definedIn.file] : []), ...(env.definedByFiles ?? [])];
      return { name: env.name, path: env.path, ...(inputs ? { inputs } : {}), ...(definedBy.length ? { definedBy } : {}) };
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
  // Files of GitOps folders no environment covers count whatever their type, and so does what their
  // kustomizations read elsewhere (a generator's .env): walked here, on the checkout.
  const side = (input: CoverageSideInput, files: CoverageSide['files'], envs: CoverageEnvironment[]): CoverageSide => {
    const withPaths = { files, environments: envs, notes: input.notes, paths: input.paths };
    return { ...withPaths, folderReads: uncoveredKustomizationReads(input.dir, uncoveredGitOpsFolders(withPaths)) };
  };
  const coverage = computeCoverage({
    head: side(head, headFiles, headEnvs),
    ...(gone.length > 0 ? { base: side(base, baseFiles, await environments('base', base)) } : {}),
    changed,
  });
  return { coverage, discovery: withChangedReads(withDeployingEnvironments(head.notes, headEnvs), changed) };
}

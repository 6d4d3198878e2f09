// Dependencies run one way down (README "Architecture"): model ← core (discover, render, validate, diff,
// plan, report) ← adapters (cluster, git, github, locks, jobs, charts, drift…) ← the webhook app, the
// server and the workers (queue/) ← the CLI. A folder imports only from folders below it; these rules make
// `npm run lint` fail when one does not (test/lint/layers.test.ts shows a forbidden import failing).
// Inside queue/: the worker runtime (queue/*.ts) → the workflows' registry (queue/workflows/index.ts) → the
// workflows (queue/workflows/<name>/), which import the library and, of the runtime, only queue/contract.ts.
// Specifiers are relative paths, matched by regular expression.
// Beside the layers: only test/ imports test/. What benchmarks, scripts and tests share (the GitHub stand-in,
// the test cluster, repository builders) lives in testkit/, which imports the product, never test/.

const noTest = { regex: '^(\\./|(\\.\\./)+)test/', message: 'only test/ imports test/: move what you need to testkit/ (shared with bench/ and scripts/) and import it from there' };

const restrict = (files, patterns, ignores = []) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, noTest] }] },
});

const adapters = 'cluster|jobs|github|locks|drift|server|dashboard|cli|setup|chatops|rollback';

const entryPoints = [
  { regex: '^(\\.\\./)+cli/', message: 'nothing imports the CLI: move what you need below it (src/model, src/cluster, src/github…)' },
  { regex: '^(\\.\\./)+server/', message: 'only the CLI starts the server' },
  { regex: '^(\\.\\./)+app\\.ts$', message: 'the webhook app is an entry point; shared names live in src/github/names.ts' },
  { regex: '(^|/)queue/', message: 'only the CLI starts the workers' },
];
const core = [
  { regex: `^(\\.\\./)+(${adapters})/`, message: 'the core (discover, render, validate, diff, plan, report) does not import adapters, jobs or entry points; pass what it needs in (a hook, a value) from the caller' },
  { regex: '^(\\.\\./)+(app|jobs|metrics)\\.ts$', message: 'the core does not import the webhook app, job contracts or metrics' },
];
const coreFolders = 'src/{discover,render,validate,diff,plan,report}/**/*.ts';

const workers = [
  { regex: '/src/cli/', message: 'the workers do not import the CLI: move what you need below it' },
  { regex: '/src/app\\.ts$', message: 'the workers do not import the webhook app; shared names live in src/github/names.ts' },
];

// The product's workflows (queue/workflows/<name>/) and which others each may import: the documented
// directions (docs/architecture.md). The apply path is the bottom one; the plan stands alone.
const workflowDirections = { plan: [], apply: [], reconcile: ['apply'], push: ['apply', 'reconcile'], commands: ['apply'] };
// A worker runtime file seen from one folder below it: any `<file>.ts` of queue/ but its contract.
const runtimeFile = '(?!contract\\.ts$)[^./][^/]*$';
const runtimeMessage = 'a workflow imports from the worker runtime (queue/) only its contract, queue/contract.ts: the runtime calls the workflows through their registry, never the other way';
const workflowRules = (name, allowed) => [
  ...workers,
  { regex: `^\\.\\./\\.\\./${runtimeFile}`, message: runtimeMessage },
  { regex: '^\\.\\./index\\.ts$', message: 'a workflow does not import the registry (queue/workflows/index.ts): the registry imports the workflows' },
  {
    regex: allowed.length ? `^\\.\\./(?!(${allowed.join('|')})/)[^./][^/]*/` : '^\\.\\./[^./][^/]*/',
    message: allowed.length
      ? `of the other workflows, the ${name} workflow imports only ${allowed.join(' and ')} (the documented direction, eslint.layers.js workflowDirections)`
      : `${name === '*' ? 'a workflow not listed in workflowDirections' : `the ${name} workflow`} imports no other workflow (eslint.layers.js workflowDirections); what two share belongs below them, in src/`,
  },
];

// One block per file group (a later block's options for the same rule would replace an earlier one's).
export const layerRules = [
  // Everything outside test/ (first: the blocks below replace its options for their files and repeat noTest).
  restrict(['**/*.{ts,mts,js,mjs}'], [], ['test/**']),
  {
    files: ['**/*.{ts,mts,js,mjs}'],
    ignores: ['test/**'],
    rules: { 'no-restricted-syntax': ['error', { selector: `ImportExpression > Literal[value=/${noTest.regex.replaceAll('/', '\\/')}/]`, message: noTest.message }] },
  },
  // The model is the bottom: plain types and pure rules, importing nothing outside itself.
  restrict(['src/model/**/*.ts'], [{ regex: '^\\.\\./', message: 'src/model is the bottom layer: it imports nothing from other folders (README "Architecture")' }]),
  // The pure core never reaches for a cluster, a queue, GitHub or the entry points.
  restrict([coreFolders], [...core, ...entryPoints]),
  // Nothing below the entry points imports them.
  restrict(['src/**/*.ts'], entryPoints, ['src/model/**', coreFolders, 'src/cli/**', 'src/server/**', 'src/app.ts']),
  // The workers use the library, never the CLI or the webhook entry point.
  restrict(['queue/**/*.ts'], workers),
  // The worker runtime (queue/*.ts) reaches the product's workflows only through their registry.
  restrict(['queue/*.ts'], [...workers, { regex: '^\\./workflows/(?!index\\.ts$)', message: 'the worker runtime reaches the workflows only through their registry (queue/workflows/index.ts), which maps a job name to its workflow' }]),
  // The registry imports the workflows and, of the runtime, only its contract.
  restrict(['queue/workflows/*.ts'], [...workers, { regex: `^\\.\\./${runtimeFile}`, message: runtimeMessage }]),
  // A workflow folder: below the runtime, and one way between workflows (a new folder imports no other).
  ...[['*', []], ...Object.entries(workflowDirections)].map(([name, allowed]) => restrict([`queue/workflows/${name}/**/*.ts`], workflowRules(name, allowed))),
];

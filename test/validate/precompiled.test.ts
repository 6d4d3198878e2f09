import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinSchemasPath, currentStamp, generatePrecompiledValidators, precompiledPath, readPrecompiledManifest } from '../../src/validate/schema-gen/index.ts';
import { generatorCodeDir } from '../../src/validate/schema-gen/stamp.ts';
import type { RenderedObject } from '../../src/model/object.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { createSchemaEngine } from '../../src/validate/engine.ts';
import { createBuiltinSource, createValidator } from '../../src/validate/index.ts';
import type { SchemaLookup } from '../../src/validate/index.ts';
import { rendered } from './support.ts';

const valid = rendered('valid.yaml', `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop, labels: { app: web }, creationTimestamp: null }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 25%, maxUnavailable: 1 } }
  template:
    metadata: { labels: { app: web } }
    spec:
      restartPolicy: Always
      containers:
        - name: web
          image: nginx:1.27
          imagePullPolicy: IfNotPresent
          ports: [{ containerPort: 8080, protocol: TCP }]
          resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { cpu: 1 } }
          readinessProbe: { httpGet: { path: /healthz, port: http } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }, { name: admin, port: 9000, targetPort: admin }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: shop }
data: { LOG_LEVEL: info }
binaryData: { blob: aGVsbG8= }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly, namespace: shop }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{ name: job, image: busybox }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: reader }
rules: [{ apiGroups: [""], resources: [pods], verbs: [get, list] }]
`);

const invalid = rendered('invalid.yaml', `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop, creationTimestamp: yesterday }
spec:
  replica: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      restartPolicy: Sometimes
      containers:
        - image: nginx:1.27
          imagePullPolicy: Sometimes
          ports: [{ containerPort: "8080", protocol: TCPX }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  ports: [{ port: 80, targetPort: [8080] }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: shop }
binaryData: { blob: "not base64!" }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly, namespace: shop }
spec:
  jobTemplate: { spec: { template: { spec: { containers: [{ name: job }] } } } }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: reader }
rules: [{ verbs: get }]
`);

const kinds = [['apps/v1', 'Deployment'], ['v1', 'Service'], ['v1', 'ConfigMap'], ['batch/v1', 'CronJob'], ['rbac.authorization.k8s.io/v1', 'ClusterRole']] as const;

function schemaOf(found: SchemaLookup) {
  if (found?.found !== 'schema') throw new Error(`expected a schema, got ${JSON.stringify(found)}`);
  return found.schema;
}

// A copy of the installed .cache/schemas in a temp folder, to alter without touching the real one.
function copyOfCache(): string {
  const root = mkdtempSync(join(tmpdir(), 'bosun-precompiled-'));
  cpSync(join(projectRoot, builtinSchemasPath), join(root, builtinSchemasPath));
  cpSync(join(projectRoot, precompiledPath), join(root, precompiledPath), { recursive: true });
  return root;
}

describe('precompiled built-in validators', () => {
  const roots: string[] = [];
  beforeAll(() => {
    // What postinstall does; a no-op when the install already did it.
    generatePrecompiledValidators();
  }, 120_000);
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('are generated for every served built-in kind, stamped, and a rerun is a no-op', () => {
    const manifest = readPrecompiledManifest();
    expect(manifest?.stamp).toBe(currentStamp());
    const builtin = JSON.parse(readFileSync(join(projectRoot, builtinSchemasPath), 'utf8')) as { kinds: Record<string, { ref: string }>; ecosystem: { kinds: Record<string, { ref: string }> } };
    // Kubernetes kinds and the ecosystem's custom resources (Flux, cert-manager…) alike.
    const servedRefs = [...new Set([...Object.values(builtin.kinds), ...Object.values(builtin.ecosystem.kinds)].map((k) => k.ref))].sort();
    expect(manifest?.refs).toEqual(servedRefs);
    for (const ref of ['V1Deployment', 'V1Service', 'V1ConfigMap', builtin.ecosystem.kinds['kustomize.toolkit.fluxcd.io/v1/Kustomization'].ref]) expect(existsSync(join(projectRoot, precompiledPath, `${ref}.cjs`))).toBe(true);
    expect(generatePrecompiledValidators().written).toBe(false);
  });

  it('are what checks built-in kinds: a doctored validator file changes the verdict', () => {
    const root = copyOfCache();
    roots.push(root);
    writeFileSync(join(root, precompiledPath, 'V1ConfigMap.cjs'), 'module.exports = function rejectEverything() { return false; };\n');
    const engine = createSchemaEngine({ root });
    const configMap = schemaOf(createBuiltinSource(engine).lookup('v1', 'ConfigMap'));
    expect(configMap.precompiled).toBe(true);
    expect(configMap.check(valid[2].object)).toBe(false);
    // The untouched Deployment validator from the same folder still accepts a valid Deployment.
    expect(engine.builtinDefinition('V1Deployment').check(valid[0].object)).toBe(true);
  });

  it('give the same verdicts and findings as compiling at run time, for valid and invalid objects', () => {
    const precompiledEngine = createSchemaEngine();
    const runtimeEngine = createSchemaEngine({ precompiled: false });
    const fast = createBuiltinSource(precompiledEngine);
    const slow = createBuiltinSource(runtimeEngine);
    for (const [apiVersion, kind] of kinds) {
      expect(schemaOf(fast.lookup(apiVersion, kind)).precompiled, kind).toBe(true);
      expect(schemaOf(slow.lookup(apiVersion, kind)).precompiled, kind).toBe(false);
    }
    const verdicts = (source: typeof fast, objects: RenderedObject[]) =>
      objects.map((o) => schemaOf(source.lookup(o.object.apiVersion as string, o.object.kind as string)).check(o.object));
    expect(verdicts(fast, valid)).toEqual([true, true, true, true, true]);
    expect(verdicts(fast, invalid)).toEqual([false, false, false, false, false]);
    expect(verdicts(slow, valid)).toEqual(verdicts(fast, valid));
    expect(verdicts(slow, invalid)).toEqual(verdicts(fast, invalid));

    // The default validator uses the process-wide engine (precompiled); a source listed in `sources` is
    // consulted before the built-ins, so this one validates the same objects with run-time compiled schemas.
    const withPrecompiled = createValidator();
    const withRuntime = createValidator({ sources: [slow] });
    expect(withPrecompiled.validate(valid)).toEqual([]);
    expect(withRuntime.validate(valid)).toEqual([]);
    const findings = withPrecompiled.validate(invalid);
    expect(withRuntime.validate(invalid)).toEqual(findings);
    expect(findings.map((f) => `${f.object} ${f.path}`)).toEqual([
      'apps/v1 Deployment shop/web /metadata/creationTimestamp',
      'apps/v1 Deployment shop/web /spec/replica',
      'apps/v1 Deployment shop/web /spec/template/spec/containers/0',
      'apps/v1 Deployment shop/web /spec/template/spec/containers/0/imagePullPolicy',
      'apps/v1 Deployment shop/web /spec/template/spec/containers/0/ports/0/containerPort',
      'apps/v1 Deployment shop/web /spec/template/spec/containers/0/ports/0/protocol',
      'apps/v1 Deployment shop/web /spec/template/spec/restartPolicy',
      'v1 Service shop/web /spec/ports/0/targetPort',
      'v1 ConfigMap shop/settings /binaryData/blob',
      'batch/v1 CronJob shop/nightly /spec',
      'rbac.authorization.k8s.io/v1 ClusterRole reader /rules/0/verbs',
    ]);
  });

  it('are not used when missing or made for other package versions: schemas compile at run time instead', () => {
    const stale = copyOfCache();
    const missing = copyOfCache();
    roots.push(stale, missing);
    const manifestFile = join(stale, precompiledPath, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { stamp: string };
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, stamp: `${manifest.stamp} (older)` }));
    rmSync(join(missing, precompiledPath), { recursive: true });
    for (const root of [stale, missing]) {
      const deployment = createSchemaEngine({ root }).builtinDefinition('V1Deployment');
      expect(deployment.precompiled).toBe(false);
      expect(deployment.check(valid[0].object)).toBe(true);
      expect(deployment.check(invalid[0].object)).toBe(false);
    }
  });
});

describe('the generator code a stamp hashes', () => {
  it('is the TypeScript sources for a checkout\'s own build, so dist/ uses what npm ci generated; the compiled code where there are no sources', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bosun-stamp-'));
    try {
      const built = join(root, 'dist', 'src', 'validate', 'schema-gen');
      await mkdir(built, { recursive: true });
      await writeFile(join(built, 'stamp.js'), '');
      // An installed package: only the build.
      expect(generatorCodeDir(built)).toBe(built);
      // A checkout with its build: the sources npm ci's generation hashed.
      const sources = join(root, 'src', 'validate', 'schema-gen');
      await mkdir(sources, { recursive: true });
      await writeFile(join(sources, 'stamp.ts'), '');
      expect(generatorCodeDir(built)).toBe(sources);
      expect(generatorCodeDir(sources)).toBe(sources);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

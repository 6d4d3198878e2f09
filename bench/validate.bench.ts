// Benchmark: offline schema validation throughput on one core (Node runs the validator on one thread)
// after warm-up, on a realistic mix of Deployments, Services and ConfigMaps.
import { createValidator } from '../src/validate/index.ts';
import type { RenderedObject } from '../src/model/object.ts';

function objects(n: number): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (let i = 0; i < n; i++) {
    const name = `app-${i}`;
    const ns = `team-${i % 10}`;
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'bench' };
    switch (i % 3) {
      case 0:
        out.push({ source: { file: `apps/${name}/deployment.yaml`, line: 1 }, object: {
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns, labels },
          spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: {
            containers: [{ name: 'app', image: `registry.example.com/${name}:1.${i}`, imagePullPolicy: 'IfNotPresent',
              ports: [{ containerPort: 8080, protocol: 'TCP' }], resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
              env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }],
          } } },
        } });
        break;
      case 1:
        out.push({ source: { file: `apps/${name}/service.yaml`, line: 1 }, object: {
          apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels },
          spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
        } });
        break;
      default:
        out.push({ source: { file: `apps/${name}/configmap.yaml`, line: 1 }, object: {
          apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { 'app.yaml': `name: ${name}\n`, LEVEL: 'info' },
        } });
    }
  }
  return out;
}

export async function benchValidate(): Promise<Record<string, unknown>> {
  const validator = createValidator({});
  const warm = objects(3000);
  for (let i = 0; i < 3; i++) validator.validate(warm);
  const batch = objects(60_000);
  const started = performance.now();
  const findings = validator.validate(batch);
  const ms = performance.now() - started;
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) throw new Error(`benchmark objects should be valid; first error: ${JSON.stringify(errors[0])}`);
  return {
    benchmark: 'validation throughput, one core, after warm-up',
    objects: batch.length,
    ms: Math.round(ms),
    objectsPerSecond: Math.round(batch.length / (ms / 1000)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchValidate()));
}

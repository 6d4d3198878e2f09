import { describe, expect, it } from 'vitest';
import { createValidator } from '../../src/validate/index.ts';
import type { RenderedObject } from '../../src/model/object.ts';
import { rendered } from './support.ts';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: web
  labels: { app: frontend }
  creationTimestamp: null
spec:
  replicas: 3
  selector:
    matchLabels: { app: frontend }
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 25%, maxUnavailable: 1 }
  template:
    metadata:
      labels: { app: frontend }
    spec:
      restartPolicy: Always
      containers:
        - name: web
          image: nginx:1.27
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 8080
              protocol: TCP
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 1, memory: 512Mi }
          readinessProbe:
            httpGet: { path: /healthz, port: http }
          livenessProbe:
            tcpSocket: { port: 8080 }
          env:
            - name: MODE
              value: production
status: {}
`;

const others = `apiVersion: v1
kind: Service
metadata: { name: frontend, namespace: web }
spec:
  type: ClusterIP
  selector: { app: frontend }
  ports:
    - { name: http, port: 80, targetPort: 8080, protocol: TCP }
    - { name: admin, port: 9000, targetPort: admin }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: web }
data:
  LOG_LEVEL: info
binaryData:
  blob: aGVsbG8=
---
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: web }
type: Opaque
data:
  password: c2VjcmV0
stringData:
  user: admin
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: frontend, namespace: web, annotations: { kubernetes.io/ingress.class: nginx } }
spec:
  ingressClassName: nginx
  tls: [{ hosts: [example.com], secretName: tls }]
  rules:
    - host: example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: frontend, port: { number: 80 } } }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: web }
spec:
  serviceName: db
  replicas: 1
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      containers:
        - name: postgres
          image: postgres:16
          volumeMounts: [{ name: data, mountPath: /var/lib/postgresql/data }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec:
        accessModes: [ReadWriteOnce]
        resources: { requests: { storage: 10Gi } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: cache, namespace: web }
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: standard
  volumeMode: Filesystem
  resources: { requests: { storage: 1Gi } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-frontend, namespace: web }
spec:
  podSelector: { matchLabels: { app: db } }
  policyTypes: [Ingress]
  ingress:
    - from: [{ podSelector: { matchLabels: { app: frontend } } }]
      ports: [{ protocol: TCP, port: 5432 }]
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: frontend, namespace: web }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: read-config, namespace: web }
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: read-config, namespace: web }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-config }
subjects: [{ kind: ServiceAccount, name: frontend, namespace: web }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: viewer }
rules: [{ nonResourceURLs: [/healthz], verbs: [get] }]
---
apiVersion: v1
kind: Namespace
metadata: { name: web }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: cleanup, namespace: web }
spec:
  schedule: "0 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{ name: cleanup, image: busybox, args: [sh, -c, "echo hi"] }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: frontend, namespace: web }
spec:
  minAvailable: 50%
  selector: { matchLabels: { app: frontend } }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: frontend, namespace: web }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: frontend }
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
`;

/** The Deployment above with one change applied to its parsed form. */
function deploymentWith(change: (d: Record<string, any>) => void): RenderedObject[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const objs = rendered('apps/frontend/deployment.yaml', deployment);
  change(objs[0].object as Record<string, unknown>);
  return objs;
}

const errorsOf = (objs: RenderedObject[]) => createValidator().validate(objs).filter((f) => f.severity === 'error');
const container = (d: Record<string, any>) => d.spec.template.spec.containers[0]; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('built-in kinds', () => {
  it('accepts valid Deployment, Service, ConfigMap, Secret, Ingress, StatefulSet, PVC, NetworkPolicy, RBAC, CronJob, PDB and HPA objects', () => {
    const objs = [...rendered('apps/frontend/deployment.yaml', deployment), ...rendered('apps/frontend/others.yaml', others)];
    expect(objs).toHaveLength(16);
    expect(createValidator().validate(objs)).toEqual([]);
  });

  it('names an unknown field, points at it, and suggests the field that was probably meant', () => {
    const findings = errorsOf(deploymentWith((d) => {
      d.spec.replica = 2;
    }));
    expect(findings).toEqual([{
      severity: 'error',
      file: 'apps/frontend/deployment.yaml',
      line: 1,
      object: 'apps/v1 Deployment web/frontend',
      path: '/spec/replica',
      message: 'unknown field "replica" (did you mean "replicas"?)',
    }]);
  });

  it('rejects unknown fields deep inside the pod template and in metadata', () => {
    const findings = errorsOf(deploymentWith((d) => {
      container(d).imagePolicy = 'Always';
      d.metadata.label = { a: 'b' };
    }));
    expect(findings.map((f) => [f.path, f.message])).toEqual(expect.arrayContaining([
      ['/spec/template/spec/containers/0/imagePolicy', 'unknown field "imagePolicy"'],
      ['/metadata/label', 'unknown field "label" (did you mean "labels"?)'],
    ]));
  });

  it('reports a wrong type with the expected type and without echoing the value', () => {
    const findings = errorsOf(deploymentWith((d) => {
      d.spec.replicas = '3';
    }));
    expect(findings.map((f) => [f.path, f.message])).toEqual([['/spec/replicas', 'expected integer, got string']]);
  });

  it('rejects values outside an enum and lists the allowed ones', () => {
    const findings = errorsOf(deploymentWith((d) => {
      container(d).imagePullPolicy = 'Sometimes';
      container(d).ports[0].protocol = 'TCPX';
      d.spec.template.spec.restartPolicy = 'Sometimes';
    }));
    expect(findings.map((f) => [f.path, f.message])).toEqual([
      ['/spec/template/spec/containers/0/imagePullPolicy', 'unsupported value "Sometimes"; allowed: Always, IfNotPresent, Never'],
      ['/spec/template/spec/containers/0/ports/0/protocol', 'unsupported value "TCPX"; allowed: SCTP, TCP, UDP'],
      ['/spec/template/spec/restartPolicy', 'unsupported value "Sometimes"; allowed: Always, Never, OnFailure'],
    ]);
  });

  it('reports a missing required field on the object that lacks it', () => {
    const findings = errorsOf(deploymentWith((d) => {
      delete container(d).name;
      delete d.spec.selector;
    }));
    expect(findings.map((f) => [f.path, f.message])).toEqual([
      ['/spec', 'missing required field "selector"'],
      ['/spec/template/spec/containers/0', 'missing required field "name"'],
    ]);
  });

  it('accepts int-or-string fields as numbers and as strings, and rejects other types', () => {
    expect(errorsOf(deploymentWith((d) => {
      d.spec.strategy.rollingUpdate = { maxSurge: 1, maxUnavailable: '10%' };
      container(d).readinessProbe.httpGet.port = 8080;
    }))).toEqual([]);
    const findings = errorsOf(deploymentWith((d) => {
      d.spec.strategy.rollingUpdate.maxSurge = true;
    }));
    expect(findings.map((f) => [f.path, f.message])).toEqual([['/spec/strategy/rollingUpdate/maxSurge', 'expected integer or string, got boolean']]);
  });

  it('accepts quantities written as numbers and null for optional fields, as the API server does', () => {
    expect(errorsOf(deploymentWith((d) => {
      container(d).resources.requests = { cpu: 0.5, memory: 134217728 };
      container(d).resources.limits = null;
      d.spec.template.metadata.annotations = null;
    }))).toEqual([]);
  });

  it('rejects Secret data that is not base64 without showing the value', () => {
    const objs = rendered('secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata:\n  password: hunter2!\n');
    const findings = errorsOf(objs);
    expect(findings.map((f) => [f.path, f.message])).toEqual([['/data/password', 'not valid base64']]);
    expect(JSON.stringify(findings)).not.toContain('hunter2');
  });

  it('reports every problem of an object at once', () => {
    const findings = errorsOf(deploymentWith((d) => {
      d.spec.replicas = 'many';
      d.spec.paused = 'yes';
      container(d).imagePullPolicy = 'Sometimes';
    }));
    expect(findings).toHaveLength(3);
  });

  it('refuses an apiVersion Kubernetes no longer serves and says which one to use', () => {
    const objs = rendered('legacy.yaml', `apiVersion: apps/v1beta1
kind: Deployment
metadata: { name: old }
spec: {}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: { name: old }
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: { name: old }
`);
    const findings = errorsOf(objs);
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/^apps\/v1beta1 Deployment is not served by Kubernetes 1\.\d+: use apps\/v1$/),
      expect.stringMatching(/^extensions\/v1beta1 Ingress is not served by Kubernetes 1\.\d+: use networking\.k8s\.io\/v1$/),
      expect.stringMatching(/^policy\/v1beta1 PodSecurityPolicy was removed from Kubernetes/),
    ]);
    expect(findings.every((f) => f.path === '/apiVersion')).toBe(true);
  });

  it('treats a misspelled kind in a Kubernetes API group as an error, not a missing schema', () => {
    const findings = createValidator().validate(rendered('typo.yaml', 'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: { name: x }\n'));
    expect(findings).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/^apps\/v1 Deploymnet is not a Kubernetes 1\.\d+ kind/) })]);
  });

  it('explains an apiVersion that lacks its version', () => {
    const findings = errorsOf(rendered('w.yaml', 'apiVersion: example.com\nkind: Widget\nmetadata: { name: w }\n'));
    expect(findings.map((f) => [f.path, f.message])).toEqual([
      ['/apiVersion', 'apiVersion "example.com" is not valid: write it as <group>/<version>, e.g. example.com/v1'],
    ]);
  });

  it('requires apiVersion, kind and metadata.name', () => {
    const objs: RenderedObject[] = [
      { object: { kind: 'ConfigMap', metadata: { name: 'a' } } as never, source: { file: 'a.yaml', line: 1 } },
      { object: { apiVersion: 'v1', metadata: { name: 'b' } } as never, source: { file: 'b.yaml', line: 4 } },
      { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'c-' } }, source: { file: 'c.yaml', line: 7 } },
    ];
    expect(errorsOf(objs).map((f) => [f.file, f.line, f.path, f.message])).toEqual([
      ['a.yaml', 1, '/apiVersion', 'missing apiVersion: every object needs apiVersion and kind'],
      ['b.yaml', 4, '/kind', 'missing kind: every object needs apiVersion and kind'],
      ['c.yaml', 7, '/metadata/name', 'missing metadata.name: generateName cannot be applied declaratively; give the object a fixed name'],
    ]);
  });

  it('takes file and line of each finding from the object provenance', () => {
    const objs = rendered('apps/frontend/others.yaml', others.replace('targetPort: admin', 'targetPort: admin, nodePortt: 1'));
    const findings = errorsOf(objs);
    expect(findings).toEqual([expect.objectContaining({ file: 'apps/frontend/others.yaml', line: 1, object: 'v1 Service web/frontend', path: '/spec/ports/1/nodePortt' })]);
    const late = rendered('apps/frontend/others.yaml', others.replace('storageClassName: standard', 'storageClass: standard'));
    expect(errorsOf(late)).toEqual([expect.objectContaining({
      line: 62, object: 'v1 PersistentVolumeClaim web/cache', message: 'unknown field "storageClass" (did you mean "storageClassName"?)',
    })]);
  });

  it('validates the objects inside a v1 List', () => {
    const list = rendered('list.yaml', `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: a }
    data: { x: 1 }
`);
    expect(errorsOf(list).map((f) => [f.object, f.path, f.message])).toEqual([['v1 ConfigMap a', '/data/x', 'expected string, got integer']]);
  });
});

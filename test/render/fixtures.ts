import { rm } from 'node:fs/promises';
import { afterEach } from 'vitest';
import { tempDir, writeFiles, type Files } from '../git/temp-repo.ts';

/** A folder with these files, removed after the test. */
export function useTempRepos(): (files: Files) => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  return async (files) => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFiles(dir, files);
    return dir;
  };
}

/** A minimal Helm chart: a Deployment and a ConfigMap template, values, and a CRD. */
export function chartFiles(prefix: string, name = 'web'): Files {
  return {
    [`${prefix}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 1.2.3\n`,
    [`${prefix}/values.yaml`]: 'replicas: 1\nimage: nginx:1.25\ngreeting: hello\n',
    [`${prefix}/templates/deployment.yaml`]: [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}',
      '  namespace: {{ .Release.Namespace }}',
      'spec:',
      '  replicas: {{ .Values.replicas }}',
      '  selector:',
      '    matchLabels: {app: {{ .Release.Name }}}',
      '  template:',
      '    metadata:',
      '      labels: {app: {{ .Release.Name }}}',
      '    spec:',
      '      containers:',
      '        - name: app',
      '          image: {{ .Values.image }}',
      '',
    ].join('\n'),
    [`${prefix}/templates/config.yaml`]: [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-config',
      'data:',
      '  greeting: {{ .Values.greeting | quote }}',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-second',
      '',
    ].join('\n'),
    [`${prefix}/templates/tests/test-connection.yaml`]: [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: {{ .Release.Name }}-test',
      '  annotations: {"helm.sh/hook": test}',
      'spec: {containers: [{name: t, image: busybox}]}',
      '',
    ].join('\n'),
    [`${prefix}/crds/widgets.yaml`]: [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  name: widgets.example.com',
      'spec:',
      '  group: example.com',
      '  names: {kind: Widget, plural: widgets}',
      '  scope: Namespaced',
      '  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]',
      '',
    ].join('\n'),
  };
}

{{/* Names: the release's full name prefixes every object (`bosun` when the release is called bosun). */}}
{{- define "bosun.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "bosun.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "bosun.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "bosun.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "bosun.serviceAccountName" -}}
{{- default (include "bosun.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* Labels every object carries; `component` is added per object. */}}
{{- define "bosun.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "bosun.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: bosun
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "bosun.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bosun.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "bosun.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Secrets: created from values, or the operator's own. */}}
{{- define "bosun.githubSecretName" -}}
{{- if .Values.github.privateKey -}}
{{- printf "%s-github-app" (include "bosun.fullname" .) -}}
{{- else -}}
{{- required "github.existingSecret: name the Secret with the App's private-key and webhook-secret (bosun setup writes one), or set github.privateKey and github.webhookSecret" .Values.github.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "bosun.dashboardSecretName" -}}
{{- if .Values.dashboard.token -}}
{{- printf "%s-dashboard" (include "bosun.fullname" .) -}}
{{- else -}}
{{- .Values.dashboard.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "bosun.redisTrialName" -}}
{{- printf "%s-redis-trial" (include "bosun.fullname" .) -}}
{{- end -}}

{{/* The registry bosun reads, as YAML: clusters.registry plus the inCluster entry. Empty when neither. */}}
{{- define "bosun.registry" -}}
{{- $registry := deepCopy (default dict .Values.clusters.registry) -}}
{{- if .Values.inCluster.enabled -}}
{{- $clusters := deepCopy (default dict (get $registry "clusters")) -}}
{{- $_ := set $clusters .Values.inCluster.name (dict "inCluster" true) -}}
{{- $_ := set $registry "clusters" $clusters -}}
{{- end -}}
{{- if $registry -}}
{{- toYaml $registry -}}
{{- end -}}
{{- end -}}

{{/* Whether the worker reads a registry at all (false: plan-only mode). */}}
{{- define "bosun.hasRegistry" -}}
{{- if or (include "bosun.registry" .) .Values.clusters.credentialsSecret -}}true{{- end -}}
{{- end -}}

{{/* Environment both processes share: the App, Redis and the non-secret settings. */}}
{{- define "bosun.commonEnv" -}}
- name: APP_ID
{{- if .Values.github.appId }}
  value: {{ .Values.github.appId | toString | quote }}
{{- else }}
  valueFrom:
    secretKeyRef:
      name: {{ include "bosun.githubSecretName" . }}
      key: app-id
{{- end }}
- name: PRIVATE_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "bosun.githubSecretName" . }}
      key: private-key
- name: WEBHOOK_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "bosun.githubSecretName" . }}
      key: webhook-secret
- name: REDIS_URL
{{- if .Values.redis.bundled.enabled }}
  value: {{ printf "redis://%s:6379" (include "bosun.redisTrialName" .) | quote }}
{{- else }}
  valueFrom:
    secretKeyRef:
{{- if .Values.redis.url }}
      name: {{ printf "%s-redis" (include "bosun.fullname" .) }}
      key: url
{{- else }}
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.existingSecretKey }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The container securityContext both processes share: non-root, no capabilities, read-only root. */}}
{{- define "bosun.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "bosun.podSecurity" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* policy/v1 from Kubernetes 1.21; 1.20 serves only policy/v1beta1. */}}
{{- define "bosun.pdbApiVersion" -}}
{{- if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version -}}policy/v1{{- else -}}policy/v1beta1{{- end -}}
{{- end -}}

{{/*
The worker's AppArmor profile for the render sandbox (worker.appArmorProfile). From Kubernetes 1.30 it is the
container's securityContext.appArmorProfile (the annotation is deprecated there and every create warns);
older API servers refuse that field, so below 1.30 it is the annotation.
*/}}
{{- define "bosun.appArmorField" -}}
{{- if semverCompare ">=1.30-0" .Capabilities.KubeVersion.Version -}}true{{- end -}}
{{- end }}
{{- define "bosun.appArmorProfile" -}}
{{- $p := .Values.worker.appArmorProfile -}}
{{- if hasPrefix "localhost/" $p -}}
type: Localhost
localhostProfile: {{ trimPrefix "localhost/" $p }}
{{- else -}}
type: Unconfined
{{- end -}}
{{- end }}

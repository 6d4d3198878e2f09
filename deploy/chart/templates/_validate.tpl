{{/* Checks across values that a schema cannot express; each message says what to set instead. */}}
{{- define "bosun.validate" -}}
{{- $redisSources := 0 -}}
{{- if .Values.redis.url }}{{ $redisSources = add1 $redisSources }}{{ end -}}
{{- if .Values.redis.bundled.enabled }}{{ $redisSources = add1 $redisSources }}{{ end -}}
{{- if gt $redisSources 1 -}}
{{- fail "redis: set either redis.url (your Redis, Sentinel or Cluster) or redis.bundled.enabled (a trial Redis), not both" -}}
{{- end -}}
{{- if and (eq $redisSources 0) (not .Values.redis.existingSecret) -}}
{{- fail "redis: set redis.url, redis.existingSecret (a Secret holding the URL) or, for a trial, redis.bundled.enabled=true" -}}
{{- end -}}
{{- if and .Values.github.privateKey (not .Values.github.webhookSecret) -}}
{{- fail "github.webhookSecret: set it with github.privateKey (the App's webhook secret), or keep both in github.existingSecret" -}}
{{- end -}}
{{- if and .Values.github.webhookSecret (not .Values.github.privateKey) -}}
{{- fail "github.privateKey: set it with github.webhookSecret (the App's PEM key), or keep both in github.existingSecret" -}}
{{- end -}}
{{- if and .Values.inCluster.enabled (eq .Values.inCluster.rbac.scope "namespaced") (empty .Values.inCluster.rbac.namespaces) -}}
{{- fail "inCluster.rbac.namespaces: list the namespaces bosun may apply to when inCluster.rbac.scope is namespaced" -}}
{{- end -}}
{{- $registry := default dict .Values.clusters.registry -}}
{{- range $name, $entry := (default dict (get $registry "clusters")) -}}
{{- if and $.Values.inCluster.enabled (eq $name $.Values.inCluster.name) -}}
{{- fail (printf "clusters.registry.clusters.%s: inCluster.enabled registers the cluster bosun runs in under that name already; pick another inCluster.name or drop the entry" $name) -}}
{{- end -}}
{{- if and (kindIs "map" $entry) (get $entry "kubeconfig") (not (hasPrefix "/" (get $entry "kubeconfig" | toString))) (not $.Values.clusters.credentialsSecret) -}}
{{- fail (printf "clusters.registry.clusters.%s.kubeconfig names a file beside clusters.yaml: put it in a Secret and name that Secret in clusters.credentialsSecret" $name) -}}
{{- end -}}
{{- end -}}
{{- range $name := list "APP_ID" "PRIVATE_KEY" "PRIVATE_KEY_PATH" "WEBHOOK_SECRET" "REDIS_URL" "BOSUN_DASHBOARD_TOKEN" "BOSUN_CLUSTERS" -}}
{{- if hasKey $.Values.env $name -}}
{{- fail (printf "env.%s: set it through its own value (github.*, redis.*, dashboard.*, clusters.*): env is a ConfigMap, and secrets do not belong in one" $name) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.dashboard.token (lt (len (.Values.dashboard.token | toString)) 16) -}}
{{- fail "dashboard.token: use at least 16 characters (e.g. openssl rand -hex 32)" -}}
{{- end -}}
{{- end -}}

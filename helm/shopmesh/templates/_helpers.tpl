{{/* Name prefix of every object: the release name (e.g. "shopmesh"). */}}
{{- define "shopmesh.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "shopmesh.labels" -}}
app.kubernetes.io/name: shopmesh
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component (user, product, order, postgresql, jaeger). */}}
{{- define "shopmesh.selectorLabels" -}}
app.kubernetes.io/name: shopmesh
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of a component's pods: its selector labels plus the release's common ones. */}}
{{- define "shopmesh.podLabels" -}}
{{ include "shopmesh.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* The image reference: the digest pins it when set, else the tag. */}}
{{- define "shopmesh.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* gRPC target of a service: every pod of its headless Service, balanced round robin. */}}
{{- define "shopmesh.grpcTarget" -}}
dns:///{{ include "shopmesh.fullname" .root }}-{{ .service }}-headless.{{ .root.Release.Namespace }}.svc.cluster.local:{{ (index .root.Values.services .service).port }}
{{- end -}}

{{/* Name of the Secret holding the database URLs. */}}
{{/* The Secret holding PAGE_TOKEN_KEY: the operator's, or the chart's own. */}}
{{- define "shopmesh.pageTokenSecret" -}}
{{- .Values.pageTokens.existingSecret | default (printf "%s-page-tokens" (include "shopmesh.fullname" .)) -}}
{{- end -}}

{{- define "shopmesh.databaseSecret" -}}
{{- .Values.database.existingSecret | default (printf "%s-database" (include "shopmesh.fullname" .)) -}}
{{- end -}}

{{/* OTLP endpoint the services export to; empty when tracing is off. */}}
{{- define "shopmesh.otlpEndpoint" -}}
{{- if .Values.telemetry.otlpEndpoint -}}
{{ .Values.telemetry.otlpEndpoint }}
{{- else if .Values.jaeger.enabled -}}
http://{{ include "shopmesh.fullname" . }}-jaeger.{{ .Release.Namespace }}.svc.cluster.local:{{ ternary 4317 4318 (eq .Values.telemetry.otlpProtocol "grpc") }}
{{- end -}}
{{- end -}}

{{/* Port of the OTLP endpoint, for the NetworkPolicy egress rule. */}}
{{- define "shopmesh.otlpPort" -}}
{{- $endpoint := include "shopmesh.otlpEndpoint" . -}}
{{- $parts := splitList ":" $endpoint -}}
{{- if gt (len $parts) 2 -}}{{ last $parts | trimSuffix "/" }}{{- else if hasPrefix "https" $endpoint -}}443{{- else -}}80{{- end -}}
{{- end -}}

{{/*
The bundled PostgreSQL superuser's password: the value, else the installed one (found by `lookup`
on `helm upgrade` against a cluster), else the render fails. Never drawn at random: `helm
template` (Argo CD, Flux) finds nothing to look up, and a new password on every render would no
longer match the one PostgreSQL keeps from its first start.
*/}}
{{- define "shopmesh.postgresPassword" -}}
{{- if .Values.postgresql.password -}}
{{ .Values.postgresql.password }}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (printf "%s-postgresql" (include "shopmesh.fullname" .)) -}}
{{- if and $existing $existing.data (index $existing.data "POSTGRES_PASSWORD") -}}
{{ index $existing.data "POSTGRES_PASSWORD" | b64dec }}
{{- else -}}
{{- fail "postgresql.password is required: set it (e.g. --set postgresql.password=$(openssl rand -hex 24)) and keep it; the installed one could not be looked up (helm template, Argo CD and Flux cannot), and a password drawn at render would change on every render while PostgreSQL keeps its first. Or set postgresql.enabled=false and use your own database." -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Password of one service's own database role, derived from the superuser's: 64 hex digits, so
it needs no escaping, and a leaked service password reveals neither the superuser's nor another
service's. Changing postgresql.password changes all of them (the init applies them at start).
*/}}
{{- define "shopmesh.servicePassword" -}}
{{- printf "shopmesh-role:%s:%s" .service .password | sha256sum -}}
{{- end -}}

{{/* A URL's userinfo part: percent-encoded (urlquery writes a space as "+", which means "+" here). */}}
{{- define "shopmesh.userinfo" -}}
{{- printf "%s:%s" (.user | urlquery | replace "+" "%20") (.password | urlquery | replace "+" "%20") -}}
{{- end -}}

{{/* One service's database URL: the bundled PostgreSQL's role and database, or the external URL with sslmode. */}}
{{- define "shopmesh.databaseUrl" -}}
{{- $root := .root -}}
{{- if $root.Values.postgresql.enabled -}}
{{- $role := printf "shopmesh_%s" .service -}}
{{- $password := include "shopmesh.servicePassword" (dict "service" .service "password" .password) -}}
{{- $host := printf "%s-postgresql.%s.svc.cluster.local" (include "shopmesh.fullname" $root) $root.Release.Namespace -}}
postgres://{{ include "shopmesh.userinfo" (dict "user" $role "password" $password) }}@{{ $host }}:5432/{{ $role }}?sslmode=disable
{{- else -}}
{{- $url := required (printf "database.urls.%s is required when postgresql.enabled is false and database.existingSecret is empty" .service) (index $root.Values.database.urls .service) -}}
{{- $query := list -}}
{{- if not (contains "sslmode=" $url) }}{{ $query = append $query (printf "sslmode=%s" ($root.Values.database.sslmode | default "verify-full")) }}{{ end -}}
{{- if and $root.Values.database.caSecret (not (contains "sslrootcert=" $url)) }}{{ $query = append $query "sslrootcert=/etc/shopmesh/database-ca/ca.crt" }}{{ end -}}
{{ $url }}{{ if $query }}{{ ternary "&" "?" (contains "?" $url) }}{{ join "&" $query }}{{ end }}
{{- end -}}
{{- end -}}

{{/* Name of one service's ServiceAccount (its workload identity). */}}
{{- define "shopmesh.serviceAccountName" -}}
{{- $account := .svc.serviceAccount | default dict -}}
{{- if ne $account.create false -}}
{{ $account.name | default (printf "%s-%s" (include "shopmesh.fullname" .root) .name) }}
{{- else -}}
{{ $account.name | default "default" }}
{{- end -}}
{{- end -}}

{{/* imagePullSecrets of a pod spec, when any are set. */}}
{{- define "shopmesh.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* terminationGracePeriodSeconds: preStop wait + drain + a margin for the process to exit. */}}
{{- define "shopmesh.terminationGrace" -}}
{{ add .Values.shutdown.preStopSeconds .Values.shutdown.drainSeconds 5 }}
{{- end -}}

{{/* What a service's pods must restart for when it changes: its database URL (or the Secret's name). */}}
{{- define "shopmesh.databaseChecksum" -}}
{{- $root := .root -}}
{{- if $root.Values.database.existingSecret -}}
{{ printf "existing-secret:%s" $root.Values.database.existingSecret | sha256sum }}
{{- else -}}
{{- $password := "" -}}
{{- if $root.Values.postgresql.enabled }}{{ $password = include "shopmesh.postgresPassword" $root }}{{ end -}}
{{ include "shopmesh.databaseUrl" (dict "root" $root "service" .service "password" $password) | sha256sum }}
{{- end -}}
{{- end -}}

{{/*
NetworkPolicy "to" peers of the OTLP endpoint, as YAML: the bundled Jaeger's pods; the configured
networkPolicy.otlpCollector; or the namespace of an in-cluster name (<service>.<namespace>.svc…).
Any other endpoint fails the render rather than open the port to everywhere.
*/}}
{{- define "shopmesh.otlpPeers" -}}
{{- $endpoint := include "shopmesh.otlpEndpoint" . -}}
{{- if and .Values.jaeger.enabled (not .Values.telemetry.otlpEndpoint) -}}
- podSelector:
    matchLabels:
      {{- include "shopmesh.selectorLabels" (dict "root" . "component" "jaeger") | nindent 6 }}
{{- else if .Values.networkPolicy.otlpCollector -}}
{{ toYaml .Values.networkPolicy.otlpCollector }}
{{- else -}}
{{- $host := regexReplaceAll "^[a-z]+://([^:/]+).*$" $endpoint "${1}" -}}
{{- $parts := splitList "." $host -}}
{{- if and (ge (len $parts) 3) (eq (index $parts 2) "svc") -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ index $parts 1 }}
{{- else -}}
{{- fail (printf "networkPolicy.otlpCollector is required: telemetry.otlpEndpoint %s is no in-cluster <service>.<namespace>.svc name, so the NetworkPolicy cannot tell where the collector runs (give its peers, e.g. an ipBlock)" $endpoint) -}}
{{- end -}}
{{- end -}}
{{- end -}}

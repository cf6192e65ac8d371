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

{{/* The bundled PostgreSQL's password: the value, else the one already installed, else new. */}}
{{- define "shopmesh.postgresPassword" -}}
{{- if .Values.postgresql.password -}}
{{ .Values.postgresql.password }}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (printf "%s-postgresql" (include "shopmesh.fullname" .)) -}}
{{- if and $existing $existing.data (index $existing.data "POSTGRES_PASSWORD") -}}
{{ index $existing.data "POSTGRES_PASSWORD" | b64dec }}
{{- else -}}
{{ randAlphaNum 24 }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* terminationGracePeriodSeconds: preStop wait + drain + a margin for the process to exit. */}}
{{- define "shopmesh.terminationGrace" -}}
{{ add .Values.shutdown.preStopSeconds .Values.shutdown.drainSeconds 5 }}
{{- end -}}

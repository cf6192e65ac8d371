{{/*
One service's ConfigMap, its environment. Defined once so that the Deployment's checksum covers
exactly this service's settings: a change to one service's env rolls that service alone.
*/}}
{{- define "shopmesh.configMap" -}}
{{- $ := .root -}}
{{- $name := .name -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "shopmesh.fullname" $ }}-{{ $name }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "shopmesh.labels" $ | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
data:
  GRPC_HOST: {{ $.Values.listenAddress | default "::" | quote }}
  GRPC_PORT: {{ $svc.port | quote }}
  LOG_LEVEL: {{ $.Values.logLevel | quote }}
  HEALTH_PORT: {{ include "shopmesh.healthPort" $svc | quote }}
  {{- include "shopmesh.trustSettings" (dict "root" $ "name" $name) | nindent 2 }}
  {{- if not $.Values.insecurePlaintext }}
  AUTHZ_POLICY_FILE: /etc/shopmesh/authz/policy.json
  {{- end }}
  MAX_IN_FLIGHT: {{ $.Values.grpc.maxInFlight | quote }}
  GRPC_MAX_CONNECTION_AGE_MS: {{ $.Values.grpc.maxConnectionAgeMs | quote }}
  GRPC_MAX_CONNECTION_AGE_GRACE_MS: {{ $.Values.grpc.maxConnectionAgeGraceMs | quote }}
  SHUTDOWN_GRACE_MS: {{ mul $.Values.shutdown.drainSeconds 1000 | quote }}
  HEALTH_CHECK_INTERVAL_MS: {{ $.Values.healthCheckIntervalMs | default 5000 | quote }}
  FAULT_INJECTION: {{ if $svc.faultInjection }}{{ toJson $svc.faultInjection | quote }}{{ else }}""{{ end }}
  {{- include "shopmesh.telemetryEnv" (dict "root" $ "name" $name "metricsPort" $svc.metricsPort) | nindent 2 }}
  {{- if eq $name "order" }}
  USER_SERVICE_TARGET: {{ include "shopmesh.grpcTarget" (dict "root" $ "service" "user") | quote }}
  PRODUCT_SERVICE_TARGET: {{ include "shopmesh.grpcTarget" (dict "root" $ "service" "product") | quote }}
  DOWNSTREAM_TIMEOUT_MS: {{ $.Values.resilience.downstreamTimeoutMs | quote }}
  RETRY_MAX_ATTEMPTS: {{ $.Values.resilience.retryMaxAttempts | quote }}
  # Passed on as RETRY_BUDGET_TOKENS (see the Deployment): a key naming "token" reads as a
  # credential to Polaris (sensitiveConfigmapContent) and kubescape (C-0012).
  RETRY_BUDGET_SIZE: {{ $.Values.resilience.retryBudgetTokens | quote }}
  # Passed on as PAGE_TOKEN_KEY_FILE (see the Deployment), for the same reason: a path, no secret.
  LIST_CURSOR_SEAL_FILE: /etc/shopmesh/list-cursors/seal
  BREAKER_ERROR_THRESHOLD_PERCENT: {{ $.Values.resilience.breakerErrorThresholdPercent | quote }}
  BREAKER_VOLUME_THRESHOLD: {{ $.Values.resilience.breakerVolumeThreshold | quote }}
  BREAKER_RESET_TIMEOUT_MS: {{ $.Values.resilience.breakerResetTimeoutMs | quote }}
  {{- end }}
  {{- if include "shopmesh.usesEvents" $name }}
  NATS_URL: {{ include "shopmesh.natsUrl" $ | quote }}
  NATS_STREAM_REPLICAS: {{ include "shopmesh.natsStreamReplicas" $ | quote }}
  {{- if include "shopmesh.natsSignsIn" $ }}
  NATS_AUTH_PATH: /etc/shopmesh/nats/password
  {{- end }}
  {{- end }}
  {{- if and $svc.nodeOptions (not (hasKey $svc.env "NODE_OPTIONS")) }}
  NODE_OPTIONS: {{ $svc.nodeOptions | quote }}
  {{- end }}
  {{- range $key, $value := $svc.env }}
  {{- if kindIs "string" $value }}
  {{ $key }}: {{ $value | quote }}
  {{- end }}
  {{- end }}
{{- end -}}

{{/* The telemetry environment of a process (a service or the edge): metrics, traces, names. */}}
{{- define "shopmesh.telemetryEnv" -}}
{{- $ := .root -}}
OTEL_SERVICE_NAME: {{ printf "%s-service" .name | quote }}
OTEL_RESOURCE_ATTRIBUTES: {{ printf "service.namespace=%s,k8s.namespace.name=%s" $.Release.Name $.Release.Namespace | quote }}
OTEL_METRICS_EXPORTER: prometheus
OTEL_EXPORTER_PROMETHEUS_HOST: {{ $.Values.listenAddress | default "::" | quote }}
OTEL_EXPORTER_PROMETHEUS_PORT: {{ .metricsPort | quote }}
OTEL_TRACES_SAMPLER: {{ $.Values.telemetry.sampler | quote }}
OTEL_TRACES_SAMPLER_ARG: {{ $.Values.telemetry.samplerArg | quote }}
{{- $otlp := include "shopmesh.otlpEndpoint" $ }}
{{- if $otlp }}
OTEL_TRACES_EXPORTER: otlp
OTEL_EXPORTER_OTLP_ENDPOINT: {{ $otlp | quote }}
OTEL_EXPORTER_OTLP_PROTOCOL: {{ $.Values.telemetry.otlpProtocol | quote }}
{{- else }}
OTEL_TRACES_EXPORTER: none
{{- end }}
{{- end -}}

{{/*
The event broker as the order and user services see it: its URL (the bundled NATS's Service, or
events.externalUrl) and its streams' replicas. Neither set is a mistake, not a silent default:
the services would run degraded for ever.
*/}}
{{- define "shopmesh.natsUrl" -}}
{{- if .Values.nats.enabled -}}
nats://{{ include "shopmesh.fullname" . }}-nats.{{ .Release.Namespace }}.svc.cluster.local:4222
{{- else -}}
{{ required "events.externalUrl is required with nats.enabled=false: the URL of your NATS with JetStream (nats://host:4222), or turn the bundled NATS on" .Values.events.externalUrl }}
{{- end -}}
{{- end -}}

{{- define "shopmesh.natsStreamReplicas" -}}
{{- if .Values.nats.enabled -}}
{{ .Values.nats.replicas }}
{{- else -}}
{{ .Values.events.streamReplicas | default 1 }}
{{- end -}}
{{- end -}}

{{/* True ("true") for the services that talk to the broker: order publishes, user consumes. */}}
{{- define "shopmesh.usesEvents" -}}
{{- if has . (list "order" "user") }}true{{ end -}}
{{- end -}}

{{/*
The broker credentials' env of a service (external NATS with a Secret only): the user from the
Secret, the password as a file like the database URL, never in the environment. Its path comes
from the ConfigMap (NATS_AUTH_PATH): a literal value under a name with "password" in it reads as
a credential to the scanners.
*/}}
{{- define "shopmesh.natsCredentialsEnv" -}}
{{- $ := .root -}}
{{- if and (not $.Values.nats.enabled) $.Values.events.credentialsSecret }}
- name: NATS_USER
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.events.credentialsSecret }}
      key: user
- name: NATS_PASSWORD_FILE
  valueFrom:
    configMapKeyRef:
      name: {{ .configMap }}
      key: NATS_AUTH_PATH
{{- end }}
{{- end -}}

{{- define "shopmesh.natsCredentialsMount" -}}
{{- if and (not .Values.nats.enabled) .Values.events.credentialsSecret }}
- name: nats-credentials
  mountPath: /etc/shopmesh/nats
  readOnly: true
{{- end }}
{{- end -}}

{{- define "shopmesh.natsCredentialsVolume" -}}
{{- if and (not .Values.nats.enabled) .Values.events.credentialsSecret }}
- name: nats-credentials
  secret:
    secretName: {{ .Values.events.credentialsSecret }}
    defaultMode: 0440
    items:
      - key: password
        path: password
{{- end }}
{{- end -}}

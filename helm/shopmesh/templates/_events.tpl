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
True ("true") when the services sign in to the broker: always with the bundled NATS (each service
its own user, see nats.yaml), and with an external one given events.credentialsSecret.
*/}}
{{- define "shopmesh.natsSignsIn" -}}
{{- if or .Values.nats.enabled .Values.events.credentialsSecret }}true{{ end -}}
{{- end -}}

{{/* The Secret of the bundled NATS's passwords: one key per broker user (order, user, tail). */}}
{{- define "shopmesh.natsCredentialsSecret" -}}
{{ .Values.nats.auth.existingSecret | default (printf "%s-nats-credentials" (include "shopmesh.fullname" .)) }}
{{- end -}}

{{/*
The bundled NATS's users' passwords as the chart's Secret holds them (base64, JSON): kept from
the installed release, else drawn, once per render (cached in the render's values, so the
Secret and the checksums below see the same draw).
*/}}
{{- define "shopmesh.natsPasswords" -}}
{{- if not (hasKey .Values.nats.auth "_drawn") -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "shopmesh.natsCredentialsSecret" .) -}}
{{- $drawn := dict -}}
{{- range $user := list "order" "user" "tail" -}}
{{- if and $existing $existing.data (index $existing.data $user) -}}
{{- $_ := set $drawn $user (index $existing.data $user) -}}
{{- else -}}
{{- $_ := set $drawn $user (randAlphaNum 32 | b64enc) -}}
{{- end -}}
{{- end -}}
{{- $_ := set .Values.nats.auth "_drawn" $drawn -}}
{{- end -}}
{{ .Values.nats.auth._drawn | toJson }}
{{- end -}}

{{/*
A pod annotation value that changes with the broker passwords, so the NATS servers and their
clients restart onto new ones together (a render that cannot look up the installed Secret, as
`helm template` in Argo CD, draws new ones; set nats.auth.existingSecret to avoid that).
*/}}
{{- define "shopmesh.natsPasswordsChecksum" -}}
{{- if .Values.nats.auth.existingSecret -}}
{{ printf "existing-secret:%s" .Values.nats.auth.existingSecret | sha256sum }}
{{- else -}}
{{ include "shopmesh.natsPasswords" . | sha256sum }}
{{- end -}}
{{- end -}}

{{/*
The broker credentials' env of a service: the user (the bundled NATS's user of that name, or the
external Secret's `user`), the password as a file like the database URL, never in the
environment. Its path comes from the ConfigMap (NATS_AUTH_PATH): a literal value under a name
with "password" in it reads as a credential to the scanners.
*/}}
{{- define "shopmesh.natsCredentialsEnv" -}}
{{- $ := .root -}}
{{- if include "shopmesh.natsSignsIn" $ }}
- name: NATS_USER
  {{- if $.Values.nats.enabled }}
  value: {{ .name }}
  {{- else }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.events.credentialsSecret }}
      key: user
  {{- end }}
- name: NATS_PASSWORD_FILE
  valueFrom:
    configMapKeyRef:
      name: {{ .configMap }}
      key: NATS_AUTH_PATH
{{- end }}
{{- end -}}

{{- define "shopmesh.natsCredentialsMount" -}}
{{- if include "shopmesh.natsSignsIn" . }}
- name: nats-credentials
  mountPath: /etc/shopmesh/nats
  readOnly: true
{{- end }}
{{- end -}}

{{/* The password file of service .name: its own key of the bundled Secret, or the external one. */}}
{{- define "shopmesh.natsCredentialsVolume" -}}
{{- $ := .root -}}
{{- if include "shopmesh.natsSignsIn" $ }}
- name: nats-credentials
  secret:
    secretName: {{ $.Values.nats.enabled | ternary (include "shopmesh.natsCredentialsSecret" $) $.Values.events.credentialsSecret }}
    defaultMode: 0440
    items:
      - key: {{ $.Values.nats.enabled | ternary .name "password" }}
        path: password
{{- end }}
{{- end -}}

{{/*
Trust wiring: each workload's SPIFFE identity, its certificate Secret (mounted as files the kit
watches, so a renewed certificate is used without a restart) and its settings. One helper per
piece, each taking (dict "root" $ "name" <workload> "tls" <its tls values>), so every workload
(user, product, order, the edge) is wired the same way. For the edge's Deployment: its ConfigMap
includes shopmesh.trustSettings (no AUTHZ_POLICY_FILE: it serves no gRPC to the mesh), its
container shopmesh.trustEnv, its pod shopmesh.tlsVolume(Mount) with (dict "root" $ "name" "edge"
"tls" .Values.edge.tls); shopmesh.trustWorkloads already issues its certificate when
edge.enabled.
*/}}

{{/* The SPIFFE ID of a ServiceAccount of the release's namespace: (dict "root" $ "account" name). */}}
{{- define "shopmesh.spiffeIdOf" -}}
spiffe://{{ .root.Values.trust.trustDomain }}/ns/{{ .root.Release.Namespace }}/sa/{{ .account }}
{{- end -}}

{{/* The SPIFFE ID of one of the three services: (dict "root" $ "name" "order"). */}}
{{- define "shopmesh.serviceIdentity" -}}
{{- $svc := index .root.Values.services .name -}}
{{- include "shopmesh.spiffeIdOf" (dict "root" .root "account" (include "shopmesh.serviceAccountName" (dict "root" .root "name" .name "svc" $svc))) -}}
{{- end -}}

{{/* The operator's SPIFFE ID (CLI, grpcurl, `helm test`, the load generator). */}}
{{- define "shopmesh.operatorIdentity" -}}
{{- include "shopmesh.spiffeIdOf" (dict "root" . "account" .Values.trust.operator.serviceAccount) -}}
{{- end -}}

{{/* The edge's SPIFFE ID (its ServiceAccount): the one caller that may act for signed-in end users. */}}
{{- define "shopmesh.edgeIdentity" -}}
{{- $account := include "shopmesh.serviceAccountName" (dict "root" . "name" "edge" "svc" .Values.edge) -}}
{{- include "shopmesh.spiffeIdOf" (dict "root" . "account" $account) -}}
{{- end -}}

{{/* Name of a workload's certificate Secret: its tls.existingSecret, else <release>-<name>-tls. */}}
{{- define "shopmesh.tlsSecretName" -}}
{{- $tls := .tls | default dict -}}
{{- $tls.existingSecret | default (printf "%s-%s-tls" (include "shopmesh.fullname" .root) .name) -}}
{{- end -}}

{{/* DNS names of a workload's certificate (informational: peers are checked by SPIFFE ID). */}}
{{- define "shopmesh.tlsDnsNames" -}}
{{- $full := printf "%s-%s" (include "shopmesh.fullname" .root) .name -}}
{{- $ns := .root.Release.Namespace -}}
{{- toJson (list $full (printf "%s.%s.svc" $full $ns) (printf "%s.%s.svc.cluster.local" $full $ns) (printf "%s-headless.%s.svc.cluster.local" $full $ns)) -}}
{{- end -}}

{{/*
Every workload that needs a certificate, as JSON: name, identity, Secret, DNS names, and whether
the user brings the Secret (existingSecret). The edge joins when its values say enabled.
*/}}
{{- define "shopmesh.trustWorkloads" -}}
{{- $ := . -}}
{{- $list := list -}}
{{- range $name, $svc := .Values.services -}}
{{- $tls := $svc.tls | default dict -}}
{{- $list = append $list (dict "name" $name "spiffeId" (include "shopmesh.serviceIdentity" (dict "root" $ "name" $name)) "secret" (include "shopmesh.tlsSecretName" (dict "root" $ "name" $name "tls" $tls)) "dnsNames" (include "shopmesh.tlsDnsNames" (dict "root" $ "name" $name) | fromJsonArray) "bringOwn" (not (empty $tls.existingSecret))) -}}
{{- end -}}
{{- $edge := .Values.edge | default dict -}}
{{- if $edge.enabled -}}
{{- $tls := $edge.tls | default dict -}}
{{- $list = append $list (dict "name" "edge" "spiffeId" (include "shopmesh.edgeIdentity" $) "secret" (include "shopmesh.tlsSecretName" (dict "root" $ "name" "edge" "tls" $tls)) "dnsNames" (include "shopmesh.tlsDnsNames" (dict "root" $ "name" "edge") | fromJsonArray) "bringOwn" (not (empty $tls.existingSecret))) -}}
{{- end -}}
{{- $operator := .Values.trust.operator -}}
{{- $list = append $list (dict "name" "operator" "spiffeId" (include "shopmesh.operatorIdentity" $) "secret" (include "shopmesh.tlsSecretName" (dict "root" $ "name" "operator" "tls" $operator)) "dnsNames" (list "operator") "bringOwn" (not (empty $operator.existingSecret))) -}}
{{- toJson $list -}}
{{- end -}}

{{/*
A workload's trust settings, as ConfigMap data lines: on unless insecurePlaintext; the files
mounted by shopmesh.tlsVolume(Mount); who the services are; who may act for end users.
*/}}
{{- define "shopmesh.trustSettings" -}}
{{- $ := .root -}}
INSECURE_PLAINTEXT: {{ $.Values.insecurePlaintext | quote }}
TRUST_DOMAIN: {{ $.Values.trust.trustDomain | quote }}
TRUST_REFRESH_INTERVAL_MS: {{ $.Values.trust.refreshIntervalMs | quote }}
{{- if not $.Values.insecurePlaintext }}
TLS_CERT_FILE: /etc/shopmesh/tls/tls.crt
# Passed on as TLS_KEY_FILE (shopmesh.trustEnv): a key naming "key" reads as a credential to
# kubescape (C-0012), though it holds a path.
TLS_PRIVATE_PEM_FILE: /etc/shopmesh/tls/tls.key
TLS_CA_FILE: /etc/shopmesh/tls/ca.crt
{{- end }}
{{- range $service := list "user" "product" "order" }}
{{ upper $service }}_SERVICE_IDENTITY: {{ include "shopmesh.serviceIdentity" (dict "root" $ "name" $service) | quote }}
{{- end }}
{{- if $.Values.edge.enabled }}
END_USER_PEERS: {{ include "shopmesh.edgeIdentity" $ | quote }}
{{- end }}
{{- end -}}

{{/* A workload's container env beside its ConfigMap: (dict "root" $ "configMap" <its ConfigMap's name>). */}}
{{- define "shopmesh.trustEnv" -}}
{{- if not .root.Values.insecurePlaintext -}}
- name: TLS_KEY_FILE
  valueFrom:
    configMapKeyRef:
      name: {{ .configMap }}
      key: TLS_PRIVATE_PEM_FILE
{{- end -}}
{{- end -}}

{{/* A workload's volumeMount of its certificate (a directory, never subPath: subPath mounts are not updated on renewal). */}}
{{- define "shopmesh.tlsVolumeMount" -}}
{{- if not .root.Values.insecurePlaintext -}}
- name: tls
  mountPath: /etc/shopmesh/tls
  readOnly: true
{{- end -}}
{{- end -}}

{{/* A workload's certificate volume: tls.crt, tls.key, ca.crt of its Secret. */}}
{{- define "shopmesh.tlsVolume" -}}
{{- if not .root.Values.insecurePlaintext -}}
- name: tls
  secret:
    secretName: {{ include "shopmesh.tlsSecretName" . }}
    defaultMode: 0440
    items:
      - { key: tls.crt, path: tls.crt }
      - { key: tls.key, path: tls.key }
      - { key: ca.crt, path: ca.crt }
{{- end -}}
{{- end -}}

{{/*
The operator's trust folder as the CLI reads it (trust-domain.json, ca.pem, operator/cert.pem,
operator/key.pem), as a volume: the trust-domain ConfigMap and the operator's certificate Secret.
*/}}
{{- define "shopmesh.operatorTrustVolume" -}}
- name: trust
  projected:
    defaultMode: 0440
    sources:
      - configMap:
          name: {{ include "shopmesh.fullname" . }}-trust-domain
          items:
            - { key: trust-domain.json, path: trust-domain.json }
      - secret:
          name: {{ include "shopmesh.tlsSecretName" (dict "root" . "name" "operator" "tls" .Values.trust.operator) }}
          items:
            - { key: ca.crt, path: ca.pem }
            - { key: tls.crt, path: operator/cert.pem }
            - { key: tls.key, path: operator/key.pem }
{{- end -}}

{{/* A service's plaintext health-only port: services.<name>.healthPort, else its gRPC port + 10 (the kit's default). */}}
{{- define "shopmesh.healthPort" -}}
{{- .healthPort | default (add .port 10) -}}
{{- end -}}

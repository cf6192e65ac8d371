{{/*
Checks across values that values.schema.json cannot express (it compares no two fields): the
render fails with the rule and the values involved.
*/}}
{{- define "shopmesh.validateService" -}}
{{- $name := .name -}}
{{- $svc := .svc -}}
{{- $scaling := $svc.autoscaling -}}
{{- if and $scaling.enabled (gt (int $scaling.minReplicas) (int $scaling.maxReplicas)) -}}
{{- fail (printf "services.%s.autoscaling: minReplicas (%v) must not exceed maxReplicas (%v)" $name $scaling.minReplicas $scaling.maxReplicas) -}}
{{- end -}}
{{- $pdb := $svc.pdb | default dict -}}
{{- $fewest := ternary $scaling.minReplicas $svc.replicas (and $scaling.enabled true) | int -}}
{{- $min := $pdb.minAvailable -}}
{{- if and (ne $pdb.enabled false) (not (kindIs "invalid" $min)) -}}
{{- $blocks := ternary (eq (toString $min) "100%") (ge (int $min) $fewest) (kindIs "string" $min) -}}
{{- if $blocks -}}
{{- fail (printf "services.%s.pdb.minAvailable (%v) must be below the %s (%d), or no pod could ever be evicted and node drains would hang; use maxUnavailable" $name $min (ternary "autoscaling.minReplicas" "replicas" (and $scaling.enabled true)) $fewest) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A service's default authorization policy (gRFC A43 JSON): the same rules as
services/authz-policies.ts (`make run`, the simulation and the tests write those; test/chart
checks that both agree). (dict "root" $ "name" "product").
*/}}
{{- define "shopmesh.defaultPolicy" -}}
{{- $ := .root -}}
{{- $order := include "shopmesh.serviceIdentity" (dict "root" $ "name" "order") -}}
{{- $operator := include "shopmesh.operatorIdentity" $ -}}
{{- $edge := include "shopmesh.edgeIdentity" $ -}}
{{- $product := "/shopmesh.product.v1.ProductService" -}}
{{- $reservations := "/shopmesh.inventory.v1.ReservationService" -}}
{{- $user := "/shopmesh.user.v1.UserService" -}}
{{- $own := list -}}
{{- $reads := list -}}
{{- if eq .name "product" -}}
{{- $own = list
  (dict "name" "stock-from-order" "source" (dict "principals" (list $order)) "request" (dict "paths" (list (printf "%s/ReserveStock" $reservations) (printf "%s/ReleaseStock" $reservations) (printf "%s/ReserveStock" $product) (printf "%s/ReleaseStock" $product) (printf "%s/BatchGetProducts" $product))))
  (dict "name" "catalog-writes-from-operator" "source" (dict "principals" (list $operator $edge)) "request" (dict "paths" (list (printf "%s/CreateProduct" $product) (printf "%s/UpdateProduct" $product) (printf "%s/AdjustStock" $product)))) -}}
{{- $reads = list (printf "%s/GetProduct" $product) (printf "%s/ListProducts" $product) -}}
{{- else if eq .name "user" -}}
{{- $own = list
  (dict "name" "listing-from-operator" "source" (dict "principals" (list $operator $edge)) "request" (dict "paths" (list (printf "%s/ListUsers" $user))))
  (dict "name" "profile-writes-from-operator" "source" (dict "principals" (list $operator $edge)) "request" (dict "paths" (list (printf "%s/UpdateUser" $user))))
  (dict "name" "current-user-from-edge" "source" (dict "principals" (list $edge)) "request" (dict "paths" (list (printf "%s/GetCurrentUser" $user)))) -}}
{{- $reads = list (printf "%s/GetUser" $user) (printf "%s/CreateUser" $user) -}}
{{- else if eq .name "order" -}}
{{- $reads = list "/shopmesh.order.v1.OrderService/*" -}}
{{- else -}}
{{- fail (printf "trust.policies.%s is required: there is no default policy for %s" .name .name) -}}
{{- end -}}
{{- $shared := list
  (dict "name" "from-any-workload" "source" (dict "principals" (list (printf "spiffe://%s/*" $.Values.trust.trustDomain))) "request" (dict "paths" $reads))
  (dict "name" "admin-from-operator" "source" (dict "principals" (list $operator)) "request" (dict "paths" (list "/shopmesh.admin.v1.AdminService/*")))
  (dict "name" "health-and-reflection" "source" (dict "principals" (list "*")) "request" (dict "paths" (list "/grpc.health.v1.Health/*" "/grpc.reflection.v1.ServerReflection/*" "/grpc.reflection.v1alpha.ServerReflection/*"))) -}}
{{- toPrettyJson (dict "name" .name "allow_rules" (concat $own $shared)) -}}
{{- end -}}

{{/* A service's policy: trust.policies.<name> when set (used as written), else the default. */}}
{{- define "shopmesh.policy" -}}
{{- $custom := index (.root.Values.trust.policies | default dict) .name -}}
{{- if $custom -}}
{{- toPrettyJson $custom -}}
{{- else -}}
{{- include "shopmesh.defaultPolicy" . -}}
{{- end -}}
{{- end -}}

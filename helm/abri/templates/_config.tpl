{{/* The variables of a component's ConfigMap (also the migration Jobs' hook ConfigMap). */}}
{{- define "abri.componentConfig" -}}
{{- $root := .root -}}
{{- $values := .values -}}
{{- $vars := dict -}}
{{- if .root.Values.otel.endpoint -}}
{{- $_ := set $vars "OTEL_EXPORTER_OTLP_ENDPOINT" .root.Values.otel.endpoint -}}
{{- end -}}
{{- if eq .component "gateway" -}}
{{- $_ := set $vars "ABRI_GATEWAY_PUBLIC_URL" $values.publicUrl -}}
{{- $_ := set $vars "ABRI_GATEWAY_OIDC_ISSUER" .root.Values.oidc.issuer -}}
{{- $_ := set $vars "ABRI_GATEWAY_OIDC_AUDIENCE" .root.Values.oidc.audience -}}
{{- $_ := set $vars "ABRI_GATEWAY_OIDC_CLIENT_ID" $values.oidcClientId -}}
{{- with .root.Values.oidc.jwksUri }}{{ $_ := set $vars "ABRI_GATEWAY_OIDC_JWKS_URI" . }}{{ end -}}
{{- $_ := set $vars "ABRI_GATEWAY_METRICS_PORT" (toString $values.metricsPort) -}}
{{- $_ := set $vars "ABRI_GATEWAY_METRICS_HOST" "0.0.0.0" -}}
{{- with $values.trustedProxies }}{{ $_ := set $vars "ABRI_GATEWAY_TRUSTED_PROXIES" (toJson .) }}{{ end -}}
{{- $_ := set $vars "ABRI_GATEWAY_REQUIRE_REDIS" "true" -}}
{{- range $svc, $s := .root.Values.services -}}
{{- if $s.enabled -}}
{{- $_ := set $vars (printf "ABRI_GATEWAY_%s_URL" (upper $svc)) (printf "%s://%s:8080" (ternary "https" "http" $root.Values.tls.enabled) (include "abri.componentName" (dict "root" $root "component" $svc))) -}}
{{- end -}}
{{- end -}}
{{- else -}}
{{- $prefix := printf "ABRI_%s_" (upper .component) -}}
{{- $_ := set $vars "ABRI_OPS_SERVICE" .component -}}
{{- $_ := set $vars "ABRI_KAFKA_BOOTSTRAP_SERVERS" .root.Values.kafka.bootstrapServers -}}
{{- $_ := set $vars (print $prefix "KAFKA_BOOTSTRAP_SERVERS") .root.Values.kafka.bootstrapServers -}}
{{- $_ := set $vars (print $prefix "OIDC_ISSUER") .root.Values.oidc.issuer -}}
{{- $_ := set $vars (print $prefix "OIDC_AUDIENCE") .root.Values.oidc.audience -}}
{{- with .root.Values.oidc.jwksUri }}{{ $_ := set $vars (print $prefix "OIDC_JWKS_URI") . }}{{ end -}}
{{- if eq .component "listings" -}}
{{- with $values.referenceRents -}}
{{- if .configMap }}{{ $_ := set $vars "ABRI_LISTINGS_REFERENCE_RENTS_PATH" (printf "/etc/abri/reference-rents/%s" .key) }}{{ end -}}
{{- if .allowSample }}{{ $_ := set $vars "ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS" "true" }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if eq .component "guarantees" -}}
{{- $_ := set $vars "ABRI_GUARANTEES_VISA_CHECK_PAGE" (printf "%s/visa-check" (trimSuffix "/" .root.Values.gateway.publicUrl)) -}}
{{- end -}}
{{- if eq .component "notifications" -}}
{{- $_ := set $vars "ABRI_NOTIFICATIONS_PUBLIC_URL" (trimSuffix "/" .root.Values.gateway.publicUrl) -}}
{{- end -}}
{{- end -}}
{{- if .root.Values.tls.enabled -}}
{{- $prefix := printf "ABRI_%s_" (upper .component) -}}
{{- $_ := set $vars (print $prefix "TLS_CERT_FILE") "/etc/abri/tls/tls.crt" -}}
{{- $_ := set $vars (print $prefix "TLS_KEY_FILE") "/etc/abri/tls/tls.key" -}}
{{- if eq .component "gateway" }}{{ $_ := set $vars "ABRI_GATEWAY_UPSTREAM_CA_FILE" "/etc/abri/tls-ca/ca.crt" }}{{ end -}}
{{- end -}}
{{- if and (ne .component "gateway") (include "abri.postgresCaSecret" .) -}}
{{- $prefix := printf "ABRI_%s_" (upper .component) -}}
{{- $_ := set $vars (print $prefix "DATABASE_SSLMODE") .root.Values.postgresql.tls.sslMode -}}
{{- $_ := set $vars (print $prefix "DATABASE_SSLROOTCERT") "/etc/abri/postgres/ca.crt" -}}
{{- end -}}
{{- range $key, $value := $values.config -}}
{{- $_ := set $vars $key (toString $value) -}}
{{- end -}}
{{- range $key := keys $vars | sortAlpha }}
{{ $key }}: {{ get $vars $key | quote }}
{{- end -}}
{{- end -}}

{{/* The deployed Redis's name (gateway.redis.deploy.enabled). */}}
{{- define "abri.redisName" -}}
{{- include "abri.componentName" (dict "root" . "component" "redis") -}}
{{- end -}}

{{/* The gateway's Redis URL, when it is not in the gateway's own Secret under ABRI_GATEWAY_REDIS_URL. */}}
{{- define "abri.gatewayRedisEnv" -}}
{{- $redis := .Values.gateway.redis -}}
{{- if $redis.deploy.enabled -}}
- name: ABRI_GATEWAY_REDIS_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ default (include "abri.redisName" .) $redis.deploy.passwordSecret }}, key: {{ $redis.deploy.passwordKey }}}
- name: ABRI_GATEWAY_REDIS_URL
  value: {{ printf "redis://:$(ABRI_GATEWAY_REDIS_PASSWORD)@%s:6379/0" (include "abri.redisName" .) | quote }}
{{- else if or $redis.existingSecret (ne $redis.urlKey "ABRI_GATEWAY_REDIS_URL") -}}
- name: ABRI_GATEWAY_REDIS_URL
  valueFrom:
    secretKeyRef: {name: {{ default (include "abri.secretName" (dict "root" . "component" "gateway" "values" .Values.gateway)) $redis.existingSecret }}, key: {{ $redis.urlKey }}}
{{- end -}}
{{- end -}}

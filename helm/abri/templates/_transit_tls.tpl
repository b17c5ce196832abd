{{/* Secrets as files, TLS and the transit engine: volumes, mounts and variables of a component's pod. */}}

{{/* The services that hold personal data under key-encryption keys (and keep an access log). */}}
{{- define "abri.kekServices" -}}
{{- toJson (list "matching" "guarantees" "notifications" "assistant") -}}
{{- end -}}

{{/* The keys of a component's own Secret it reads as files (JSON list): those the chart knows it needs, then
its own secretFiles. */}}
{{- define "abri.secretKeys" -}}
{{- $root := .root -}}
{{- $prefix := printf "ABRI_%s_" (upper .component) -}}
{{- $keys := list -}}
{{- if eq .component "gateway" -}}
{{- $keys = list "ABRI_GATEWAY_OIDC_CLIENT_SECRET" "ABRI_GATEWAY_SESSION_KEYS" -}}
{{- $redis := $root.Values.gateway.redis -}}
{{- if and (not $redis.deploy.enabled) (not $redis.existingSecret) (eq $redis.urlKey "ABRI_GATEWAY_REDIS_URL") -}}
{{- $keys = append $keys "ABRI_GATEWAY_REDIS_URL" -}}
{{- end -}}
{{- else -}}
{{- if not $root.Values.postgresql.cnpg.enabled }}{{ $keys = append $keys (print $prefix "DATABASE_URL") }}{{ end -}}
{{- if has .component (include "abri.kekServices" $root | fromJsonArray) -}}
{{- if not $root.Values.secrets.transit.enabled }}{{ $keys = append $keys (print $prefix "KEKS") }}{{ end -}}
{{- $keys = append $keys (print $prefix "ACCESS_LOG_KEY") -}}
{{- end -}}
{{- if and (eq .component "guarantees") (not (and $root.Values.secrets.transit.enabled $root.Values.secrets.transit.visaSigningKey)) }}{{ $keys = append $keys "ABRI_GUARANTEES_VISA_SIGNING_KEY" }}{{ end -}}
{{- if has .component $root.Values.keystore.services -}}
{{- $keys = append $keys (print $prefix "KEYSTORE_URL") -}}
{{- $keys = append $keys (print $prefix "LEDGER_URL") -}}
{{- end -}}
{{- end -}}
{{- toJson (concat $keys (.values.secretFiles | default list) | uniq) -}}
{{- end -}}

{{/* The Secret of a component's own TLS certificate (cert-manager writes it). */}}
{{- define "abri.tlsSecretName" -}}
{{- printf "%s-tls" (include "abri.componentName" .) -}}
{{- end -}}

{{/* The Secret holding the CA the components' certificates are checked against. */}}
{{- define "abri.tlsCaSecretName" -}}
{{- default (include "abri.tlsSecretName" (dict "root" . "component" "gateway")) .Values.tls.caSecret -}}
{{- end -}}

{{/* The Secret of the CA of a service's PostgreSQL server, empty when none is mounted. */}}
{{- define "abri.postgresCaSecret" -}}
{{- if .root.Values.postgresql.cnpg.enabled -}}
{{- printf "%s-ca" (include "abri.dbClusterName" .) -}}
{{- else -}}
{{- .root.Values.postgresql.tls.caSecret -}}
{{- end -}}
{{- end -}}

{{/* Variables of the component's pod that name files (secrets, the transit token): env entries. */}}
{{- define "abri.fileEnv" -}}
{{- $root := .root -}}
{{- $prefix := printf "ABRI_%s_" (upper .component) -}}
{{- if $root.Values.secretsAsFiles -}}
{{- range (include "abri.secretKeys" . | fromJsonArray) }}
- name: {{ . }}_FILE
  value: /etc/abri/secrets/{{ . }}
{{- end }}
{{- if and (ne .component "gateway") $root.Values.postgresql.cnpg.enabled }}
- name: {{ $prefix }}DATABASE_URL_FILE
  value: /etc/abri/postgres-app/uri
{{- end }}
{{- if and (ne .component "gateway") $root.Values.kafka.auth.enabled }}
- name: {{ $prefix }}KAFKA_USERNAME
  value: {{ include "abri.componentName" . | quote }}
- name: {{ $prefix }}KAFKA_PASSWORD_FILE
  value: /etc/abri/kafka-user/password
- name: {{ $prefix }}KAFKA_CA_FILE
  value: /etc/abri/kafka/ca.crt
{{- end }}
{{- if and (eq .component "gateway") (not $root.Values.gateway.redis.deploy.enabled) (or $root.Values.gateway.redis.existingSecret (ne $root.Values.gateway.redis.urlKey "ABRI_GATEWAY_REDIS_URL")) }}
- name: ABRI_GATEWAY_REDIS_URL_FILE
  value: /etc/abri/redis/url
{{- end }}
{{- end }}
{{- if and $root.Values.secrets.transit.enabled (has .component (include "abri.kekServices" $root | fromJsonArray)) }}
{{- $transit := $root.Values.secrets.transit }}
- name: {{ $prefix }}KEK_TRANSIT_URL
  value: {{ $transit.address | quote }}
- name: {{ $prefix }}KEK_TRANSIT_MOUNT
  value: {{ $transit.mount | quote }}
- name: {{ $prefix }}KEK_TRANSIT_KEY
  value: {{ printf "%s%s" $transit.keyPrefix .component | quote }}
- name: {{ $prefix }}KEK_TRANSIT_TOKEN_FILE
  value: /etc/abri/transit/token
{{- if $transit.caSecret }}
- name: {{ $prefix }}KEK_TRANSIT_CA_FILE
  value: /etc/abri/transit-ca/ca.crt
{{- end }}
{{- if and (eq .component "guarantees") $transit.visaSigningKey }}
- name: ABRI_GUARANTEES_VISA_SIGNING_TRANSIT_KEY
  value: {{ $transit.visaSigningKey | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Read-only mounts and their volumes: (dict ... "part" "mounts") or "volumes"; "job" true for a migration Job
(its database and key store URLs only). */}}
{{- define "abri.fileVolumes" -}}
{{- $root := .root -}}
{{- $mounts := eq .part "mounts" -}}
{{- $volumes := list -}}
{{- $service := ne .component "gateway" -}}
{{- if $root.Values.secretsAsFiles -}}
{{- $keys := include "abri.secretKeys" . | fromJsonArray -}}
{{- if .job -}}
{{- $only := list -}}
{{- range $keys }}{{ if or (hasSuffix "_DATABASE_URL" .) (hasSuffix "_KEYSTORE_URL" .) }}{{ $only = append $only . }}{{ end }}{{ end -}}
{{- $keys = $only -}}
{{- end -}}
{{- if $keys -}}
{{- $items := list -}}
{{- range $keys }}{{ $items = append $items (dict "key" . "path" .) }}{{ end -}}
{{- $volumes = append $volumes (dict "name" "secrets" "path" "/etc/abri/secrets" "secret" (dict "secretName" (include "abri.secretName" .) "defaultMode" 288 "items" $items)) -}}
{{- end -}}
{{- if and $service $root.Values.postgresql.cnpg.enabled -}}
{{- $volumes = append $volumes (dict "name" "postgres-app" "path" "/etc/abri/postgres-app" "secret" (dict "secretName" (printf "%s-app" (include "abri.dbClusterName" .)) "defaultMode" 288 "items" (list (dict "key" "uri" "path" "uri")))) -}}
{{- end -}}
{{- if and $service (not .job) $root.Values.kafka.auth.enabled -}}
{{- $volumes = append $volumes (dict "name" "kafka-user" "path" "/etc/abri/kafka-user" "secret" (dict "secretName" (include "abri.componentName" .) "defaultMode" 288 "items" (list (dict "key" $root.Values.kafka.auth.passwordKey "path" "password")))) -}}
{{- end -}}
{{- $redis := $root.Values.gateway.redis -}}
{{- if and (not $service) (not $redis.deploy.enabled) (or $redis.existingSecret (ne $redis.urlKey "ABRI_GATEWAY_REDIS_URL")) -}}
{{- $volumes = append $volumes (dict "name" "redis" "path" "/etc/abri/redis" "secret" (dict "secretName" (default (include "abri.secretName" .) $redis.existingSecret) "defaultMode" 288 "items" (list (dict "key" $redis.urlKey "path" "url")))) -}}
{{- end -}}
{{- end -}}
{{- $pgCa := ternary (include "abri.postgresCaSecret" .) "" $service -}}
{{- if $pgCa -}}
{{- $volumes = append $volumes (dict "name" "postgres-ca" "path" "/etc/abri/postgres" "secret" (dict "secretName" $pgCa "defaultMode" 292 "items" (list (dict "key" $root.Values.postgresql.tls.caKey "path" "ca.crt")))) -}}
{{- end -}}
{{- if and $root.Values.tls.enabled (not .job) -}}
{{- $volumes = append $volumes (dict "name" "tls" "path" "/etc/abri/tls" "secret" (dict "secretName" (include "abri.tlsSecretName" .) "defaultMode" 288 "items" (list (dict "key" "tls.crt" "path" "tls.crt") (dict "key" "tls.key" "path" "tls.key")))) -}}
{{- if not $service -}}
{{- $volumes = append $volumes (dict "name" "tls-ca" "path" "/etc/abri/tls-ca" "secret" (dict "secretName" (include "abri.tlsCaSecretName" $root) "defaultMode" 292 "items" (list (dict "key" $root.Values.tls.caKey "path" "ca.crt")))) -}}
{{- end -}}
{{- end -}}
{{- $transit := $root.Values.secrets.transit -}}
{{- if and $transit.enabled (not .job) (has .component (include "abri.kekServices" $root | fromJsonArray)) -}}
{{- $volumes = append $volumes (dict "name" "transit" "path" "/etc/abri/transit" "secret" (dict "secretName" $transit.tokenSecret "defaultMode" 288 "items" (list (dict "key" $transit.tokenKey "path" "token")))) -}}
{{- if $transit.caSecret -}}
{{- $volumes = append $volumes (dict "name" "transit-ca" "path" "/etc/abri/transit-ca" "secret" (dict "secretName" $transit.caSecret "defaultMode" 292 "items" (list (dict "key" $transit.caKey "path" "ca.crt")))) -}}
{{- end -}}
{{- end -}}
{{- range $volumes }}
{{- if $mounts }}
- name: {{ .name }}
  mountPath: {{ .path }}
  readOnly: true
{{- else }}
- name: {{ .name }}
  secret:
    {{- toYaml .secret | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}

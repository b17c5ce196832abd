{{/* Names, labels and the list of components every per-component template ranges over. */}}

{{- define "abri.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "abri.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels of the release's objects; call with (dict "root" $ "component" "listings"). */}}
{{- define "abri.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: abri
{{ include "abri.selectorLabels" . }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "abri.selectorLabels" -}}
app.kubernetes.io/name: {{ include "abri.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{/* The release's pods, whatever their component (default deny, DNS). */}}
{{- define "abri.releaseSelector" -}}
app.kubernetes.io/name: {{ include "abri.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
The components as a dict, each with the defaults merged under its own values:
{"gateway": {...}, "listings": {...}, ...}. Disabled services are left out.
*/}}
{{- define "abri.components" -}}
{{- $all := dict -}}
{{- $_ := set $all "gateway" (mustMergeOverwrite (deepCopy .Values.defaults) (deepCopy .Values.gateway)) -}}
{{- range $name, $svc := .Values.services -}}
{{- if $svc.enabled -}}
{{- $_ := set $all $name (mustMergeOverwrite (deepCopy $.Values.defaults) (deepCopy $svc)) -}}
{{- end -}}
{{- end -}}
{{- toJson $all -}}
{{- end -}}

{{/* The services only (no gateway), merged like abri.components. */}}
{{- define "abri.services" -}}
{{- $all := include "abri.components" . | fromJson -}}
{{- $_ := unset $all "gateway" -}}
{{- toJson $all -}}
{{- end -}}

{{- define "abri.componentName" -}}
{{- printf "%s-%s" (include "abri.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "abri.secretName" -}}
{{- default (include "abri.componentName" .) .values.existingSecret -}}
{{- end -}}

{{- define "abri.image" -}}
{{- $image := .root.Values.image -}}
{{- $repository := printf "%s/%s" $image.repository .component -}}
{{- if $image.registry -}}{{- $repository = printf "%s/%s" $image.registry $repository -}}{{- end -}}
{{- $tag := default .root.Chart.AppVersion $image.tag -}}
{{- if .values.imageDigest -}}
{{- printf "%s:%s@%s" $repository $tag .values.imageDigest -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The CloudNativePG Cluster of a service's database. */}}
{{- define "abri.dbClusterName" -}}
{{- printf "%s-%s-db" (include "abri.fullname" .root) .component | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{/*
The database URL of a service when CloudNativePG holds its database: built from the Cluster's app
secret (username, password) by Kubernetes' $(VAR) expansion. CloudNativePG's generated passwords are
alphanumeric, so they need no URL escaping.
*/}}
{{- define "abri.cnpgDatabaseEnv" -}}
{{- $prefix := printf "ABRI_%s_" (upper .component) -}}
{{- $cluster := include "abri.dbClusterName" . -}}
- name: {{ $prefix }}DB_USER
  valueFrom:
    secretKeyRef: {name: {{ $cluster }}-app, key: username}
- name: {{ $prefix }}DB_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ $cluster }}-app, key: password}
- name: {{ $prefix }}DATABASE_URL
  value: {{ printf "postgresql+asyncpg://$(%sDB_USER):$(%sDB_PASSWORD)@%s-rw:5432/%s" $prefix $prefix $cluster .component | quote }}
{{- end -}}

{{/* A service's Kafka credential (SASL_SSL, SCRAM-SHA-512): its KafkaUser's name and password (the Secret
Strimzi writes under that name), and the CA file the brokers' certificates are checked against. */}}
{{- define "abri.kafkaEnv" -}}
{{- $prefix := printf "ABRI_%s_" (upper .component) -}}
{{- $user := include "abri.componentName" . -}}
- name: {{ $prefix }}KAFKA_USERNAME
  value: {{ $user | quote }}
- name: {{ $prefix }}KAFKA_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ $user }}, key: {{ .root.Values.kafka.auth.passwordKey }}}
- name: {{ $prefix }}KAFKA_CA_FILE
  value: /etc/abri/kafka/ca.crt
{{- end -}}

{{/* Pod-level settings shared by Deployments and migration Jobs. */}}
{{- define "abri.podSecurity" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Egress rule from a {to, ports} value: no `to` means any address on those ports. */}}
{{- define "abri.egressRule" -}}
- ports:
  {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
  {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{- define "abri.hookAnnotations" -}}
{{- if .root.Values.postgresql.cnpg.enabled -}}
helm.sh/hook: post-install,pre-upgrade
{{- else -}}
helm.sh/hook: pre-install,pre-upgrade
{{- end }}
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end -}}

{{/* Egress to a service's database: its CloudNativePG Cluster's pods, or the configured peers. */}}
{{- define "abri.databaseEgress" -}}
{{- if .root.Values.postgresql.cnpg.enabled -}}
- ports:
    - {port: 5432, protocol: TCP}
  to:
    - podSelector:
        matchLabels:
          cnpg.io/cluster: {{ include "abri.dbClusterName" . }}
{{- else -}}
{{- include "abri.egressRule" .root.Values.postgresql.egress -}}
{{- end -}}
{{- end -}}

{{/*
The Deployments of a component, as a JSON list of {"pod": its pods' component label, "role": ...}; call with
(dict "root" $ "component" "listings" "values" $c). "all": one Deployment serves the API and runs the outbox
relay and the event consumer (the default). With workers.separate (services only), "api": the API with its
relay and consumer off (ABRI_<SVC>_RELAY_ENABLED / _CONSUMER_ENABLED false), scaled by its autoscaler; and
"worker": a Deployment of its own, <component>-worker, that runs the relay and the consumer, answers only its
probes and /metrics, and takes no request from the gateway. Sweepers run in both (each is safe with several
replicas). The worker's pods have their own component label, so that no selector of the API's takes them.
*/}}
{{- define "abri.workloads" -}}
{{- $workers := .values.workers | default dict -}}
{{- if and (ne .component "gateway") $workers.separate -}}
{{- $worker := printf "%s-worker" .component -}}
{{- if eq (include "abri.componentName" (dict "root" .root "component" $worker)) (include "abri.componentName" .) -}}
{{- fail (printf "the release's name is too long for %s's worker Deployment to have a name of its own (63 characters): shorten it or fullnameOverride" .component) -}}
{{- end -}}
{{- list (dict "pod" .component "role" "api") (dict "pod" $worker "role" "worker") | toJson -}}
{{- else -}}
{{- list (dict "pod" .component "role" "all") | toJson -}}
{{- end -}}
{{- end -}}

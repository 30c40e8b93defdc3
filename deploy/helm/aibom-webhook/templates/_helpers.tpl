{{- define "aibom-webhook.labels" -}}
app.kubernetes.io/name: aibom-webhook
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aibom-webhook.trust" -}}
{{- if .Values.trustConfigMap -}}{{ .Values.trustConfigMap }}{{- else -}}{{ .Release.Name }}-trust{{- end -}}
{{- end -}}

{{- define "aibom-webhook.rules" -}}
- apiGroups: [""]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["pods", "pods/ephemeralcontainers"]
- apiGroups: ["apps"]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["deployments", "statefulsets", "daemonsets", "replicasets"]
- apiGroups: ["batch"]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["jobs", "cronjobs"]
- apiGroups: ["serving.kserve.io"]
  apiVersions: ["v1beta1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["inferenceservices"]
{{- end -}}

{{- define "aibom-webhook.selector" -}}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: [{{ .Release.Namespace | quote }}{{ range .Values.excludeNamespaces }}, {{ . | quote }}{{ end }}]
    - key: aibom.dev/webhook
      operator: NotIn
      values: ["skip"]
{{- end -}}

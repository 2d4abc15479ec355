/**
 * The alert on the CloudNativePG operator's admission webhooks: the API server could not call
 * them. With `failurePolicy: Fail` (chart cloudnative-pg 0.25.0 to 0.29.0 values.yaml
 * webhook.{mutating,validating}.failurePolicy) every write of a Cluster, Backup, ScheduledBackup,
 * Database or Pooler is then refused, so `pulumi up`, scheduled backups and the operator's own
 * updates stop. Typical causes: a network policy that does not admit the API server's traffic
 * (network.webhookEntities), the operator down, its certificate expired. Pure.
 *
 * The series, read in kubernetes/kubernetes at commit 01b9f4b6eb819e4cd4a6d192d703961b34841f18
 * (master, after v1.34): staging/src/k8s.io/apiserver/pkg/admission/metrics/metrics.go registers
 * the counter `apiserver_admission_webhook_rejection_count{name, type, operation, error_type,
 * rejection_code}` (namespace `apiserver`, subsystem `admission`, no `_total` suffix), and the
 * webhook dispatchers (plugin/webhook/validating/dispatcher.go, mutating/dispatcher.go) count
 * a call that failed (timeout, connection refused, TLS) under a Fail policy with
 * `error_type="calling_webhook_error"`; a webhook that answers "denied" counts as `no_error`.
 * `name` is the webhook's name: CNPG's are `<m|v><kind>.cnpg.io` (chart templates
 * mutatingwebhookconfiguration.yaml and validatingwebhookconfiguration.yaml, 0.25.0 to 0.29.0).
 */
import { rule, type Alerts, type AlertRule } from "./promql";

/** The CNPG webhooks' names, as a PromQL regex. */
export const CNPG_WEBHOOK_NAME_REGEX = "[mv][a-z]+\\\\.cnpg\\\\.io";

export function webhookRules(a: Alerts): AlertRule[] {
    return [
        rule(
            a,
            "CNPGWebhookUnreachable",
            `sum by (name) (increase(apiserver_admission_webhook_rejection_count{name=~"${CNPG_WEBHOOK_NAME_REGEX}", error_type="calling_webhook_error"}[10m])) > 0`,
            "1m",
            "critical",
            "The API server cannot call the CloudNativePG webhook {{ $labels.name }}",
            "{{ $value }} writes were refused in 10 minutes because the call to the webhook failed (timeout, connection refused or TLS): every Cluster, Backup, ScheduledBackup, Database and Pooler write is refused while it lasts. Check the operator pod, its certificate, and that network.webhookEntities admits how the API server reaches it.",
        ),
    ];
}

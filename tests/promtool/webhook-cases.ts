/**
 * promtool cases of CNPGWebhookUnreachable (components/monitoring/webhook-rules.ts), on both
 * stacks. The series is the API server's counter as kube-apiserver registers it
 * (staging/src/k8s.io/apiserver/pkg/admission/metrics/metrics.go at kubernetes/kubernetes
 * 01b9f4b6: `apiserver_admission_webhook_rejection_count{name, type, operation, error_type,
 * rejection_code}`), with the labels a scrape of the API server adds.
 */
import type { AlertCase, Series, Suite } from "./types";

const s = (series: string, values: string): Series => ({ series, values });
const API = 'job="apiserver", instance="10.25.11.10:6443"';
const rejected = (name: string, errorType: string, code: string, values: string): Series =>
    s(
        `apiserver_admission_webhook_rejection_count{${API}, name="${name}", type="validating", operation="CREATE", error_type="${errorType}", rejection_code="${code}"}`,
        values,
    );

function cases(suite: Suite): AlertCase[] {
    return [
        {
            suite,
            name: "a CNPG webhook the API server cannot call fires",
            alert: "CNPGWebhookUnreachable",
            evalTime: "6m",
            series: [rejected("vcluster.cnpg.io", "calling_webhook_error", "500", "0x3 1+1x10")],
            expect: [{ severity: "critical", name: "vcluster.cnpg.io" }],
        },
        {
            suite,
            name: "a CNPG webhook denying a bad spec, and another operator's unreachable webhook, stay silent",
            alert: "CNPGWebhookUnreachable",
            evalTime: "6m",
            series: [
                rejected("vcluster.cnpg.io", "no_error", "400", "0x3 1+1x10"),
                rejected("validate.kyverno.svc", "calling_webhook_error", "500", "0x3 1+1x10"),
                rejected("vpooler.cnpg.io", "calling_webhook_error", "500", "2x15"),
            ],
            expect: [],
        },
    ];
}

export const WEBHOOK_CASES: AlertCase[] = [...cases("infra"), ...cases("apps")];

/**
 * The building blocks of the platform's alert rules: the PrometheusRule shapes
 * (monitoring.coreos.com/v1, prometheus-operator v0.82.2), one rule with its runbook link, and
 * label selectors. Pure.
 */
import type { MonitoringConfig } from "./config";

export const PROMETHEUS_RULE_API_VERSION = "monitoring.coreos.com/v1";

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    /**
     * severity, and `tenant` on the rules of one tenant or `application` on those of one
     * co-located cluster (one rule each shares an alert name).
     */
    labels: {
        severity: "critical" | "warning";
        tenant?: string;
        /** On a pooler's rules, the Pooler's name (a tenant may have two). */
        pooler?: string;
        application?: string;
    };
    annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

export interface PrometheusRuleObject {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    spec: { groups: RuleGroup[] };
}

export type Alerts = MonitoringConfig["alerts"];

/** GitHub's anchor of a runbook heading (docs/alerts.md) made of the alert's name. */
export function runbookAnchor(alert: string): string {
    return alert.toLowerCase();
}

export function rule(
    a: Alerts,
    alert: string,
    expr: string,
    forDuration: string,
    severity: "critical" | "warning",
    summary: string,
    description: string,
    extra: Record<string, string> = {},
): AlertRule {
    return {
        alert,
        expr,
        for: forDuration,
        labels: { severity, ...extra },
        annotations: {
            summary,
            description,
            runbook_url: `${a.runbookBaseUrl}#${runbookAnchor(alert)}`,
        },
    };
}

/** A selector; a value starting with "~" is a regex match. */
export function sel(labels: Record<string, string>): string {
    return `{${Object.entries(labels)
        .map(([k, v]) => `${k}${v.startsWith("~") ? "=~" : "="}"${v.replace(/^~/, "")}"`)
        .join(", ")}}`;
}

/** Regex-escape a Kubernetes name (only '.' can appear besides [a-z0-9-]). */
export function re(name: string): string {
    return name.replace(/\./g, "\\\\.");
}

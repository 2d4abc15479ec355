/**
 * The platform's alerts: one PrometheusRule per object `buildPrometheusRules` returns. Needs the
 * Prometheus Operator CRDs on the cluster (`platform:monitoring.alerts.enabled: false` without).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY } from "../namespace";
import { PROMETHEUS_RULE_API_VERSION, type PrometheusRuleObject } from "./rules";

export interface AlertsArgs {
    rules: PrometheusRuleObject[];
    /** Namespaces this stack creates, by name: a rule in one of them waits for it. */
    namespaces: Record<string, pulumi.Resource>;
}

export class Alerts extends pulumi.ComponentResource {
    public readonly rules: k8s.apiextensions.CustomResource[];

    constructor(name: string, args: AlertsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("platform:monitoring:Alerts", name, {}, opts);
        this.rules = args.rules.map((r) => {
            const ns = args.namespaces[r.namespace];
            return new k8s.apiextensions.CustomResource(
                `${r.namespace}/${r.name}`,
                {
                    apiVersion: PROMETHEUS_RULE_API_VERSION,
                    kind: "PrometheusRule",
                    metadata: {
                        name: r.name,
                        namespace: r.namespace,
                        labels: { ...MANAGED_BY, ...r.labels },
                    },
                    spec: r.spec,
                },
                { parent: this, dependsOn: ns ? [ns] : [] },
            );
        });
        this.registerOutputs({ rules: args.rules.map((r) => `${r.namespace}/${r.name}`) });
    }
}

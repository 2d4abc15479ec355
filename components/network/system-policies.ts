/**
 * CiliumNetworkPolicies of the platform's system pods, on either cluster (both run them): the
 * CloudNativePG operator, the Barman Cloud plugin and the backup-metrics exporter. Peers are pods
 * of the stack's own cluster (`network.clusterName` on infra, `network.appsClusterName` on apps),
 * never of the other one. Ingress only for the
 * operator and the plugin (their egress, to the API server, the instances and each other, stays
 * open); the exporter also talks to nothing but the API server. Pure.
 *
 * Ports, read upstream:
 * - operator, chart cloudnative-pg 0.29.0 (CNPG 1.30.0; the same in 0.25.0 / 1.26.1): the webhook server on
 *   `webhook.port` 9443 (values.yaml), behind Service cnpg-webhook-service (templates/service.yaml,
 *   targetPort webhook-server), which the API server calls for every Cluster, Pooler,
 *   ScheduledBackup, Backup and Database; the kubelet probes /readyz on the same port
 *   (templates/deployment.yaml liveness, readiness, startup); metrics on 8080 (containerPort
 *   `metrics`, its PodMonitor with cnpg.monitoring.podMonitor);
 *   the same at chart 0.29.0 (CNPG 1.30.0, the apps cluster's): `webhook.port` 9443, probes on
 *   port webhook-server, selectorLabels app.kubernetes.io/name and app.kubernetes.io/instance;
 * - plugin, chart plugin-barman-cloud 0.7.0 (plugin v0.13.0): gRPC on 9090 (templates/
 *   deployment.yaml `--server-address=:9090`, tcpSocket readiness probe; templates/service.yaml
 *   Service barman-cloud targetPort 9090, annotation cnpg.io/pluginPort), called by the operator
 *   (mTLS with the chart's client certificate); pod labels app.kubernetes.io/name
 *   plugin-barman-cloud and app.kubernetes.io/instance <release> (_helpers.tpl selectorLabels);
 * - exporter: kube-state-metrics v2.19.1 metrics 8080, telemetry (/readyz) 8081
 *   (components/monitoring/exporter.ts).
 *
 * The webhook admits the entities in `network.webhookEntities` (default `kube-apiserver` and
 * `host`). The API server reaches a webhook from its own address: Cilium gives the addresses of
 * the `kubernetes` Service's endpoints the `kube-apiserver` identity, also when the API server
 * runs in the host network of a control-plane node, as on Talos (cilium/cilium#17823, 1.12), and
 * keeps it over the tunnel (cilium/cilium#18527); `host` stands for the kubelet of the pod's
 * node, and for the API server when it runs on that node. `remote-node` is left out by default:
 * Cilium's Documentation/security/policy/layer3.rst defines it as any node of any connected
 * cluster, the apps cluster's included, and notes that `kube-apiserver` may not match ingress
 * where control-plane traffic is tunnelled through worker nodes (managed distributions); that is
 * what the setting and the CNPGWebhookUnreachable alert are for.
 */
import type { AlertsStackConfig } from "../monitoring/config";
import { BARMAN_PLUGIN_RELEASE_NAME } from "../cnpg/barman-plugin";
import {
    EXPORTER_METRICS_PORT,
    EXPORTER_POD_LABELS,
    EXPORTER_TELEMETRY_PORT,
    exporterPlan,
} from "../monitoring/exporter";
import {
    CNPG_OPERATOR_LABELS,
    peer,
    tcp,
    type CiliumPolicy,
    type PolicyStackConfig,
} from "./policies";

export const SYSTEM_PORTS = {
    operatorWebhook: 9443,
    operatorMetrics: 8080,
    pluginGrpc: 9090,
} as const;

export const BARMAN_PLUGIN_POD_LABELS = {
    "app.kubernetes.io/name": "plugin-barman-cloud",
    "app.kubernetes.io/instance": BARMAN_PLUGIN_RELEASE_NAME,
};

export function buildSystemPolicies(cfg: PolicyStackConfig & AlertsStackConfig): CiliumPolicy[] {
    const net = cfg.network;
    if (!net.enabled) return [];
    const local = cfg.role === "infra" ? net.clusterName : net.appsClusterName;
    const ns = cfg.cnpg.namespace;
    const policies: CiliumPolicy[] = [
        {
            name: "cnpg-operator",
            namespace: ns,
            spec: {
                description: `CNPG operator: its webhook (${SYSTEM_PORTS.operatorWebhook}) from the entities ${net.webhookEntities.join(", ")} (API server, kubelet), metrics from ${net.monitoringNamespace}, in cluster ${local} only`,
                endpointSelector: { matchLabels: CNPG_OPERATOR_LABELS },
                ingress: [
                    {
                        fromEntities: [...net.webhookEntities],
                        toPorts: tcp(SYSTEM_PORTS.operatorWebhook),
                    },
                    {
                        fromEndpoints: [peer(local, net.monitoringNamespace)],
                        toPorts: tcp(SYSTEM_PORTS.operatorMetrics),
                    },
                ],
            },
        },
    ];
    if (cfg.cnpg.barmanCloudPlugin.enabled) {
        policies.push({
            name: "barman-cloud-plugin",
            namespace: ns,
            spec: {
                description: `Barman Cloud plugin: gRPC (${SYSTEM_PORTS.pluginGrpc}) from the CNPG operator of cluster ${local} and the kubelet only`,
                endpointSelector: { matchLabels: BARMAN_PLUGIN_POD_LABELS },
                ingress: [
                    {
                        fromEndpoints: [peer(local, ns, CNPG_OPERATOR_LABELS)],
                        toPorts: tcp(SYSTEM_PORTS.pluginGrpc),
                    },
                    { fromEntities: ["host"], toPorts: tcp(SYSTEM_PORTS.pluginGrpc) },
                ],
            },
        });
    }
    const exporter = exporterPlan(cfg);
    if (exporter) {
        policies.push({
            name: "platform-backup-metrics",
            namespace: exporter.namespace,
            spec: {
                description: `Backup-metrics exporter: metrics from ${net.monitoringNamespace}, probes from the kubelet; talks to the API server only`,
                endpointSelector: { matchLabels: EXPORTER_POD_LABELS },
                ingress: [
                    {
                        fromEndpoints: [peer(local, net.monitoringNamespace)],
                        toPorts: tcp(EXPORTER_METRICS_PORT),
                    },
                    {
                        fromEntities: ["host"],
                        toPorts: tcp(EXPORTER_METRICS_PORT, EXPORTER_TELEMETRY_PORT),
                    },
                ],
                egress: [{ toEntities: ["kube-apiserver"] }],
            },
        });
    }
    return policies;
}

/**
 * The managed Dragonfly's CiliumNetworkPolicy: the client port 6379 from the configured client
 * namespaces (and the scrapers), the password-less admin port 9999 from the operator and the
 * instance's own pods only, every peer in this cluster. Pure.
 *
 * Read in dragonfly-operator v1.6.1:
 * - internal/resources/const.go: Dragonfly starts with `--admin_port=9999 --admin_nopass`
 *   (DefaultDragonflyArgs); pods carry `app: <name>` and `app.kubernetes.io/name: dragonfly`.
 * - internal/controller/dragonfly_instance.go: the operator talks to every pod on the admin port
 *   (getRedisClient), and replicas replicate from the master's admin port
 *   (`SLAVEOF <master ip> 9999`, replicaOf); the probes are exec'd inside the pod (resources.go,
 *   HEALTHCHECK_PORT), which no policy sees.
 * - internal/resources/resources.go generateNetworkPolicy: the operator's own NetworkPolicy admits
 *   9999 from `control-plane: controller-manager` pods of its namespace and from the instance's
 *   pods, and 6379 from the instance's namespace; none of these peers names a cluster, so under
 *   ClusterMesh (Cilium up to 1.18) they match the apps cluster's pods too, and policies add up,
 *   so no policy of ours could take that back. With our policy in place the Dragonfly spec sets
 *   `networkPolicyEnabled: false`, and the operator deletes its NetworkPolicy
 *   (dragonfly_instance.go reconcileResources).
 * - charts/dragonfly-operator templates/deployment.yaml: the operator's pods carry
 *   `control-plane: controller-manager`, and `app.kubernetes.io/name: dragonfly-operator`
 *   (_helpers.tpl selectorLabels; the chart's name, no nameOverride here).
 */
import { DRAGONFLY_ADMIN_PORT, DRAGONFLY_PORT, type DragonflyConfig } from "../dragonfly/config";
import { dragonflyPodLabels } from "../dragonfly/spec";
import { peer, tcp, type CiliumPolicy } from "./cilium";
import type { NetworkConfig } from "./config";

export const DRAGONFLY_OPERATOR_POD_LABELS = {
    "control-plane": "controller-manager",
    "app.kubernetes.io/name": "dragonfly-operator",
};

export function dragonflyPolicy(
    df: DragonflyConfig | undefined,
    net: NetworkConfig,
): CiliumPolicy | undefined {
    if (df?.mode !== "managed") return undefined;
    const local = net.clusterName;
    const own = dragonflyPodLabels(df.name);
    return {
        name: `${df.name}-clients`,
        namespace: df.namespace,
        spec: {
            description: `Dragonfly ${df.name}: 6379 from ${df.clientNamespaces.join(", ")} and metrics; the password-less admin port ${DRAGONFLY_ADMIN_PORT} from the operator and its own pods; in cluster ${local} only`,
            endpointSelector: { matchLabels: own },
            ingress: [
                {
                    fromEndpoints: [
                        ...df.clientNamespaces.map((ns) => peer(local, ns)),
                        peer(local, net.monitoringNamespace),
                    ],
                    toPorts: tcp(DRAGONFLY_PORT),
                },
                { fromEntities: ["host"], toPorts: tcp(DRAGONFLY_PORT) },
                {
                    fromEndpoints: [
                        peer(local, df.operator.namespace, DRAGONFLY_OPERATOR_POD_LABELS),
                        { matchLabels: { ...peer(local, df.namespace).matchLabels, ...own } },
                    ],
                    toPorts: tcp(DRAGONFLY_ADMIN_PORT),
                },
            ],
        },
    };
}

/**
 * The alerts of one PgBouncer Pooler: every Pooler of the stack's topology
 * (components/postgres/topology.ts), a tenant's main pooler and its session-mode one alike. Pure.
 *
 * Metrics, read in CloudNativePG 1.30.0 (as 1.26.1) pkg/management/pgbouncer/metricsserver/pools.go and
 * pgbouncer_collector.go: `cnpg_pgbouncer_up`, `cnpg_pgbouncer_pools_cl_waiting`,
 * `cnpg_pgbouncer_pools_sv_{active,idle,used,tested,login}{database,user}`. The Pooler's
 * PodMonitor (pkg/specs/pgbouncer/podmonitor.go at 1.26.1 and 1.30.0) relabels nothing unless
 * the Pooler asks (podMonitorRelabelings), so series keep Prometheus' `namespace` and `pod` target
 * labels and no pod label: a pooler's series are found by pod name.
 *
 * A Pooler's pods belong to its Deployment (pkg/specs/pgbouncer/deployments.go at 1.26.1 and
 * 1.30.0: named like the Pooler): `<pooler>-<pod-template-hash>-<suffix>`, both generated parts drawn from Kubernetes'
 * random alphabet (letters and digits, never "-"). Hence `<pooler>-[a-z0-9]+-[a-z0-9]+`: the last
 * two dashes of a pod name split off its two generated parts, so the regex matches the pods of that
 * pooler and of no other, whatever the names: `gitlab-pooler-…` never matches
 * `gitlab-session-pooler-7c9f-x2b4q`, nor `gitlab-session-pooler-…` a `gitlab-pooler-…` pod, nor
 * `gitlab-pooler-…` the pods of a tenant named `gitlab-pooler-x`.
 *
 * Each rule carries the pooler's name as label `pooler` beside `tenant`: a tenant's two poolers
 * would otherwise raise alerts with the same labels, which Prometheus and Alertmanager take for one.
 */
import type { TenantBudget } from "../postgres/budget";
import type { PoolerNode } from "../postgres/topology";
import { rule, re, sel, type Alerts, type AlertRule } from "./promql";

/** The size of a pooler that its alerts compare with. */
export interface PoolerSize {
    /** PgBouncer instances, and the config key that sets them. */
    instances: number;
    instancesKey: string;
    /** Server connections one pool (database, role) can hold on one instance, and how that adds up. */
    perDatabase: number;
    poolText: string;
}

/** Instances and pool size of a pooler of the topology, from the tenant's budget. */
export function poolerSize(node: PoolerNode, b: TenantBudget): PoolerSize {
    if (node.session) {
        if (!b.session) throw new Error(`tenant ${b.tenant} has no session pooler in its budget`);
        return {
            instances: b.session.instances,
            instancesKey: "tenants[].pooler.session.instances",
            perDatabase: b.session.defaultPoolSize,
            poolText: `the pool holds ${b.session.defaultPoolSize} (tenants[].pooler.session.defaultPoolSize, no reserve)`,
        };
    }
    const capped = b.perDatabase < b.defaultPoolSize + b.reservePoolSize ? " (capped)" : "";
    return {
        instances: b.instances,
        instancesKey: "tenants[].pooler.instances",
        perDatabase: b.perDatabase,
        poolText: `the pool holds ${b.defaultPoolSize} default_pool_size + ${b.reservePoolSize} reserve_pool_size = ${b.perDatabase}${capped}`,
    };
}

/** The pods of exactly this pooler (see above). */
export function poolerPods(node: PoolerNode): { namespace: string; pod: string } {
    return { namespace: node.namespace, pod: `~${re(node.name)}-[a-z0-9]+-[a-z0-9]+` };
}

export function poolerRules(a: Alerts, node: PoolerNode, b: TenantBudget): AlertRule[] {
    const size = poolerSize(node, b);
    const pods = poolerPods(node);
    const ps = sel({ ...pods, user: b.role });
    const labels = { tenant: node.tenant, pooler: node.name };
    return [
        rule(
            a,
            "PgBouncerDown",
            `(count(cnpg_pgbouncer_up${sel(pods)} == 1) or vector(0)) < ${size.instances}`,
            "5m",
            "critical",
            `Fewer than ${size.instances} PgBouncer instances of ${node.name} are up`,
            `${size.instances} instances are configured (${size.instancesKey}); {{ $value }} answer.`,
            labels,
        ),
        rule(
            a,
            "PgBouncerClientsWaiting",
            `sum by (namespace, pod, database) (cnpg_pgbouncer_pools_cl_waiting${ps}) > 0`,
            "2m",
            "warning",
            `Clients of ${node.name} wait for a server connection on {{ $labels.pod }}`,
            `{{ $value }} clients of ${b.role} on {{ $labels.database }} have waited for 2 minutes: the pool (${size.perDatabase} per database) is exhausted.`,
            labels,
        ),
        rule(
            a,
            "PgBouncerPoolAtSize",
            `sum by (namespace, pod, database) (cnpg_pgbouncer_pools_sv_active${ps} + cnpg_pgbouncer_pools_sv_idle${ps} + cnpg_pgbouncer_pools_sv_used${ps} + cnpg_pgbouncer_pools_sv_tested${ps} + cnpg_pgbouncer_pools_sv_login${ps}) >= ${size.perDatabase}`,
            "10m",
            "warning",
            `The ${node.name} pool of {{ $labels.database }} is at its size on {{ $labels.pod }}`,
            `{{ $value }} server connections of ${b.role}; ${size.poolText}.`,
            labels,
        ),
    ];
}

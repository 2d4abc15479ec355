/**
 * Host-based authentication of the shared cluster and its poolers, as pure builders.
 *
 * Server (`Cluster.spec.postgresql.pg_hba`). CloudNativePG 1.30.0 writes pg_hba.conf as
 * (pkg/postgres/configuration.go, hbaTemplateString; 1.26.1 had the same lines without the
 * metrics exporter's and the cert lines' `map=`):
 *
 *     local all cnpg_metrics_exporter peer map=cnpg_metrics_exporter   ← the metrics queries
 *     local all all peer map=local                        ← instance manager, backups, exec
 *     hostssl postgres streaming_replica all cert map=cnpg_streaming_replica   ← replicas
 *     hostssl replication streaming_replica all cert map=cnpg_streaming_replica
 *     hostssl all cnpg_pooler_pgbouncer all cert map=cnpg_pooler_pgbouncer     ← auth_query login
 *     <the user rules, in order; only `${podselector:NAME}` references are expanded>
 *     host all all all <scram-sha-256>                    ← appended after everything
 *
 * PostgreSQL takes the first line that matches, so the rules here come first among the user rules:
 * plain TCP is rejected outright (the appended `host … all` would otherwise admit it), and the admin
 * role only matches from the admin path (the admin LoadBalancer's source ranges, whose client
 * address Cilium preserves with `externalTrafficPolicy: Local`, and loopback, where
 * `kubectl port-forward` connections arrive: the container runtime dials 127.0.0.1 inside the pod).
 * What CNPG needs keeps working: its own lines precede ours.
 *
 * Pooler (`Pooler.spec.pgbouncer.pg_hba`). CNPG 1.30.0 (as 1.26.1) writes PgBouncer's hba file as
 * (pkg/management/pgbouncer/config/config.go, pgbouncerHBAFileTemplateString):
 *
 *     local pgbouncer pgbouncer peer
 *     <the user rules>
 *     host all all 0.0.0.0/0 md5
 *     host all all ::/0 md5
 *
 * and its `user_search` returns any row of pg_shadow, so without rules every pooler logs in every
 * role, the superuser included. Each pooler admits its tenant's role to its tenant's databases over
 * TLS and rejects everything else before CNPG's catch-all lines.
 */
import type { TenantConfig } from "./config";

/** Where `kubectl port-forward` connections arrive inside the pod. */
export const LOOPBACK_RANGES = ["127.0.0.1/32", "::1/128"];

export interface ServerHbaInput {
    /** The role the SQL provider logs in as. */
    adminRole: string;
    /** Source ranges of the admin LoadBalancer, when there is one. */
    adminSourceRanges: string[];
    /** The configured rules (`postgres.pgHba`), after ours. */
    userRules: string[];
}

/** The user rules of the shared cluster's pg_hba, in the order PostgreSQL evaluates them. */
export function serverHbaRules(input: ServerHbaInput): string[] {
    const adminRanges = [...input.adminSourceRanges, ...LOOPBACK_RANGES];
    const privileged =
        input.adminRole === "postgres" ? ["postgres"] : [input.adminRole, "postgres"];
    return [
        "hostnossl all all all reject",
        ...adminRanges.map((cidr) => `hostssl all ${input.adminRole} ${cidr} scram-sha-256`),
        ...privileged.map((role) => `host all ${role} all reject`),
        ...input.userRules,
    ];
}

/** PgBouncer hba rules of one tenant's pooler: its role, its databases, TLS only. */
export function poolerHbaRules(tenant: TenantConfig): string[] {
    const databases = tenant.databases.map((d) => d.name).join(",");
    return [
        `hostssl ${databases} ${tenant.role} 0.0.0.0/0 scram-sha-256`,
        `hostssl ${databases} ${tenant.role} ::/0 scram-sha-256`,
        "host all all 0.0.0.0/0 reject",
        "host all all ::/0 reject",
    ];
}

/**
 * The first user rule of every cluster of the platform: plain TCP is rejected before CNPG's
 * appended `host all all all scram-sha-256` line could admit it (co-located clusters take it as
 * their only user rule; components/apps/spec.ts).
 */
export const REJECT_PLAIN_TCP = "hostnossl all all all reject";

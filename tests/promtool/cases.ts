/**
 * promtool unit tests of the alerts rendered from the committed Pulumi.infra.yaml
 * (`npm run test:rules`, scripts/test-rules.ts). Every alert has a case that fires and one that
 * stays silent, with series named as the exporters name them (see components/monitoring/rules.ts
 * for the upstream files). The thresholds are written out as numbers on purpose: they are what
 * the shipped config's limits give (harbor_app connectionLimit 90 → 81, max_connections 400 − 3
 * superuser_reserved → 357, the harbor pooler's 30 + 0 slots, gitlab's session pooler's 1 instance
 * and 5 slots, maxMemory 1536Mi → 90 %), so a change
 * to the arithmetic or to the config shows up here as a failing case.
 */
import { APPS_CASES } from "./apps-cases";
import { BACKUP_CASES } from "./backup-cases";
import { WEBHOOK_CASES } from "./webhook-cases";

import type { AlertCase, Series } from "./types";

export type { AlertCase, Series, Suite } from "./types";

const NS = 'namespace="cnpg-system"';
const pod = (n: number) => `pod="shared-postgres-${n}"`;
const s = (series: string, values: string): Series => ({ series, values });

/** The five server-side pool gauges of one PgBouncer pool. */
function pool(podName: string, user: string, database: string, counts: number[]): Series[] {
    return ["sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"].map((m, i) =>
        s(
            `cnpg_pgbouncer_pools_${m}{${NS}, pod="${podName}", database="${database}", user="${user}"}`,
            `${counts[i] ?? 0}x30`,
        ),
    );
}

/** Every pooler's PgBouncers; gitlab's session pooler (1 instance) answers when `sessionUp`. */
const poolersUp = (harborUp: number, sessionUp = true): Series[] => [
    ...["a", "b", "c"].map((x, i) =>
        s(`cnpg_pgbouncer_up{${NS}, pod="harbor-pooler-5d8f-${x}"}`, `${i < harborUp ? 1 : 0}x20`),
    ),
    ...["a", "b", "c"].map((x) =>
        s(`cnpg_pgbouncer_up{${NS}, pod="gitlab-pooler-77c4-${x}"}`, "1x20"),
    ),
    s(`cnpg_pgbouncer_up{${NS}, pod="${SESSION_POD}"}`, `${sessionUp ? 1 : 0}x20`),
    ...["a", "b"].map((x) =>
        s(`cnpg_pgbouncer_up{${NS}, pod="keycloak-pooler-6b9d-${x}"}`, "1x20"),
    ),
];

/** A pod of gitlab's session-mode pooler: `<pooler>-<pod-template-hash>-<suffix>`. */
const SESSION_POD = "gitlab-session-pooler-6d5fb7c48-k8z2m";

const DF = 'namespace="dragonfly"';
const HB = 'namespace="harbor"';

const OTHER_CASES: AlertCase[] = [
    {
        name: "archiving failing on the primary fires",
        alert: "PostgresWALArchivingFailing",
        evalTime: "10m",
        series: [
            s(`cnpg_pg_stat_archiver_last_archived_time{${NS}, ${pod(1)}}`, "100x15"),
            s(`cnpg_pg_stat_archiver_last_failed_time{${NS}, ${pod(1)}}`, "200+60x15"),
            s(`cnpg_pg_stat_archiver_last_archived_time{${NS}, ${pod(2)}}`, "-1x15"),
            s(`cnpg_pg_stat_archiver_last_failed_time{${NS}, ${pod(2)}}`, "-1x15"),
        ],
        expect: [{ severity: "critical", namespace: "cnpg-system", pod: "shared-postgres-1" }],
    },
    {
        name: "archiving recovered stays silent",
        alert: "PostgresWALArchivingFailing",
        evalTime: "10m",
        series: [
            s(`cnpg_pg_stat_archiver_last_archived_time{${NS}, ${pod(1)}}`, "300+60x15"),
            s(`cnpg_pg_stat_archiver_last_failed_time{${NS}, ${pod(1)}}`, "200x15"),
        ],
        expect: [],
    },
    // Replication: 3 instances.
    {
        name: "two of three instances up fires",
        alert: "PostgresInstancesNotReady",
        evalTime: "10m",
        series: [1, 2].map((n) =>
            s(`cnpg_collector_up{${NS}, ${pod(n)}, cluster="shared-postgres"}`, "1x15"),
        ),
        expect: [{ severity: "warning" }],
    },
    {
        name: "instances of another cluster do not count",
        alert: "PostgresInstancesNotReady",
        evalTime: "10m",
        series: [
            ...[1, 2].map((n) =>
                s(`cnpg_collector_up{${NS}, ${pod(n)}, cluster="shared-postgres"}`, "1x15"),
            ),
            s(`cnpg_collector_up{${NS}, pod="other-postgres-1", cluster="other-postgres"}`, "1x15"),
        ],
        expect: [{ severity: "warning" }],
    },
    {
        name: "three instances up stays silent",
        alert: "PostgresInstancesNotReady",
        evalTime: "10m",
        series: [1, 2, 3].map((n) =>
            s(`cnpg_collector_up{${NS}, ${pod(n)}, cluster="shared-postgres"}`, "1x15"),
        ),
        expect: [],
    },
    {
        name: "a replica 120 s behind fires",
        alert: "PostgresReplicaLagging",
        evalTime: "10m",
        series: [s(`cnpg_pg_replication_lag{${NS}, ${pod(2)}}`, "120x15")],
        expect: [{ severity: "warning", namespace: "cnpg-system", pod: "shared-postgres-2" }],
    },
    {
        name: "a replica 59 s behind stays silent",
        alert: "PostgresReplicaLagging",
        evalTime: "10m",
        series: [s(`cnpg_pg_replication_lag{${NS}, ${pod(2)}}`, "59x15")],
        expect: [],
    },
    {
        name: "the primary streaming to one replica fires",
        alert: "PostgresReplicaMissing",
        evalTime: "10m",
        series: [
            s(`cnpg_pg_replication_in_recovery{${NS}, ${pod(1)}}`, "0x15"),
            s(`cnpg_pg_replication_streaming_replicas{${NS}, ${pod(1)}}`, "1x15"),
            s(`cnpg_pg_replication_in_recovery{${NS}, ${pod(2)}}`, "1x15"),
            s(`cnpg_pg_replication_streaming_replicas{${NS}, ${pod(2)}}`, "0x15"),
        ],
        expect: [{ severity: "warning", namespace: "cnpg-system" }],
    },
    {
        name: "the primary streaming to two replicas stays silent",
        alert: "PostgresReplicaMissing",
        evalTime: "10m",
        series: [
            s(`cnpg_pg_replication_in_recovery{${NS}, ${pod(1)}}`, "0x15"),
            s(`cnpg_pg_replication_streaming_replicas{${NS}, ${pod(1)}}`, "2x15"),
            s(`cnpg_pg_replication_in_recovery{${NS}, ${pod(2)}}`, "1x15"),
            s(`cnpg_pg_replication_streaming_replicas{${NS}, ${pod(2)}}`, "0x15"),
        ],
        expect: [],
    },
    // Connections: max_connections 400 − 3 reserved = 397, × 0.9 → 357.
    {
        name: "357 backends on one instance fire",
        alert: "PostgresConnectionsNearMax",
        evalTime: "10m",
        series: [
            s(
                `cnpg_backends_total{${NS}, ${pod(1)}, usename="harbor_app", state="idle"}`,
                "200x15",
            ),
            s(
                `cnpg_backends_total{${NS}, ${pod(1)}, usename="gitlab_app", state="active"}`,
                "157x15",
            ),
        ],
        expect: [{ severity: "warning", namespace: "cnpg-system", pod: "shared-postgres-1" }],
    },
    {
        name: "356 backends stay silent",
        alert: "PostgresConnectionsNearMax",
        evalTime: "10m",
        series: [
            s(
                `cnpg_backends_total{${NS}, ${pod(1)}, usename="harbor_app", state="idle"}`,
                "200x15",
            ),
            s(
                `cnpg_backends_total{${NS}, ${pod(1)}, usename="gitlab_app", state="active"}`,
                "156x15",
            ),
        ],
        expect: [],
    },
    // harbor_app connectionLimit 90 → 81; gitlab 65 → 58 (its pooler and its session pooler).
    {
        name: "81 harbor_app backends fire for tenant harbor only",
        alert: "PostgresRoleConnectionsNearLimit",
        evalTime: "10m",
        series: [
            s(`cnpg_backends_total{${NS}, ${pod(1)}, usename="harbor_app", state="idle"}`, "60x15"),
            s(
                `cnpg_backends_total{${NS}, ${pod(1)}, usename="harbor_app", state="active"}`,
                "21x15",
            ),
            s(
                `cnpg_backends_total{${NS}, ${pod(1)}, usename="gitlab_app", state="active"}`,
                "53x15",
            ),
        ],
        expect: [
            {
                severity: "warning",
                tenant: "harbor",
                namespace: "cnpg-system",
                pod: "shared-postgres-1",
                usename: "harbor_app",
            },
        ],
    },
    {
        name: "58 gitlab backends fire for tenant gitlab",
        alert: "PostgresRoleConnectionsNearLimit",
        evalTime: "10m",
        series: [
            s(
                `cnpg_backends_total{${NS}, ${pod(1)}, usename="gitlab_app", state="active"}`,
                "58x15",
            ),
        ],
        expect: [
            {
                severity: "warning",
                tenant: "gitlab",
                namespace: "cnpg-system",
                pod: "shared-postgres-1",
                usename: "gitlab_app",
            },
        ],
    },
    {
        name: "80 harbor_app backends stay silent",
        alert: "PostgresRoleConnectionsNearLimit",
        evalTime: "10m",
        series: [
            s(`cnpg_backends_total{${NS}, ${pod(1)}, usename="harbor_app", state="idle"}`, "80x15"),
        ],
        expect: [],
    },
    // Poolers: harbor 3 instances, 30 + 0 slots per database.
    {
        name: "two of three harbor poolers up fires",
        alert: "PgBouncerDown",
        evalTime: "10m",
        series: poolersUp(2),
        expect: [{ severity: "critical", tenant: "harbor", pooler: "harbor-pooler" }],
    },
    {
        name: "every pooler up stays silent",
        alert: "PgBouncerDown",
        evalTime: "10m",
        series: poolersUp(3),
        expect: [],
    },
    {
        name: "harbor clients waiting for two minutes fire",
        alert: "PgBouncerClientsWaiting",
        evalTime: "10m",
        series: [
            s(
                `cnpg_pgbouncer_pools_cl_waiting{${NS}, pod="harbor-pooler-5d8f-a", database="harbor_registry", user="harbor_app"}`,
                "3x15",
            ),
        ],
        expect: [
            {
                severity: "warning",
                tenant: "harbor",
                pooler: "harbor-pooler",
                namespace: "cnpg-system",
                pod: "harbor-pooler-5d8f-a",
                database: "harbor_registry",
            },
        ],
    },
    {
        name: "auth_query clients waiting stay silent (not the tenant's pool)",
        alert: "PgBouncerClientsWaiting",
        evalTime: "10m",
        series: [
            s(
                `cnpg_pgbouncer_pools_cl_waiting{${NS}, pod="harbor-pooler-5d8f-a", database="harbor_registry", user="cnpg_pooler_pgbouncer"}`,
                "3x15",
            ),
            s(
                `cnpg_pgbouncer_pools_cl_waiting{${NS}, pod="harbor-pooler-5d8f-a", database="harbor_registry", user="harbor_app"}`,
                "0x15",
            ),
        ],
        expect: [],
    },
    {
        name: "30 harbor server connections fire",
        alert: "PgBouncerPoolAtSize",
        evalTime: "20m",
        series: pool("harbor-pooler-5d8f-a", "harbor_app", "harbor_registry", [20, 8, 2, 0, 0]),
        expect: [
            {
                severity: "warning",
                tenant: "harbor",
                pooler: "harbor-pooler",
                namespace: "cnpg-system",
                pod: "harbor-pooler-5d8f-a",
                database: "harbor_registry",
            },
        ],
    },
    {
        name: "29 harbor server connections stay silent",
        alert: "PgBouncerPoolAtSize",
        evalTime: "20m",
        series: pool("harbor-pooler-5d8f-a", "harbor_app", "harbor_registry", [20, 8, 1, 0, 0]),
        expect: [],
    },
    // gitlab's session pooler (pooler.session): 1 instance, a pool of 5 per database. Its rules
    // take its own pods only, and gitlab's transaction pooler's rules never take its pods.
    {
        name: "gitlab's session pooler down fires for it alone, its transaction pooler's pods up",
        alert: "PgBouncerDown",
        evalTime: "10m",
        series: poolersUp(3, false),
        expect: [{ severity: "critical", tenant: "gitlab", pooler: "gitlab-session-pooler" }],
    },
    {
        name: "gitlab's transaction pooler down fires though its session pooler answers",
        alert: "PgBouncerDown",
        evalTime: "10m",
        series: [
            ...poolersUp(3).filter((x) => !x.series.includes('pod="gitlab-pooler-77c4-')),
            s(`cnpg_pgbouncer_up{${NS}, pod="gitlab-session-pooler-77c4-a"}`, "1x20"),
        ],
        expect: [{ severity: "critical", tenant: "gitlab", pooler: "gitlab-pooler" }],
    },
    {
        name: "clients waiting on gitlab's session pooler fire under its name",
        alert: "PgBouncerClientsWaiting",
        evalTime: "10m",
        series: [
            s(
                `cnpg_pgbouncer_pools_cl_waiting{${NS}, pod="${SESSION_POD}", database="gitlabhq_production", user="gitlab_app"}`,
                "2x15",
            ),
        ],
        expect: [
            {
                severity: "warning",
                tenant: "gitlab",
                pooler: "gitlab-session-pooler",
                namespace: "cnpg-system",
                pod: SESSION_POD,
                database: "gitlabhq_production",
            },
        ],
    },
    {
        name: "5 server connections on gitlab's session pooler fire",
        alert: "PgBouncerPoolAtSize",
        evalTime: "20m",
        series: pool(SESSION_POD, "gitlab_app", "gitlabhq_production", [3, 1, 1, 0, 0]),
        expect: [
            {
                severity: "warning",
                tenant: "gitlab",
                pooler: "gitlab-session-pooler",
                namespace: "cnpg-system",
                pod: SESSION_POD,
                database: "gitlabhq_production",
            },
        ],
    },
    {
        name: "4 on the session pooler and 5 on the transaction pooler stay silent",
        alert: "PgBouncerPoolAtSize",
        evalTime: "20m",
        series: [
            ...pool(SESSION_POD, "gitlab_app", "gitlabhq_production", [3, 1, 0, 0, 0]),
            ...pool("gitlab-pooler-77c4-a", "gitlab_app", "gitlabhq_production", [3, 1, 1, 0, 0]),
        ],
        expect: [],
    },
    // Dragonfly: maxMemory 1536Mi = 1610612736 B, × 0.9 → 1449551462.
    {
        name: "memory above 90 % of maxMemory fires",
        alert: "DragonflyMemoryNearLimit",
        evalTime: "20m",
        series: [s(`dragonfly_memory_used_bytes{${DF}, pod="dragonfly-0"}`, "1449551463x25")],
        expect: [{ severity: "warning", namespace: "dragonfly", pod: "dragonfly-0" }],
    },
    {
        name: "memory at 90 % stays silent",
        alert: "DragonflyMemoryNearLimit",
        evalTime: "20m",
        series: [s(`dragonfly_memory_used_bytes{${DF}, pod="dragonfly-0"}`, "1449551462x25")],
        expect: [],
    },
    {
        name: "two replicas and no master fire",
        alert: "DragonflyNoMaster",
        evalTime: "10m",
        series: [
            s(`dragonfly_master{${DF}, pod="dragonfly-0"}`, "0x15"),
            s(`dragonfly_master{${DF}, pod="dragonfly-1"}`, "0x15"),
        ],
        expect: [{ severity: "critical" }],
    },
    {
        name: "one master stays silent",
        alert: "DragonflyNoMaster",
        evalTime: "10m",
        series: [
            s(`dragonfly_master{${DF}, pod="dragonfly-0"}`, "1x15"),
            s(`dragonfly_master{${DF}, pod="dragonfly-1"}`, "0x15"),
        ],
        expect: [],
    },
    // Harbor.
    {
        name: "no core health series at all fires (core's health API is down)",
        alert: "HarborCoreDown",
        evalTime: "10m",
        series: [s(`harbor_task_queue_size{${HB}, type="GARBAGE_COLLECTION"}`, "0x15")],
        expect: [{ severity: "critical" }],
    },
    {
        name: "core healthy stays silent",
        alert: "HarborCoreDown",
        evalTime: "10m",
        series: [s(`harbor_up{${HB}, component="core"}`, "1x15")],
        expect: [],
    },
    {
        name: "registry unhealthy fires",
        alert: "HarborRegistryDown",
        evalTime: "10m",
        series: [
            s(`harbor_up{${HB}, component="core"}`, "1x15"),
            s(`harbor_up{${HB}, component="registry"}`, "0x15"),
        ],
        expect: [{ severity: "critical" }],
    },
    {
        name: "registry healthy stays silent",
        alert: "HarborRegistryDown",
        evalTime: "10m",
        series: [s(`harbor_up{${HB}, component="registry"}`, "1x15")],
        expect: [],
    },
    {
        name: "a queue growing for 50 minutes fires",
        alert: "HarborJobQueueGrowing",
        evalTime: "50m",
        series: [s(`harbor_task_queue_size{${HB}, type="REPLICATION"}`, "0+1x60")],
        expect: [{ severity: "warning", namespace: "harbor", type: "REPLICATION" }],
    },
    {
        name: "a steady queue stays silent",
        alert: "HarborJobQueueGrowing",
        evalTime: "50m",
        series: [s(`harbor_task_queue_size{${HB}, type="REPLICATION"}`, "5x60")],
        expect: [],
    },
];

export const CASES: AlertCase[] = [
    ...BACKUP_CASES,
    ...OTHER_CASES,
    ...APPS_CASES.map((c) => ({ ...c, suite: "apps" as const })),
    ...WEBHOOK_CASES,
];

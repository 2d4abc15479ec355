/**
 * Pure builders of the apps stack: the Harbor pull secret's `.dockerconfigjson`, an application's
 * database connection values, the ClusterMesh stub Services, and a co-located CloudNativePG
 * `Cluster` (field names of the CNPG 1.30.0 Cluster CRD, each also in 1.26.1's). Tested without mocks.
 */
import { appNamespace, type ApplicationConfig, type ColocatedPostgresConfig } from "./config";
import {
    CILIUM_GLOBAL_ANNOTATION,
    CILIUM_SHARED_ANNOTATION,
    robotItemName,
} from "../contract/names";
import type { BarmanDestination } from "../postgres/barman";
import { recoveryBacksUp } from "../postgres/backup-config";
import { topology, type Topology } from "../postgres/topology";
import { REJECT_PLAIN_TCP } from "../postgres/hba";
import {
    applyBackupWiring,
    applyRecovery,
    applyRecoverySizing,
    planRecovery,
    scheduledBackupSpecFor,
    type BackupWiring,
    type RecoveryPlan,
} from "../postgres/spec";

/** Logical (Pulumi) name part of an application's pull secret; its Kubernetes name is per app. */
export const PULL_SECRET_NAME = "harbor-pull";

/**
 * The exact `.dockerconfigjson` a `kubernetes.io/dockerconfigjson` Secret carries:
 * `{"auths":{"<host>":{"username":..,"password":..,"auth":base64("user:pass")}}}`.
 */
export function dockerConfigJson(host: string, username: string, password: string): string {
    const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
    return JSON.stringify({ auths: { [host]: { username, password, auth } } });
}

/** The message a missing robot item fails the deployment with. */
export function robotItemMissingMessage(
    appIndex: number,
    project: string,
    vault: string,
    cause: string,
    title = robotItemName(project),
): string {
    return (
        `platform:applications[${appIndex}].harborProject = "${project}": 1Password item "${title}" ` +
        `could not be read from vault "${vault}" (${cause}). Create the Harbor robot account for project ` +
        `"${project}" and store it in vault "${vault}" as item "${title}" with fields username ` +
        `(e.g. "robot$${project}+${project}-puller") and password (the robot's secret), or declare the robot under platform:harborProjects on the infra stack, whose \`pulumi up\` creates the item.`
    );
}

// ---------------------------------------------------------------------------------------------
// Database connection secrets

export interface ConnectionInfo {
    host: string;
    port: number;
    database: string;
    username: string;
    password: string;
    sslmode: string;
    /** The tenant's session-mode pooler (for migrations), when it has one. */
    sessionHost?: string;
}

/** libpq key=value quoting: bare when safe, else single-quoted with \\ and ' escaped. */
function dsnValue(value: string): string {
    return /^[A-Za-z0-9._@/:+-]+$/.test(value)
        ? value
        : `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** The keys of an application's `<app>-database` Secret that carry the password. */
export const CONNECTION_SECRET_KEYS: readonly string[] = ["password", "uri", "dsn", "sessionUri"];

/**
 * Every key of an application's `<app>-database` Secret, including ready `uri` and `dsn`; with a
 * session-mode pooler also `sessionHost` and `sessionUri`, the path for migrations (a session
 * advisory lock holds there, not through a transaction pooler).
 */
export function connectionSecretData(c: ConnectionInfo): Record<string, string> {
    const user = encodeURIComponent(c.username);
    const pass = encodeURIComponent(c.password);
    const db = encodeURIComponent(c.database);
    return {
        host: c.host,
        port: String(c.port),
        database: c.database,
        username: c.username,
        password: c.password,
        sslmode: c.sslmode,
        uri: `postgresql://${user}:${pass}@${c.host}:${c.port}/${db}?sslmode=${c.sslmode}`,
        dsn: [
            ["host", c.host],
            ["port", String(c.port)],
            ["dbname", c.database],
            ["user", c.username],
            ["password", c.password],
            ["sslmode", c.sslmode],
        ]
            .map(([k, v]) => `${k ?? ""}=${dsnValue(v ?? "")}`)
            .join(" "),
        ...(c.sessionHost
            ? {
                  sessionHost: c.sessionHost,
                  sessionUri: `postgresql://${user}:${pass}@${c.sessionHost}:${c.port}/${db}?sslmode=${c.sslmode}`,
              }
            : {}),
    };
}

export function connectionSecretName(app: ApplicationConfig): string {
    return `${app.name}-database`;
}

// ---------------------------------------------------------------------------------------------
// ClusterMesh stubs

export interface GlobalServicePort {
    name: string;
    port: number;
}

/** A global service of the infra cluster that the apps cluster reaches through ClusterMesh. */
export interface GlobalService {
    name: string;
    namespace: string;
    ports: GlobalServicePort[];
    /** What it is, for readers: "pooler of tenant gitlab", "dragonfly". */
    description: string;
}

/**
 * The stub Service: same name, namespace and ports as the infra Service, no selector (no local
 * endpoints; Cilium fills in the remote cluster's backends), annotated global.
 */
export function stubServiceSpec(svc: GlobalService): {
    metadata: Record<string, unknown>;
    spec: Record<string, unknown>;
} {
    return {
        metadata: {
            name: svc.name,
            namespace: svc.namespace,
            // shared "false": the stub has no endpoints of its own and this cluster must never
            // contribute backends to an infra service (cilium pkg/annotation/k8s.go SharedService:
            // "allows to expose remote endpoints without sharing local endpoints").
            annotations: {
                [CILIUM_GLOBAL_ANNOTATION]: "true",
                [CILIUM_SHARED_ANNOTATION]: "false",
            },
        },
        spec: {
            type: "ClusterIP",
            ports: svc.ports.map((p) => ({
                name: p.name,
                port: p.port,
                targetPort: p.port,
                protocol: "TCP",
            })),
        },
    };
}

/** The in-cluster DNS name of a Service. */
export function serviceFqdn(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.cluster.local`;
}

// ---------------------------------------------------------------------------------------------
// Co-located CloudNativePG cluster

/**
 * Tuned defaults from the seed's cluster template (`postgres-cluster-template.yaml`), as strings
 * (CNPG's `postgresql.parameters` is a string map). The seed's `shared_preload_libraries:
 * "pg_stat_statements"` parameter is replaced by `pg_stat_statements.*` settings: CloudNativePG
 * manages that extension, preloading the library and running CREATE EXTENSION when one of its
 * parameters is set. `config.ts` rejects `shared_preload_libraries` in parameters.
 */
export const COLOCATED_DEFAULT_PARAMETERS: Readonly<Record<string, string>> = {
    max_connections: "100",
    shared_buffers: "128MB",
    effective_cache_size: "256MB",
    work_mem: "2MB",
    maintenance_work_mem: "64MB",
    log_statement: "none",
    log_min_duration_statement: "1000",
    "pg_stat_statements.max": "10000",
    "pg_stat_statements.track": "all",
};

/** Default MinIO bucket of co-located clusters' backups (seed: `s3://postgres-backups/APP_NAME`). */
export const COLOCATED_BACKUP_BUCKET = "s3://postgres-backups";

/** Names of a co-located cluster's objects. */
export function colocatedNames(app: ApplicationConfig) {
    const cluster = `${app.name}-postgres`;
    return {
        cluster,
        namespace: appNamespace(app),
        credentialsSecret: `${cluster}-credentials`,
        backupSecret: `${cluster}-backup-s3`,
        scheduledBackup: `${cluster}-daily`,
        rw: `${cluster}-rw`,
        /** The ObjectStore of the cluster's backup destination (plugin path). */
        objectStore: `${cluster}-backups`,
    };
}

/** The co-located cluster's own backup destination, or undefined without backups. */
export function colocatedDestination(app: ApplicationConfig): BarmanDestination | undefined {
    const pg = app.postgres;
    const b = pg?.backup;
    if (!pg || !b) return undefined;
    return {
        destinationPath: colocatedBackupPath(app, pg),
        endpointURL: b.endpointURL,
        credentialsSecret: colocatedNames(app).backupSecret,
        walCompression: b.walCompression,
        dataCompression: b.dataCompression,
        encryption: b.encryption,
        endpointCA: b.endpointCA,
    };
}

/** The recovery of a co-located cluster (`postgres.recovery`), or undefined. */
export function colocatedRecoveryPlan(app: ApplicationConfig): RecoveryPlan | undefined {
    const r = app.postgres?.recovery;
    const d = colocatedDestination(app);
    if (!r || !d) return undefined;
    const names = colocatedNames(app);
    return planRecovery(r, d, names.objectStore, names.cluster);
}

/**
 * The model of a co-located cluster (components/postgres/topology.ts): the cluster the application
 * uses (the restored one after cut-over) and every cluster in its namespace; `index` is the
 * application's position in platform:applications, for config keys in alert texts.
 */
export function colocatedTopology(app: ApplicationConfig, index = 0): Topology | undefined {
    const pg = app.postgres;
    if (!pg) return undefined;
    const names = colocatedNames(app);
    return topology(
        {
            name: names.cluster,
            namespace: names.namespace,
            instances: pg.instances,
            instancesKey: `applications[${index}].postgres.instances`,
            recovery: pg.recovery,
        },
        [],
    );
}

/** The cluster the application uses: the serving cluster of its model. */
export function colocatedServingCluster(app: ApplicationConfig): string {
    return colocatedTopology(app)?.serving.name ?? colocatedNames(app).cluster;
}

/** Database and owner of a co-located cluster: configured, else the app name as an identifier. */
export function colocatedDatabase(
    app: ApplicationConfig,
    pg: ColocatedPostgresConfig,
): { database: string; owner: string } {
    const fallback = app.name.replace(/-/g, "_").replace(/^([0-9])/, "_$1");
    return { database: pg.database ?? fallback, owner: pg.owner ?? pg.database ?? fallback };
}

export function colocatedBackupPath(app: ApplicationConfig, pg: ColocatedPostgresConfig): string {
    return pg.backup?.destinationPath ?? `${COLOCATED_BACKUP_BUCKET}/${app.name}`;
}

/**
 * Whether CNPG keeps PodDisruptionBudgets for a co-located cluster. CNPG 1.30.0, as 1.26.1
 * (internal/controller/cluster_create.go reconcilePodDisruptionBudget, pkg/specs/
 * poddisruptionbudget.go) keeps one on the primary with minAvailable 1, and one on the replicas
 * only from 3 instances. With a single instance that PDB can never be satisfied during an eviction,
 * so every node drain (a Talos upgrade) hangs until someone sets
 * `nodeMaintenanceWindow.inProgress`, which only drops it with `reusePVC` (the pod waits for its
 * node and volume to come back). A single instance has no replica to protect or fail over to, so
 * its PDB buys nothing: off. With two or more, the PDB keeps the primary up while replicas are
 * drained (switch over before draining the primary's node): on. `enablePDB` overrides.
 */
export function colocatedEnablePDB(pg: ColocatedPostgresConfig): boolean {
    return pg.enablePDB ?? pg.instances > 1;
}

/** The `Cluster` spec of an application's co-located cluster. */
export function buildColocatedClusterSpec(
    app: ApplicationConfig,
    /** `podMonitor`: CNPG's PodMonitor for the instances (the stack's alerts read it). */
    wiring: BackupWiring & { podMonitor?: boolean } = { plugin: false },
): Record<string, unknown> {
    const pg = app.postgres;
    if (!pg) throw new Error(`application ${app.name} has no postgres settings`);
    const names = colocatedNames(app);
    const { database, owner } = colocatedDatabase(app, pg);
    const spec: Record<string, unknown> = {
        instances: pg.instances,
        imageName: pg.imageName,
        primaryUpdateStrategy: "unsupervised",
        primaryUpdateMethod: pg.instances > 1 ? "switchover" : "restart",
        enableSuperuserAccess: false,
        enablePDB: colocatedEnablePDB(pg),
        postgresql: {
            parameters: { ...COLOCATED_DEFAULT_PARAMETERS, ...pg.parameters },
            // Like the shared cluster: no plain TCP, the application connects with TLS.
            pg_hba: [REJECT_PLAIN_TCP],
            ...(pg.sharedPreloadLibraries.length > 0
                ? { shared_preload_libraries: pg.sharedPreloadLibraries }
                : {}),
        },
        bootstrap: {
            initdb: { database, owner, secret: { name: names.credentialsSecret } },
        },
        storage: {
            size: pg.storage.size,
            ...(pg.storage.storageClass ? { storageClass: pg.storage.storageClass } : {}),
        },
        resources: pg.resources,
    };
    const destination = colocatedDestination(app);
    if (pg.backup && destination) {
        applyBackupWiring(spec, destination, pg.backup, names.objectStore, wiring);
    }
    if (wiring.podMonitor) spec.monitoring = { enablePodMonitor: true };
    return spec;
}

/**
 * The restored co-located cluster: the same spec under the new name, bootstrapped from the
 * source's backups (the owner's password reset from the same credentials Secret), archiving under
 * its own server name.
 */
export function buildColocatedRecoveredClusterSpec(
    app: ApplicationConfig,
    plugin: boolean,
): Record<string, unknown> {
    const pg = app.postgres;
    const plan = colocatedRecoveryPlan(app);
    if (!pg?.recovery || !plan) throw new Error(`application ${app.name} has no recovery`);
    const { database, owner } = colocatedDatabase(app, pg);
    const spec = buildColocatedClusterSpec(app, {
        plugin,
        serverName: plan.archiveServerName,
        archive: recoveryBacksUp(pg.recovery),
    });
    applyRecovery(spec, plan, pg.recovery.target, plugin, {
        database,
        owner,
        secret: { name: colocatedNames(app).credentialsSecret },
    });
    applyRecoverySizing(spec, pg.recovery);
    return spec;
}

export function buildColocatedScheduledBackupSpec(
    app: ApplicationConfig,
    plugin = false,
): Record<string, unknown> | undefined {
    const b = app.postgres?.backup;
    if (!b) return undefined;
    return scheduledBackupSpecFor(colocatedNames(app).cluster, b, plugin);
}

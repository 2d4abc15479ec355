/**
 * Pure builders for the CloudNativePG custom resources of the shared cluster: the `Cluster`, its
 * `ScheduledBackup`, and one `Pooler` per tenant. Field names follow the CNPG 1.30.0 CRDs (each also in 1.26.1's).
 */
import type { BackupConfig, PostgresConfig, TenantConfig } from "./config";
import { CILIUM_GLOBAL_ANNOTATION, TENANT_LABEL } from "../contract/names";
import {
    backupMethod,
    inTreeBackup,
    pluginArchiver,
    recoveryBootstrap,
    recoverySourceCluster,
    S3_CHECKSUM_ENV,
    type BarmanDestination,
} from "./barman";
import { recoveryBacksUp, type RecoveryConfig } from "./backup-config";

export { BACKUP_SECRET_KEYS, S3_CHECKSUM_ENV } from "./barman";
import { adminCertificateName } from "./access-config";
import { poolerHbaRules, serverHbaRules } from "./hba";
import { poolerOf, sharedTopology, type PoolerNode } from "./topology";

export { poolerName } from "./topology";

export const CNPG_API_VERSION = "postgresql.cnpg.io/v1";

/** Names derived from the cluster's name, used by CNPG and by consumers. */
export function clusterNames(pg: PostgresConfig) {
    return {
        superuserSecret: `${pg.name}-superuser`,
        backupSecret: `${pg.name}-backup-s3`,
        adminService: `${pg.name}-admin`,
        rw: `${pg.name}-rw`,
        ro: `${pg.name}-ro`,
        r: `${pg.name}-r`,
        scheduledBackup: `${pg.name}-daily`,
        /** The ObjectStore of the cluster's backup destination (plugin path). */
        objectStore: `${pg.name}-backups`,
    };
}

/** How a cluster's backups are wired: the plugin (one switch per stack) and the archive's server name. */
export interface BackupWiring {
    /** true: Barman Cloud plugin; false: in-tree barmanObjectStore. */
    plugin: boolean;
    /** Server name to archive under; unset = the cluster's name (both paths default to it). */
    serverName?: string;
    /** Include the admin LoadBalancer (default true). */
    adminService?: boolean;
    /** Archive WAL to the destination (default true); false keeps only what a recovery reads. */
    archive?: boolean;
}

/** The shared cluster's own backup destination. */
export function sharedDestination(pg: PostgresConfig, b: BackupConfig): BarmanDestination {
    return {
        destinationPath: b.destinationPath,
        endpointURL: b.endpointURL,
        credentialsSecret: clusterNames(pg).backupSecret,
        walCompression: b.walCompression,
        dataCompression: b.dataCompression,
        encryption: b.encryption,
        endpointCA: b.endpointCA,
    };
}

/** Where a recovery reads from and where the restored cluster archives, with the objects it needs. */
export interface RecoveryPlan {
    /** The restored cluster's name. */
    name: string;
    sourceServerName: string;
    archiveServerName: string;
    source: BarmanDestination;
    /** The ObjectStore the source is read through (the cluster's own when the destination is the same). */
    sourceObjectStore: string;
    /** Set when the source has its own ObjectStore (plugin path) and credentials Secret. */
    separateSource?: {
        credentialsItem?: { item: string; accessKeyField: string; secretKeyField: string };
    };
    scheduledBackup: string;
}

/**
 * Plans a recovery: the source defaults to the cluster's own destination and server name
 * (`defaultServerName`, the current cluster), the new cluster archives under its own name.
 */
export function planRecovery(
    r: RecoveryConfig,
    own: BarmanDestination,
    ownObjectStore: string,
    defaultServerName: string,
): RecoveryPlan {
    const source: BarmanDestination = {
        ...own,
        destinationPath: r.source.destinationPath ?? own.destinationPath,
        endpointURL: r.source.endpointURL ?? own.endpointURL,
        credentialsSecret: r.source.credentials ? `${r.name}-source-s3` : own.credentialsSecret,
        // The destination's CA verifies only the destination's endpoint.
        endpointCA:
            (r.source.endpointURL ?? own.endpointURL) === own.endpointURL
                ? own.endpointCA
                : undefined,
    };
    const same =
        source.destinationPath === own.destinationPath &&
        source.endpointURL === own.endpointURL &&
        source.credentialsSecret === own.credentialsSecret;
    return {
        name: r.name,
        sourceServerName: r.source.serverName ?? defaultServerName,
        archiveServerName: r.serverName ?? r.name,
        source,
        sourceObjectStore: same ? ownObjectStore : `${r.name}-source`,
        ...(same
            ? {}
            : {
                  separateSource: r.source.credentials
                      ? {
                            credentialsItem: {
                                item: r.source.credentials.item,
                                accessKeyField: r.source.credentials.accessKeyField,
                                secretKeyField: r.source.credentials.secretKeyField,
                            },
                        }
                      : {},
              }),
        scheduledBackup: `${r.name}-daily`,
    };
}

/**
 * Adds the backup wiring to a Cluster spec: `spec.plugins` naming the ObjectStore (plugin), or
 * `spec.backup.barmanObjectStore` with the checksum env (in-tree). CNPG 1.30.0 (as 1.26.1) rejects both at
 * once ("Cannot enable a WAL archiver plugin when barmanObjectStore is configured").
 */
export function applyBackupWiring(
    spec: Record<string, unknown>,
    d: BarmanDestination,
    b: Pick<BackupConfig, "retentionPolicy" | "target">,
    objectStore: string,
    w: BackupWiring,
): void {
    const archive = w.archive !== false;
    if (w.plugin) {
        if (archive) spec.plugins = pluginArchiver(objectStore, w.serverName);
    } else {
        // Reading the source through barman-cloud needs the same checksum setting as writing.
        spec.env = S3_CHECKSUM_ENV;
        if (archive) spec.backup = inTreeBackup(d, b, w.serverName);
    }
}

/**
 * Sizes a restored cluster from its recovery block: instances, resources, data and WAL volumes
 * each default to the current cluster's (already in `spec`).
 */
export function applyRecoverySizing(spec: Record<string, unknown>, r: RecoveryConfig): void {
    if (r.instances !== undefined) {
        spec.instances = r.instances;
        // One instance has nobody to switch over to.
        spec.primaryUpdateMethod = r.instances > 1 ? "switchover" : "restart";
    }
    if (r.resources) spec.resources = r.resources;
    const vol = (v: { size: string; storageClass?: string }) => ({
        size: v.size,
        ...(v.storageClass ? { storageClass: v.storageClass } : {}),
    });
    if (r.storage) spec.storage = vol(r.storage);
    if (r.walStorage) spec.walStorage = vol(r.walStorage);
}

/** Adds `bootstrap.recovery` and its `externalClusters` source to a Cluster spec. */
export function applyRecovery(
    spec: Record<string, unknown>,
    plan: RecoveryPlan,
    target: RecoveryConfig["target"],
    plugin: boolean,
    bootstrapExtra: Record<string, unknown> = {},
): void {
    spec.bootstrap = recoveryBootstrap(target, bootstrapExtra);
    spec.externalClusters = [
        recoverySourceCluster(plugin, {
            objectStore: plan.sourceObjectStore,
            serverName: plan.sourceServerName,
            destination: plan.source,
        }),
    ];
}

/** In-cluster DNS names a client may use for a Service in `namespace`. */
export function serviceDnsNames(service: string, namespace: string): string[] {
    return [
        service,
        `${service}.${namespace}`,
        `${service}.${namespace}.svc`,
        `${service}.${namespace}.svc.cluster.local`,
    ];
}

export function buildClusterSpec(
    pg: PostgresConfig,
    tenants: TenantConfig[],
    wiring: BackupWiring = { plugin: false },
): Record<string, unknown> {
    const names = clusterNames(pg);
    // Pooler Services are not added to the server certificate by CNPG; list them so that clients
    // connecting through a pooler can use sslmode=verify-full.
    const altNames = sharedTopology(pg, tenants).poolers.flatMap((p) =>
        serviceDnsNames(p.name, pg.namespace),
    );
    // The name the SQL provider verifies with verify-full (./access-config.ts).
    const adminName = adminCertificateName(pg);
    if (adminName && !altNames.includes(adminName)) altNames.push(adminName);

    const spec: Record<string, unknown> = {
        instances: pg.instances,
        imageName: pg.imageName,
        primaryUpdateStrategy: "unsupervised",
        primaryUpdateMethod: "switchover",
        enableSuperuserAccess: true,
        superuserSecret: { name: names.superuserSecret },
        postgresql: {
            parameters: { ...pg.parameters, max_connections: String(pg.maxConnections) },
            pg_hba: serverHbaRules({
                adminRole: "postgres",
                adminSourceRanges: pg.adminService.enabled ? pg.adminService.sourceRanges : [],
                userRules: pg.pgHba,
            }),
            ...(pg.sharedPreloadLibraries.length > 0
                ? { shared_preload_libraries: pg.sharedPreloadLibraries }
                : {}),
        },
        storage: {
            size: pg.storage.size,
            ...(pg.storage.storageClass ? { storageClass: pg.storage.storageClass } : {}),
        },
        ...(pg.walStorage
            ? {
                  walStorage: {
                      size: pg.walStorage.size,
                      ...(pg.walStorage.storageClass
                          ? { storageClass: pg.walStorage.storageClass }
                          : {}),
                  },
              }
            : {}),
        resources: pg.resources,
        affinity: {
            enablePodAntiAffinity: true,
            topologyKey: "kubernetes.io/hostname",
            podAntiAffinityType: pg.antiAffinity,
        },
        monitoring: { enablePodMonitor: pg.monitoring.podMonitor },
        ...(altNames.length > 0 ? { certificates: { serverAltDNSNames: altNames } } : {}),
    };

    if (pg.adminService.enabled && wiring.adminService !== false) {
        const annotations: Record<string, string> = { ...pg.adminService.annotations };
        if (pg.adminService.loadBalancerIP)
            annotations["lbipam.cilium.io/ips"] = pg.adminService.loadBalancerIP;
        spec.managed = {
            services: {
                additional: [
                    {
                        selectorType: "rw",
                        serviceTemplate: {
                            metadata: { name: names.adminService, annotations },
                            spec: {
                                type: "LoadBalancer",
                                // Delivered only to a node with the primary, without SNAT: the
                                // server sees the operator's address, which pg_hba checks again.
                                externalTrafficPolicy: "Local",
                                loadBalancerSourceRanges: pg.adminService.sourceRanges,
                            },
                        },
                    },
                ],
            },
        };
    }

    if (pg.backup) {
        applyBackupWiring(
            spec,
            sharedDestination(pg, pg.backup),
            pg.backup,
            names.objectStore,
            wiring,
        );
    }
    return spec;
}

/**
 * The restored shared cluster (`postgres.recovery`): the shared cluster's spec under the new name,
 * sized by the recovery block, bootstrapped from the source's backups, archiving under its own
 * server name when it backs up (on cut-over, or when asked; a drill writes nothing by default). The admin
 * LoadBalancer moves to it only on cut-over (one Service name and IP for one cluster at a time).
 */
export function buildRecoveredClusterSpec(
    pg: PostgresConfig,
    tenants: TenantConfig[],
    plugin: boolean,
): Record<string, unknown> {
    const r = pg.recovery;
    const b = pg.backup;
    if (!r || !b) throw new Error("postgres.recovery needs postgres.backup (validated earlier)");
    const names = clusterNames(pg);
    const plan = planRecovery(
        r,
        sharedDestination(pg, b),
        names.objectStore,
        b.serverName ?? pg.name,
    );
    const spec = buildClusterSpec(pg, tenants, {
        plugin,
        serverName: plan.archiveServerName,
        adminService: r.cutOver,
        archive: recoveryBacksUp(r),
    });
    applyRecovery(spec, plan, r.target, plugin);
    applyRecoverySizing(spec, r);
    return spec;
}

/** A `ScheduledBackup` spec for the named Cluster. */
export function scheduledBackupSpecFor(
    clusterName: string,
    b: Pick<BackupConfig, "schedule" | "immediate" | "target">,
    plugin = false,
): Record<string, unknown> {
    return {
        cluster: { name: clusterName },
        schedule: b.schedule,
        ...backupMethod(plugin),
        immediate: b.immediate,
        target: b.target,
        // Backups belong to the ScheduledBackup, so they are cleaned up with it instead of piling up.
        backupOwnerReference: "self",
    };
}

export function buildScheduledBackupSpec(
    pg: PostgresConfig,
    plugin = false,
): Record<string, unknown> | undefined {
    if (!pg.backup) return undefined;
    return scheduledBackupSpecFor(pg.name, pg.backup, plugin);
}

/**
 * A tenant's Pooler; `node` is the pooler in the stack's topology (./topology.ts), which says the
 * cluster it points at: the serving one.
 */
export function buildPoolerSpec(
    pg: PostgresConfig,
    tenant: TenantConfig,
    node: PoolerNode = poolerOf(sharedTopology(pg, [tenant]), tenant.name),
): Record<string, unknown> {
    const p = tenant.pooler;
    // The session-mode path (`pooler.session`) has its own size; the rest is the tenant's pooler's.
    const session = node.session ? p.session : undefined;
    const parameters = session
        ? { default_pool_size: String(session.defaultPoolSize) }
        : p.parameters;
    return {
        cluster: { name: node.target },
        instances: session ? session.instances : p.instances,
        type: p.type,
        pgbouncer: {
            poolMode: session ? "session" : p.poolMode,
            // Only the tenant's role, to the tenant's databases, over TLS (./hba.ts).
            pg_hba: poolerHbaRules(tenant),
            ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
        },
        // With the cluster's PodMonitor, one per Pooler too: the PgBouncer alerts read its metrics.
        ...(pg.monitoring.podMonitor ? { monitoring: { enablePodMonitor: true } } : {}),
        // The pooler Service (named like the Pooler) becomes a ClusterMesh global service: the apps
        // cluster reaches it through a same-named stub Service (components/apps/clustermesh.ts).
        ...(p.global
            ? {
                  serviceTemplate: {
                      metadata: { annotations: { [CILIUM_GLOBAL_ANNOTATION]: "true" } },
                  },
              }
            : {}),
        template: {
            metadata: { labels: { [TENANT_LABEL]: tenant.name } },
            spec: {
                containers: [],
                affinity: {
                    podAntiAffinity: {
                        preferredDuringSchedulingIgnoredDuringExecution: [
                            {
                                weight: 100,
                                podAffinityTerm: {
                                    topologyKey: "kubernetes.io/hostname",
                                    labelSelector: {
                                        matchLabels: node.selector,
                                    },
                                },
                            },
                        ],
                    },
                },
            },
        },
    };
}

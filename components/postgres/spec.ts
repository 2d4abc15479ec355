/**
 * Pure builders for the CloudNativePG custom resources of the shared cluster: the `Cluster`, its
 * `ScheduledBackup`, and one `Pooler` per tenant. Field names follow the CNPG 1.26.1 CRDs.
 */
import type { BackupConfig, PostgresConfig, TenantConfig } from "../config";
import { adminCertificateName } from "./access-config";
import { poolerHbaRules, serverHbaRules } from "./hba";

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
    };
}

export function poolerName(tenant: TenantConfig): string {
    return `${tenant.name}-pooler`;
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

/**
 * Environment for the instance pods. Recent boto3 (in the Barman Cloud tools of current images)
 * sends CRC checksums that MinIO and other S3-compatible stores reject; "when_required" restores
 * the old behaviour (cloudnative-pg/cloudnative-pg#7715).
 */
export const S3_CHECKSUM_ENV = [
    { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
    { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
];

export function buildClusterSpec(
    pg: PostgresConfig,
    tenants: TenantConfig[],
): Record<string, unknown> {
    const names = clusterNames(pg);
    // Pooler Services are not added to the server certificate by CNPG; list them so that clients
    // connecting through a pooler can use sslmode=verify-full.
    const altNames = tenants
        .filter((t) => t.pooler.enabled)
        .flatMap((t) => serviceDnsNames(poolerName(t), pg.namespace));
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

    if (pg.adminService.enabled) {
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
        spec.env = S3_CHECKSUM_ENV;
        spec.backup = buildBackupBlock(pg.backup, pg.backup.destinationPath, names.backupSecret);
    }
    return spec;
}

/** Keys of the S3 credentials Secret a backup block points at. */
export const BACKUP_SECRET_KEYS = { accessKey: "ACCESS_KEY_ID", secretKey: "ACCESS_SECRET_KEY" };

/**
 * A Cluster's `spec.backup` (in-tree Barman Cloud to S3/MinIO), shared by the shared cluster and
 * the apps' co-located clusters. The pods also need S3_CHECKSUM_ENV in `spec.env`.
 */
export function buildBackupBlock(
    b: Omit<BackupConfig, "destinationPath">,
    destinationPath: string,
    credentialsSecret: string,
): Record<string, unknown> {
    return {
        retentionPolicy: b.retentionPolicy,
        target: b.target,
        barmanObjectStore: {
            destinationPath,
            endpointURL: b.endpointURL,
            s3Credentials: {
                accessKeyId: { name: credentialsSecret, key: BACKUP_SECRET_KEYS.accessKey },
                secretAccessKey: { name: credentialsSecret, key: BACKUP_SECRET_KEYS.secretKey },
            },
            wal: { compression: b.walCompression, encryption: b.encryption, maxParallel: 4 },
            data: { compression: b.dataCompression, encryption: b.encryption, jobs: 2 },
        },
    };
}

/** A `ScheduledBackup` spec for the named Cluster. */
export function scheduledBackupSpecFor(
    clusterName: string,
    b: Pick<BackupConfig, "schedule" | "immediate" | "target">,
): Record<string, unknown> {
    return {
        cluster: { name: clusterName },
        schedule: b.schedule,
        method: "barmanObjectStore",
        immediate: b.immediate,
        target: b.target,
        // Backups belong to the ScheduledBackup, so they are cleaned up with it instead of piling up.
        backupOwnerReference: "self",
    };
}

export function buildScheduledBackupSpec(pg: PostgresConfig): Record<string, unknown> | undefined {
    if (!pg.backup) return undefined;
    return scheduledBackupSpecFor(pg.name, pg.backup);
}

/** Annotation that makes a Service a Cilium ClusterMesh global service. */
export const CILIUM_GLOBAL_ANNOTATION = "service.cilium.io/global";

export function buildPoolerSpec(pg: PostgresConfig, tenant: TenantConfig): Record<string, unknown> {
    const p = tenant.pooler;
    return {
        cluster: { name: pg.name },
        instances: p.instances,
        type: p.type,
        pgbouncer: {
            poolMode: p.poolMode,
            // Only the tenant's role, to the tenant's databases, over TLS (./hba.ts).
            pg_hba: poolerHbaRules(tenant),
            ...(Object.keys(p.parameters).length > 0 ? { parameters: p.parameters } : {}),
        },
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
            metadata: { labels: { "platform.monosense.io/tenant": tenant.name } },
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
                                        matchLabels: { "cnpg.io/poolerName": poolerName(tenant) },
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

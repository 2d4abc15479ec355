/**
 * Config fragment `platform:harbor` (chart goharbor/harbor 1.19.1, Harbor 2.15.1) and its
 * cross-field rules. Defaults follow the seed table (portal/core/registry/jobservice ×2, trivy ×1)
 * except where the seed would not run:
 *
 * - The registry volume is ReadWriteOnce on rook-ceph-block: two registry pods on one RWO volume
 *   stall on Multi-Attach. `components.registry.replicas` therefore defaults to 2 only where the
 *   storage can be shared (s3, or a ReadWriteMany volume) and to 1 on ReadWriteOnce; an explicit 2
 *   on ReadWriteOnce is rejected by `harborStorageProblems`.
 * - Job logs go to the database (`jobLoggers: ["database"]`), so two jobservice pods need no
 *   shared job-log volume (the chart's default `file` logger needs one).
 * - `updateStrategy` defaults to Recreate while a ReadWriteOnce volume is mounted (rolling updates
 *   would start the new pod while the old one holds the volume), RollingUpdate otherwise.
 */
import { z } from "zod";
import { VERSIONS } from "../versions/table";
import type { Problem } from "../problems";
import { dnsLabel, int, quantity, resourcesSchema } from "../schema";
import type { DragonflyConfig } from "../dragonfly/config";
import type { TenantConfig } from "../postgres/config";
import { harborProjectsProblems, type HarborProjectsConfig } from "./projects";
import { harborTimeoutsProblems, harborTimeoutsSchema } from "./route";

/** The tenant whose database, role and pooler Harbor uses. */
export const HARBOR_TENANT = "harbor";

export const HARBOR_CHART = {
    name: "harbor",
    version: VERSIONS.harbor.pin,
    repository: "https://helm.goharbor.io",
} as const;

/** Every Harbor pod that opens a PostgreSQL pool: core, jobservice and (with metrics) exporter. */
export const HARBOR_DB_CLIENTS = ["core", "jobservice", "exporter"] as const;

const accessMode = z.enum(["ReadWriteOnce", "ReadWriteMany"]);

/** A Redis logical database index as the chart wants it: a string "0".."15". */
const redisIndex = z
    .string({ error: 'must be a string "0" to "15" (quote it in YAML)' })
    .regex(/^([0-9]|1[0-5])$/, {
        error: 'must be a database index from "0" to "15" (Dragonfly has 16 databases)',
    });

const itemTitle = z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
    error: 'must be a 1Password item title such as "harbor/s3"',
});

const component = (replicas: number, req: [string, string], lim: [string, string]) =>
    z.strictObject({
        replicas: int(0, 10).default(replicas),
        resources: resourcesSchema.prefault({
            requests: { cpu: req[0], memory: req[1] },
            limits: { cpu: lim[0], memory: lim[1] },
        }),
    });

const componentsSchema = z.strictObject({
    /** The chart's nginx: the Service `harbor` the HTTPRoute targets (expose.type clusterIP). */
    nginx: component(2, ["100m", "128Mi"], ["500m", "256Mi"]).prefault({}),
    portal: component(2, ["100m", "256Mi"], ["500m", "512Mi"]).prefault({}),
    core: component(2, ["250m", "512Mi"], ["1000m", "1Gi"]).prefault({}),
    registry: z
        .strictObject({
            /** Default: 2 where storage can be shared (s3 or ReadWriteMany), 1 on ReadWriteOnce. */
            replicas: int(0, 10).optional(),
            resources: resourcesSchema.prefault({
                requests: { cpu: "250m", memory: "512Mi" },
                limits: { cpu: "1000m", memory: "1Gi" },
            }),
        })
        .prefault({}),
    jobservice: z
        .strictObject({
            replicas: int(0, 10).default(2),
            resources: resourcesSchema.prefault({
                requests: { cpu: "250m", memory: "512Mi" },
                limits: { cpu: "1000m", memory: "1Gi" },
            }),
            jobLoggers: z
                .array(z.enum(["file", "database", "stdout"]))
                .min(1, { error: "must list at least one of file, database, stdout" })
                .default(["database"]),
            /** The job-log volume, used only when jobLoggers contains "file". */
            jobLog: z
                .strictObject({
                    size: quantity.default("10Gi"),
                    storageClass: z.string().min(1).default("rook-ceph-block"),
                    accessMode: accessMode.default("ReadWriteOnce"),
                })
                .prefault({}),
        })
        .prefault({}),
    trivy: component(1, ["200m", "512Mi"], ["1000m", "1Gi"]).prefault({}),
    exporter: component(1, ["100m", "128Mi"], ["500m", "256Mi"]).prefault({}),
});

const storageSchema = z.strictObject({
    type: z.enum(["filesystem", "s3"]).default("filesystem"),
    filesystem: z
        .strictObject({
            size: quantity.default("200Gi"),
            storageClass: z.string().min(1).default("rook-ceph-block"),
            accessMode: accessMode.default("ReadWriteOnce"),
        })
        .prefault({}),
    s3: z
        .strictObject({
            bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
                error: "must be an S3 bucket name (lowercase letters, digits, '.' and '-')",
            }),
            region: z.string().min(1).default("us-east-1"),
            /** MinIO/S3 endpoint. Plain-HTTP MinIO needs an http:// URL: the chart never renders `secure: false`. */
            regionendpoint: z.url({
                protocol: /^https?$/,
                error: "must be an http:// or https:// URL",
            }),
            /** 1Password item (relative to onepassword.itemPrefix) with the access and secret keys. */
            credentialsItem: itemTitle.default("harbor/s3"),
            /** Keep true for MinIO unless clients can reach it directly (redirects point at it). */
            disableredirect: z.boolean().default(true),
            rootdirectory: z
                .string()
                .regex(/^\/\S*$/, { error: 'must be an absolute path such as "/harbor"' })
                .optional(),
        })
        .optional(),
});

const harborObjectSchema = z.strictObject({
    namespace: dnsLabel().default("harbor"),
    chart: z
        .strictObject({
            version: z.string().min(1).default(HARBOR_CHART.version),
            repository: z.url().default(HARBOR_CHART.repository),
        })
        .prefault({}),
    externalURL: z
        .url({
            protocol: /^https$/,
            error: 'must be an https:// URL such as "https://harbor.monosense.io"',
        })
        // Each rule only on a value the one before accepts, so one mistake gives one message.
        .refine((u) => !u.startsWith("https://") || /^https:\/\/[^/?#]+\/?$/.test(u), {
            error: 'must be scheme and host only, such as "https://harbor.monosense.io" (no path)',
        })
        .refine(
            (u) =>
                !/^https:\/\/[^/?#]+\/?$/.test(u) ||
                /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/?$/.test(u),
            {
                error: 'must have a hostname of letters, digits, "." and "-" only, such as "https://harbor.monosense.io"',
            },
        )
        .default("https://harbor.monosense.io"),
    /** Gateway API Gateway the HTTPRoute attaches to (seed: Envoy Gateway, TLS terminated there). */
    gateway: z.strictObject({
        name: dnsLabel(),
        namespace: dnsLabel(),
        sectionName: z.string().min(1).optional(),
    }),
    /** HTTPRoute timeouts (see ./route): Envoy Gateway's 15 s default cuts large layers. */
    timeouts: harborTimeoutsSchema.prefault({}),
    database: z
        .strictObject({
            sslmode: z.enum(["disable", "require", "verify-ca", "verify-full"]).default("require"),
            /**
             * Per pod (core, jobservice, exporter). The chart's 900 would ask 4500 connections of a
             * PgBouncer that accepts 100; 5 pods × 6 = 30 fits the seed harbor role limit of 30.
             */
            maxOpenConns: int(1, 1000).default(6),
            maxIdleConns: int(0, 1000).default(2),
        })
        .prefault({}),
    redis: z
        .strictObject({
            coreDatabaseIndex: redisIndex.default("0"),
            jobserviceDatabaseIndex: redisIndex.default("1"),
            registryDatabaseIndex: redisIndex.default("2"),
            trivyAdapterIndex: redisIndex.default("5"),
            harborDatabaseIndex: redisIndex.optional(),
            cacheLayerDatabaseIndex: redisIndex.optional(),
        })
        .prefault({}),
    storage: storageSchema.prefault({}),
    components: componentsSchema.prefault({}),
    metrics: z
        .strictObject({
            enabled: z.boolean().default(true),
            serviceMonitor: z.boolean().default(true),
            serviceMonitorLabels: z.record(z.string(), z.string()).default({}),
        })
        .prefault({}),
    trivy: z
        .strictObject({
            enabled: z.boolean().default(true),
            skipUpdate: z.boolean().default(false),
            size: quantity.default("5Gi"),
            storageClass: z.string().min(1).default("rook-ceph-block"),
        })
        .prefault({}),
    cache: z
        .strictObject({
            enabled: z.boolean().default(false),
            expireHours: int(1, 720).default(24),
        })
        .prefault({}),
    /** "db" is the chart default; "redis" avoids row-lock contention on concurrent pushes. */
    quotaUpdateProvider: z.enum(["db", "redis"]).default("db"),
    /** Default: Recreate while a ReadWriteOnce volume is in use, RollingUpdate otherwise. */
    updateStrategy: z.enum(["RollingUpdate", "Recreate"]).optional(),
});

type HarborInput = z.infer<typeof harborObjectSchema>;

/** True when the registry's image storage is a ReadWriteOnce volume. */
function registryOnRwo(h: HarborInput): boolean {
    return h.storage.type === "filesystem" && h.storage.filesystem.accessMode === "ReadWriteOnce";
}

/** True when jobservice mounts a ReadWriteOnce job-log volume. */
function jobLogOnRwo(h: HarborInput): boolean {
    return (
        h.components.jobservice.jobLoggers.includes("file") &&
        h.components.jobservice.jobLog.accessMode === "ReadWriteOnce"
    );
}

export const harborSchema = harborObjectSchema.transform((h) => {
    const rwo = registryOnRwo(h) || jobLogOnRwo(h);
    return {
        ...h,
        /** Host part of externalURL (the HTTPRoute hostname). */
        hostname: new URL(h.externalURL).hostname,
        components: {
            ...h.components,
            registry: {
                ...h.components.registry,
                replicas: h.components.registry.replicas ?? (registryOnRwo(h) ? 1 : 2),
            },
        },
        updateStrategy: h.updateStrategy ?? (rwo ? "Recreate" : "RollingUpdate"),
    };
});

export type HarborConfig = z.output<typeof harborSchema>;

// ---------------------------------------------------------------------------------------------
// Cross-field rules. Keys are relative to the `platform:` namespace (start with `harbor.`).

const MULTI_ATTACH =
    "a ReadWriteOnce volume attaches to one node at a time, so a second pod on another node stalls in ContainerCreating " +
    "(Multi-Attach error) and rolling updates deadlock";

/** Replicas on ReadWriteOnce volumes, and update strategy versus such volumes. */
export function harborStorageProblems(h: HarborConfig): Problem[] {
    const problems: Problem[] = [];
    if (h.storage.type === "filesystem" && h.storage.filesystem.accessMode === "ReadWriteOnce") {
        const n = h.components.registry.replicas;
        if (n > 1) {
            problems.push({
                key: "harbor.components.registry.replicas",
                value: n,
                message:
                    `${n} registry pods would share the ReadWriteOnce image volume (storage.filesystem, ${h.storage.filesystem.storageClass}): ${MULTI_ATTACH}. ` +
                    `Use 1 replica, storage.filesystem.accessMode "ReadWriteMany" on a class that supports it (e.g. CephFS), or storage.type "s3"`,
            });
        }
    }
    const js = h.components.jobservice;
    if (
        js.jobLoggers.includes("file") &&
        js.jobLog.accessMode === "ReadWriteOnce" &&
        js.replicas > 1
    ) {
        problems.push({
            key: "harbor.components.jobservice.replicas",
            value: js.replicas,
            message:
                `${js.replicas} jobservice pods would share the ReadWriteOnce job-log volume (jobLoggers contains "file"): ${MULTI_ATTACH}. ` +
                `Use 1 replica, jobLoggers ["database"] (no volume), or jobLog.accessMode "ReadWriteMany"`,
        });
    }
    if (h.storage.type === "s3" && h.storage.s3 === undefined) {
        problems.push({
            key: "harbor.storage.s3",
            message: 'is required when storage.type is "s3" (bucket, regionendpoint)',
        });
    }
    const rwo = registryOnRwo(h) || jobLogOnRwo(h);
    if (rwo && h.updateStrategy === "RollingUpdate") {
        problems.push({
            key: "harbor.updateStrategy",
            value: h.updateStrategy,
            message:
                `RollingUpdate starts the new registry/jobservice pod while the old one still holds its ReadWriteOnce volume: ${MULTI_ATTACH}. ` +
                `Use "Recreate" (the default here) or move to ReadWriteMany/s3`,
        });
    }
    return problems;
}

const REDIS_INDEX_KEYS = [
    "coreDatabaseIndex",
    "jobserviceDatabaseIndex",
    "registryDatabaseIndex",
    "trivyAdapterIndex",
    "harborDatabaseIndex",
    "cacheLayerDatabaseIndex",
] as const;

/** The Redis indexes Harbor uses (unset optional ones share database 0 with core). */
export function harborRedisIndexes(h: HarborConfig): string[] {
    return REDIS_INDEX_KEYS.map((k) => h.redis[k] ?? "0").filter((v, i, a) => a.indexOf(v) === i);
}

/** coreDatabaseIndex must be "0"; every index set must be distinct. */
export function harborRedisProblems(h: HarborConfig): Problem[] {
    const problems: Problem[] = [];
    if (h.redis.coreDatabaseIndex !== "0") {
        problems.push({
            key: "harbor.redis.coreDatabaseIndex",
            value: h.redis.coreDatabaseIndex,
            message:
                'must be "0": the Redis library Harbor core uses cannot select another database (chart 1.19.1 values.yaml)',
        });
    }
    const seen = new Map<string, string>();
    for (const k of REDIS_INDEX_KEYS) {
        const v = h.redis[k];
        if (v === undefined) continue;
        const first = seen.get(v);
        if (first !== undefined) {
            const hint =
                k === "harborDatabaseIndex" || k === "cacheLayerDatabaseIndex"
                    ? ` (leave ${k} unset to share database 0 with core, or pick a free one such as "6"/"7")`
                    : "";
            problems.push({
                key: `harbor.redis.${k}`,
                value: v,
                message: `is already used by redis.${first}; each Harbor component needs its own database${hint}`,
            });
        } else seen.set(v, k);
    }
    return problems;
}

/**
 * Why Harbor cannot verify the database's certificate. Harbor 2.15.1 (as 2.12.4) connects with pgx
 * (src/common/dao/pgsql.go) and trusts only its image's CA bundle, to which chart 1.19.1 (as 1.16.4) adds one
 * Secret `caBundleSecretName` (key ca.crt) from Harbor's own namespace (templates/_helpers.tpl
 * `harbor.caBundleVolume`). CNPG 1.30.0 (as 1.26.1) keeps its generated CA `<cluster>-ca` in the cluster's
 * namespace and renews it 7 days before its 90 days run out (internal/controller/cluster_pki.go
 * `renewCASecret`, internal/configuration `CertificateDuration = 90`): a copy taken at `pulumi up`
 * expires with the old certificate and would cut Harbor off its database between two runs. So the
 * verifying modes are refused rather than shipped broken; `require` still encrypts.
 */
export const HARBOR_SSLMODE_VERIFY_MESSAGE =
    "cannot be verified: Harbor trusts a database CA only through the chart's caBundleSecretName (a Secret in Harbor's namespace), and CNPG renews its generated CA (shared-postgres-ca in cnpg-system) every 90 days, so a copy would expire between two pulumi up runs and cut Harbor off its database. Use \"require\" (TLS without verification)";

/** Pool sizes (idle ≤ open) and an sslmode Harbor can actually use. */
export function harborDatabaseProblems(h: HarborConfig): Problem[] {
    const problems: Problem[] = [];
    if (h.database.sslmode === "verify-ca" || h.database.sslmode === "verify-full") {
        problems.push({
            key: "harbor.database.sslmode",
            value: h.database.sslmode,
            message: HARBOR_SSLMODE_VERIFY_MESSAGE,
        });
    }
    if (h.database.maxIdleConns > h.database.maxOpenConns) {
        problems.push({
            key: "harbor.database.maxIdleConns",
            value: h.database.maxIdleConns,
            message: `must not exceed database.maxOpenConns (${h.database.maxOpenConns}): Go's database/sql keeps at most maxOpenConns connections`,
        });
    }
    return problems;
}

/** All of Harbor's own cross-field rules (the connection budget lives in ./budget). */
export function harborProblems(h: HarborConfig): Problem[] {
    return [
        ...harborStorageProblems(h),
        ...harborRedisProblems(h),
        ...harborDatabaseProblems(h),
        ...harborTimeoutsProblems(h.timeouts),
    ];
}

/** The settings the registry's rules read (the stack's config has them). */
export interface RegistryStackConfig {
    harbor?: HarborConfig;
    harborProjects?: HarborProjectsConfig;
    tenants: readonly Pick<TenantConfig, "name">[];
    dragonfly?: DragonflyConfig;
}

/**
 * Harbor's rules and what it needs from the rest of the stack (its tenant, Dragonfly as its
 * Redis), then the projects' rules and their need of Harbor. The connection budget is checked
 * last, by the caller, on an otherwise sound config (./budget).
 */
export function registryProblems(cfg: RegistryStackConfig): Problem[] {
    const problems: Problem[] = [];
    if (cfg.harbor) {
        problems.push(...harborProblems(cfg.harbor));
        if (!cfg.tenants.some((t) => t.name === HARBOR_TENANT)) {
            problems.push({
                key: "tenants",
                message: `need a tenant named "${HARBOR_TENANT}" when platform:harbor is set (Harbor's database, role and pooler)`,
            });
        }
        if (!cfg.dragonfly) {
            problems.push({
                key: "dragonfly",
                message: "is required when platform:harbor is set (Harbor's Redis)",
            });
        }
    }
    if (cfg.harborProjects) {
        if (!cfg.harbor) {
            problems.push({
                key: "harborProjects",
                message: "need platform:harbor (the registry they live in)",
            });
        }
        problems.push(...harborProjectsProblems(cfg.harborProjects));
    }
    return problems;
}

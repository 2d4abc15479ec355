/**
 * Config of the apps stack: `platform:applications[]` (namespace, Pod Security, the Harbor pull
 * secret, a tenant of the infra stack or a co-located CloudNativePG cluster), the infra stack it
 * reads (`infraStack`, `harborHostname`, `knownTenants`) and the rules across them.
 */
import { z } from "zod";
import { VERSIONS } from "../versions/table";
import {
    dnsLabel,
    int,
    pgIdent,
    resourcesSchema,
    stringMap,
    type StackRole,
    volume,
} from "../schema";
import { claim, type Problem } from "../problems";
import type { CnpgConfig } from "../cnpg/config";
import { itemTitle, type OnePasswordConfig } from "../onepassword";
import { cronProblem } from "../postgres/cron";
import { backupSchema, RESERVED_PG_PARAMETERS, reservedRoleReason } from "../postgres/config";
import { recoveryProblems, recoverySchema } from "../postgres/backup-config";
import {
    backupTransportProblems,
    recoverySourceTransportProblems,
} from "../postgres/backup-transport";

/** The pull secret of an application without `pullSecret.name`. */
export const DEFAULT_PULL_SECRET_NAME = "harbor-pull";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsSubdomain = z
    .string()
    .max(253, { error: "must be at most 253 characters" })
    .regex(DNS_SUBDOMAIN, {
        error: "must be a Kubernetes object name: lowercase letters, digits, '-' and '.'",
    });

/**
 * Kubernetes copies a ServiceAccount's `imagePullSecrets` into a pod only when the pod lists none
 * (plugin/pkg/admission/serviceaccount), so the secret must carry the name the pods list, and the
 * ServiceAccounts patched must be the ones the pods run as.
 */
export const pullSecretSchema = z
    .strictObject({
        /** The Secret's name in the namespace [harbor-pull]; what the pods' imagePullSecrets name. */
        name: dnsSubdomain.default(DEFAULT_PULL_SECRET_NAME),
        /**
         * ServiceAccounts whose imagePullSecrets get the secret [default]. Each must exist (the
         * application's manifests create it; `default` Kubernetes creates).
         */
        serviceAccounts: z
            .array(dnsSubdomain)
            .min(1, { error: "must name at least one ServiceAccount" })
            .default(["default"]),
    })
    .prefault({});

const level = z.enum(["restricted", "baseline", "privileged"]);

/**
 * Pod Security Admission levels of the namespace: a level (enforced; warn and audit stay
 * `restricted`) or `{enforce, warn, audit}` [restricted each].
 */
export const podSecuritySchema = z
    .union(
        [
            z.enum(["restricted", "baseline"]),
            z.strictObject({
                enforce: z.enum(["restricted", "baseline"]).default("restricted"),
                warn: level.default("restricted"),
                audit: level.default("restricted"),
            }),
        ],
        {
            error: 'must be "restricted" or "baseline" (the enforced level), or {enforce, warn, audit}; enforcing "privileged" is refused',
        },
    )
    .default("restricted")
    .transform((v) =>
        typeof v === "string"
            ? ({ enforce: v, warn: "restricted", audit: "restricted" } as const)
            : v,
    );

export type PullSecretConfig = z.infer<typeof pullSecretSchema>;
export type PodSecurityConfig = z.infer<typeof podSecuritySchema>;

// ---------------------------------------------------------------------------------------------
// Co-located clusters and applications

/** A co-located cluster's image: CloudNativePG "system" images carry Barman Cloud; PG16 is pinned. */
const pg16Image = z.string().regex(/^[^\s:@]+:16(\.[0-9]+)*(-[^\s@]+)?(@sha256:[a-f0-9]{64})?$/, {
    error: 'must be a PostgreSQL 16 image with its tag, such as "ghcr.io/cloudnative-pg/postgresql:16.15-system-trixie" (CloudNativePG 1.30 defaults to PostgreSQL 18)',
});

/** Backups of a co-located cluster: the shared cluster's block, the destination defaulting per app. */
const appBackupSchema = backupSchema.extend({
    /** Default `s3://postgres-backups/<application name>`. */
    destinationPath: backupSchema.shape.destinationPath.optional(),
    /**
     * The cluster's own MinIO credentials (never the infra cluster's): item default
     * `cloudnative-pg/<application name>-backup` under this stack's itemPrefix.
     */
    credentials: z
        .strictObject({
            item: z.string().min(1).optional(),
            accessKeyField: z.string().min(1).default("accessKey"),
            secretKeyField: z.string().min(1).default("secretKey"),
        })
        .prefault({}),
});

const colocatedPostgresSchema = z.strictObject({
    instances: int(1, 9).default(1),
    imageName: pg16Image.default(`ghcr.io/cloudnative-pg/postgresql:${VERSIONS.postgres.pin}`),
    storage: volume.default({ size: "20Gi" }),
    resources: resourcesSchema.prefault({
        requests: { cpu: "250m", memory: "512Mi" },
        limits: { cpu: "500m", memory: "512Mi" },
    }),
    /** Merged over the tuned defaults (components/apps/spec.ts COLOCATED_DEFAULT_PARAMETERS). */
    parameters: stringMap.default({}),
    sharedPreloadLibraries: z.array(z.string().min(1)).default([]),
    /** Database and owning role created by `bootstrap.initdb`; default: the application name with '-' → '_'. */
    database: pgIdent.optional(),
    owner: pgIdent.optional(),
    backup: appBackupSchema.optional(),
    /** Restore the cluster's backups into a new cluster in the same namespace. */
    recovery: recoverySchema.optional(),
    readyTimeoutSeconds: int(60, 7200).default(1800),
    /** CNPG's PodDisruptionBudgets; default: only with more than one instance (apps/spec.ts). */
    enablePDB: z.boolean().optional(),
});

const harborProjectName = z
    .string()
    .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, {
        error: "must be a Harbor project name: lowercase letters, digits and '.', '_' or '-' between them",
    })
    .max(255, { error: "must be at most 255 characters" });

export const applicationSchema = z.strictObject({
    /** Names the namespace (by default), the `<name>-database` Secret and the `<name>-postgres` Cluster. */
    name: dnsLabel(40),
    namespace: dnsLabel().optional(),
    podSecurity: podSecuritySchema,
    /** Harbor project whose robot account (1Password item `harbor-robot-<project>`) pulls images. */
    harborProject: harborProjectName.optional(),
    /** The pull secret's name and the ServiceAccounts that carry it (pullSecretSchema above). */
    pullSecret: pullSecretSchema,
    /** A tenant of the infra stack's shared cluster, reached through its global pooler Service. */
    tenant: dnsLabel(56).optional(),
    /** One of the tenant's databases; default its first. */
    database: pgIdent.optional(),
    /** A co-located CloudNativePG cluster in the application's namespace. */
    postgres: colocatedPostgresSchema.optional(),
});

export type ApplicationConfig = z.infer<typeof applicationSchema>;
export type ColocatedPostgresConfig = z.infer<typeof colocatedPostgresSchema>;

// ---------------------------------------------------------------------------------------------
// The infra stack the apps stack reads

/** The infra stack to read through a StackReference, e.g. "organization/platform/infra". */
export const infraStackSchema = z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+){0,2}$/, {
        error: 'must be a stack name such as "infra" (this organization and project) or "organization/platform/infra"',
    })
    .optional();

/**
 * The StackReference name of the infra stack. A bare stack name ("infra") is qualified with the
 * organization and project of the stack that runs (`pulumi.getOrganization()`, `getProject()`):
 * the organization the workflows pick in their `stack-name` (`vars.PULUMI_ORG`), so the committed
 * config names no organization. "org/stack" and "org/project/stack" are used as written
 * (Pulumi Cloud reads a two-part name as organization/stack).
 */
export function qualifiedInfraStack(
    infraStack: string,
    organization: string,
    project: string,
): string {
    return infraStack.includes("/") ? infraStack : `${organization}/${project}/${infraStack}`;
}

/** Harbor's hostname when the infra stack does not export `harbor.hostname`. */
export const harborHostnameSchema = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+(:[0-9]{1,5})?$/, {
        error: 'must be a hostname such as "harbor.monosense.io"',
    })
    .default("harbor.monosense.io");

/** Tenant names the infra stack is expected to have, checked before anything runs. */
export const knownTenantsSchema = z.array(dnsLabel(56)).optional();

/** The settings the apps stack's rules read (the stack's config has them). */
export interface AppsStackConfig {
    role: StackRole;
    infraStack?: string;
    knownTenants?: string[];
    applications: ApplicationConfig[];
    cnpg: Pick<CnpgConfig, "namespace">;
    onepassword: OnePasswordConfig;
}

// ---------------------------------------------------------------------------------------------
// Cross-field rules

/** The namespace an application lives in: its own name unless set. */
export function appNamespace(app: ApplicationConfig): string {
    return app.namespace ?? app.name;
}

/** PostgreSQL parameters a co-located cluster may not set, and where to go instead. */
const RESERVED_APP_PG_PARAMETERS: Record<string, string> = {
    ...Object.fromEntries(
        Object.entries(RESERVED_PG_PARAMETERS).filter(([k]) => k !== "max_connections"),
    ),
    shared_preload_libraries:
        'is managed by CloudNativePG: set postgres.sharedPreloadLibraries, or a "pg_stat_statements.*" parameter (CloudNativePG then preloads and creates pg_stat_statements itself)',
};

/** Rules across `platform:applications`: unique names and namespaces, tenant or co-located cluster. */
export function applicationProblems(cfg: AppsStackConfig): Problem[] {
    const problems: Problem[] = [];
    if (cfg.role === "apps" && !cfg.infraStack) {
        problems.push({
            key: "infraStack",
            message:
                'is required when role is "apps": the infra stack to read through a StackReference, such as "organization/platform/infra"',
        });
    }
    if (cfg.role !== "apps" && cfg.applications.length > 0) {
        problems.push({ key: "applications", message: 'are only built when role is "apps"' });
    }
    const seen = { name: new Map<string, number>(), namespace: new Map<string, number>() };
    cfg.applications.forEach((app, i) => {
        const at = `applications[${i}]`;
        const ns = appNamespace(app);
        for (const [kind, value] of [
            ["name", app.name],
            ["namespace", ns],
        ] as const) {
            const first = claim(seen[kind], value, i);
            if (first !== undefined) {
                problems.push({
                    key: `${at}.${kind}`,
                    value,
                    message: `is already used by applications[${first}]; each application needs its own ${kind}`,
                });
            }
        }
        if (ns === cfg.cnpg.namespace || ["kube-system", "kube-public", "default"].includes(ns)) {
            problems.push({
                key: `${at}.namespace`,
                value: ns,
                message: "is a system or operator namespace; give the application its own",
            });
        }
        if (app.tenant && app.postgres) {
            problems.push({
                key: `${at}.postgres`,
                message: `cannot be combined with tenant "${app.tenant}": an application uses either a shared tenant or a co-located cluster`,
            });
        }
        if (app.database && !app.tenant) {
            problems.push({
                key: `${at}.database`,
                value: app.database,
                message:
                    "needs tenant (it names one of the tenant's databases); a co-located cluster's database is postgres.database",
            });
        }
        if (app.tenant && cfg.knownTenants && !cfg.knownTenants.includes(app.tenant)) {
            problems.push({
                key: `${at}.tenant`,
                value: app.tenant,
                message: `is not a tenant of the infra stack; known tenants (platform:knownTenants): ${cfg.knownTenants.join(", ") || "none"}`,
            });
        }
        const pg = app.postgres;
        if (!pg) return;
        for (const [name, value] of Object.entries(pg.parameters)) {
            const reason = RESERVED_APP_PG_PARAMETERS[name];
            if (reason) {
                problems.push({ key: `${at}.postgres.parameters.${name}`, value, message: reason });
            }
        }
        if (pg.owner && reservedRoleReason(pg.owner)) {
            problems.push({
                key: `${at}.postgres.owner`,
                value: pg.owner,
                message: reservedRoleReason(pg.owner) ?? "",
            });
        }
        if (pg.database && ["postgres", "template0", "template1"].includes(pg.database)) {
            problems.push({
                key: `${at}.postgres.database`,
                value: pg.database,
                message: "is a PostgreSQL system database",
            });
        }
        if (pg.backup) {
            problems.push(...backupTransportProblems(pg.backup, `${at}.postgres.backup`));
            const cronError = cronProblem(pg.backup.schedule);
            if (cronError) {
                problems.push({
                    key: `${at}.postgres.backup.schedule`,
                    value: pg.backup.schedule,
                    message: cronError,
                });
            }
        }
    });
    return problems;
}

/** The 1Password item (relative title) of a co-located cluster's own backup credentials. */
export function colocatedBackupItem(app: ApplicationConfig): string {
    return app.postgres?.backup?.credentials.item ?? `cloudnative-pg/${app.name}-backup`;
}

/** The item the infra stack's shared cluster reads its MinIO credentials from (its default title). */
const INFRA_BACKUP_ITEM = "cloudnative-pg/minio";

/** Backups of the co-located clusters: recovery against their backup, their own credentials each. */
export function applicationBackupProblems(cfg: AppsStackConfig): Problem[] {
    const problems: Problem[] = [];
    const items = new Map<string, number>();
    cfg.applications.forEach((app, i) => {
        const at = `applications[${i}].postgres`;
        const apg = app.postgres;
        if (!apg) return;
        if (apg.recovery) {
            if (!apg.backup) {
                problems.push({
                    key: `${at}.recovery`,
                    message:
                        "needs postgres.backup: the source defaults to its destination and the restored cluster archives there",
                });
            } else {
                problems.push(
                    ...recoverySourceTransportProblems(
                        apg.recovery.source.endpointURL,
                        apg.backup.allowHttp,
                        `${at}.recovery`,
                        `${at}.backup`,
                    ),
                );
                const destination =
                    apg.backup.destinationPath ?? `s3://postgres-backups/${app.name}`;
                for (const p of recoveryProblems(
                    apg.recovery,
                    `${app.name}-postgres`,
                    destination,
                )) {
                    problems.push({ ...p, key: `${at}.recovery.${p.key}` });
                }
            }
        }
        if (!apg.backup) return;
        const item = colocatedBackupItem(app);
        const title = itemTitle(cfg.onepassword, item);
        if (title === INFRA_BACKUP_ITEM || title.endsWith(`/${INFRA_BACKUP_ITEM}`)) {
            problems.push({
                key: `${at}.backup.credentials.item`,
                value: item,
                message: `is the infra cluster's backup credentials (${INFRA_BACKUP_ITEM}), which can read and delete every shared backup: give the cluster its own MinIO user limited to its prefix (docs/backup-restore.md "Backup credentials of co-located clusters") and its own item, e.g. "cloudnative-pg/${app.name}-backup"`,
            });
        }
        const first = claim(items, title, i);
        if (first !== undefined) {
            problems.push({
                key: `${at}.backup.credentials.item`,
                value: item,
                message: `is already used by applications[${first}]: each co-located cluster needs its own credentials, limited to its own prefix`,
            });
        }
    });
    return problems;
}

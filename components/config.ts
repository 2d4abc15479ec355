/**
 * The one typed, validated model of everything under the `platform:` config namespace.
 *
 * `parseConfig(raw)` takes the flat map Pulumi hands a program (`platform:<key>` → string, objects
 * as JSON) and returns a `PlatformConfig`, or throws a `ConfigError` that lists every bad value
 * as `platform:<key path>: <value> — <what is allowed>`. Nothing registers a resource before this
 * has succeeded.
 *
 * Each area owns its schema and its cross-field rules beside its component (components/<area>/
 * config.ts, ./onepassword, ./providers); the building blocks they share are in ./problems and
 * ./schema. This file only assembles the areas into `configSchema`, parses once and runs the
 * areas' rules in a fixed order. No area imports it.
 */
import { z } from "zod";
import { issueMessage, knownKeysAt, stackRole, valueAt } from "./schema";
import { closest, ConfigError, NAMESPACE, pathToKey, type Problem } from "./problems";
import { kubernetesSchema } from "./providers";
import { onepasswordSchema } from "./onepassword";
import { cnpgProblems, cnpgSchema } from "./cnpg/config";
import {
    postgresProblems,
    postgresRecoveryProblems,
    postgresSchema,
    tenantProblems,
    tenantSchema,
} from "./postgres/config";
import { adminAccessProblems, adminTlsProblems, tenantTlsProblems } from "./postgres/access-config";
import { connectionBudgetProblems } from "./postgres/budget";
import { dragonflyProblems, dragonflySchema } from "./dragonfly/config";
import { HARBOR_TENANT, harborSchema, registryProblems } from "./harbor/config";
import { harborConnectionProblems } from "./harbor/budget";
import { harborProjectsSchema } from "./harbor/projects";
import {
    applicationBackupProblems,
    applicationProblems,
    applicationSchema,
    harborHostnameSchema,
    infraStackSchema,
    knownTenantsSchema,
} from "./apps/config";
import { takeoverProblems, takeoverSchema } from "./takeover/config";
import { monitoringSchema } from "./monitoring/config";
import { networkProblems, networkSchema } from "./network/config";

// For callers outside the areas (the stack builders, scripts, tests): one place to import from.
export {
    ConfigError,
    formatProblem,
    NAMESPACE,
    pathToKey,
    type Locator,
    type Problem,
} from "./problems";
export { resourcesSchema, type Resources } from "./schema";
export { itemTitle, SEED_ITEM_PREFIX, type OnePasswordConfig } from "./onepassword";
export type { CnpgConfig } from "./cnpg/config";
export {
    PGBOUNCER_ALLOWED_PARAMETERS,
    type BackupConfig,
    type PoolerConfig,
    type PostgresConfig,
    type TenantConfig,
} from "./postgres/config";
export { HARBOR_TENANT } from "./harbor/config";
export {
    appNamespace,
    colocatedBackupItem,
    type ApplicationConfig,
    type ColocatedPostgresConfig,
} from "./apps/config";

export const configSchema = z.strictObject({
    role: stackRole,
    kubeconfig: z.string().optional(),
    kubernetes: kubernetesSchema.prefault({}),
    onepassword: onepasswordSchema.prefault({}),
    cnpg: cnpgSchema.prefault({}),
    postgres: postgresSchema.optional(),
    tenants: z.array(tenantSchema).default([]),
    // unwrap(): without the section's own prefault, an absent key stays absent (no Dragonfly).
    dragonfly: dragonflySchema.unwrap().optional(),
    harbor: harborSchema.optional(),
    /** Harbor projects, robot accounts and GC schedule, applied through Harbor's API. */
    harborProjects: harborProjectsSchema.optional(),
    /** Apps: the infra stack to read through a StackReference, e.g. "organization/platform/infra". */
    infraStack: infraStackSchema,
    /** Apps: Harbor's hostname when the infra stack does not export `harbor.hostname`. */
    harborHostname: harborHostnameSchema,
    /** Apps: tenant names the infra stack is expected to have, checked before anything runs. */
    knownTenants: knownTenantsSchema,
    applications: z.array(applicationSchema).default([]),
    /** What exists and is taken over instead of created (see components/takeover). */
    takeover: takeoverSchema.optional(),
    /** Alerts (PrometheusRule) from the platform's own numbers. */
    monitoring: monitoringSchema.prefault({}),
    /** Cilium network policies of the infra cluster. */
    network: networkSchema.prefault({}),
});

export type PlatformConfig = z.infer<typeof configSchema>;

/** The top-level keys this project reads; `Pulumi.yaml` declares exactly these. */
export const CONFIG_KEYS: readonly string[] = Object.keys(configSchema.shape);

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Optional sections. Pulumi refuses to run a stack that lacks a key its project declares without
 * a default, so Pulumi.yaml gives each of these an empty default ("", {} or []), and an empty
 * value here means the section is not configured.
 */
export const OPTIONAL_KEYS: readonly string[] = [
    "kubeconfig",
    "postgres",
    "dragonfly",
    "harbor",
    "harborProjects",
    "infraStack",
    "knownTenants",
    "takeover",
];

function isEmpty(value: unknown): boolean {
    if (value === "") return true;
    if (Array.isArray(value)) return value.length === 0;
    return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}

/** Turns Pulumi's flat config map into the object the schema parses. */
export function rawToObject(raw: Record<string, string>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
        const key = fullKey.slice(NAMESPACE.length + 1);
        // A kubeconfig may be JSON; it is passed on as the text it is.
        const decoded = key === "kubeconfig" ? value : decodeValue(value);
        if (OPTIONAL_KEYS.includes(key) && isEmpty(decoded)) continue;
        out[key] = decoded;
    }
    return out;
}

function decodeValue(value: string): unknown {
    const trimmed = value.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(trimmed) as unknown;
        } catch {
            return value;
        }
    }
    return value;
}

/** Parses and validates the raw config map. Throws ConfigError listing every problem. */
export function parseConfig(raw: Record<string, string>): PlatformConfig {
    const input = rawToObject(raw);
    const result = configSchema.safeParse(input);
    if (!result.success) {
        const problems = result.error.issues.flatMap((issue): Problem[] => {
            if (issue.code === "unrecognized_keys") return unknownKeyProblems(issue, input);
            const value = valueAt(input, issue.path);
            return [
                {
                    key: pathToKey(issue.path) || "(root)",
                    value,
                    message: issueMessage(issue, value),
                },
            ];
        });
        throw new ConfigError(problems);
    }
    const problems = validate(result.data);
    if (problems.length > 0) throw new ConfigError(problems);
    return result.data;
}

/**
 * One problem per unknown key, at the key itself, with the known key it is closest to. A plain
 * `password` on a tenant is answered with how tenant passwords are set.
 */
function unknownKeyProblems(
    issue: z.core.$ZodIssueUnrecognizedKeys,
    input: Record<string, unknown>,
): Problem[] {
    const known = knownKeysAt(configSchema, issue.path);
    const [area, index] = issue.path;
    return issue.keys.map((name) => {
        const key = pathToKey([...issue.path, name]);
        if (area === "tenants" && typeof index === "number" && issue.path.length === 2) {
            if (name === "password") {
                const tenant = valueAt(input, issue.path) as { name?: unknown } | undefined;
                const secret = `${typeof tenant?.name === "string" ? tenant.name : "<tenant>"}-db-password`;
                return {
                    key,
                    message: `is not a setting: a tenant's password is generated and never written in config; set platform:tenants[${index}].passwordRotation to a new value to generate another, or keep the role's current password by taking it over from 1Password with platform:takeover.secrets.${secret} = {item, field} (docs/takeover.md)`,
                };
            }
        }
        const near = closest(name, known);
        return {
            key,
            message: near
                ? `is not a setting; did you mean "${near}"?`
                : `is not a setting (known here: ${[...known].sort().join(", ")})`,
        };
    });
}

// ---------------------------------------------------------------------------------------------
// Cross-field rules

export function validate(cfg: PlatformConfig): Problem[] {
    const problems: Problem[] = [];
    if (cfg.role === "infra" && !cfg.postgres) {
        problems.push({ key: "postgres", message: 'is required when role is "infra"' });
    }
    if (cfg.postgres) problems.push(...postgresProblems(cfg.postgres));
    if (cfg.tenants.length > 0 && !cfg.postgres) {
        problems.push({
            key: "tenants",
            message: "need platform:postgres (the cluster they live in)",
        });
    }
    problems.push(...tenantProblems(cfg.tenants, cfg.postgres));
    if (cfg.postgres) problems.push(...adminAccessProblems(cfg.postgres));
    if (cfg.postgres) problems.push(...adminTlsProblems(cfg.postgres));
    problems.push(...tenantTlsProblems(cfg.tenants));
    problems.push(...applicationProblems(cfg));
    // Backups and recovery: the plugin switch, the shared cluster's recovery, the co-located clusters'.
    problems.push(...cnpgProblems(cfg.cnpg));
    if (cfg.postgres) problems.push(...postgresRecoveryProblems(cfg.postgres));
    problems.push(...applicationBackupProblems(cfg));
    if (cfg.dragonfly) problems.push(...dragonflyProblems(cfg.dragonfly));
    if (cfg.takeover) problems.push(...takeoverProblems(cfg.takeover));
    problems.push(...networkProblems(cfg));
    problems.push(...registryProblems(cfg));
    // Budgets last, each only on a config that is otherwise sound: the cluster and tenants first,
    // then Harbor's pools against its tenant's pooler.
    if (cfg.postgres && problems.length === 0) {
        problems.push(...connectionBudgetProblems(cfg.postgres, cfg.tenants));
    }
    const harborIndex = cfg.tenants.findIndex((t) => t.name === HARBOR_TENANT);
    const harborTenant = cfg.tenants[harborIndex];
    if (cfg.harbor && harborTenant && problems.length === 0) {
        problems.push(...harborConnectionProblems(cfg.harbor, harborTenant, harborIndex));
    }
    return problems;
}

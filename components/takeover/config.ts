/**
 * Config fragment `platform:takeover`: what already exists in the cluster, PostgreSQL and
 * 1Password, and is taken over instead of created. `npm run takeover` writes it from an inventory
 * (see docs/takeover.md "Taking over from Flux"); empty (the default) means "build from nothing".
 *
 * Adoption needs Pulumi CLI 3.174.0 or newer (MIN_PULUMI_CLI): since pulumi/pulumi#19339 the
 * engine imports a resource whose live state differs from the program's inputs and then updates
 * it (pkg/resource/deploy/step_generator.go, v3.174.0: the import step's result becomes the "old"
 * state of an ordinary diff). Older CLIs refuse with "inputs to import do not match the existing
 * resource", which every takeover here would hit (new labels, values, owners).
 */
import { z } from "zod";

/** The first Pulumi CLI whose `import` option accepts differing inputs (import, then update). */
export const MIN_PULUMI_CLI = "3.174.0";

/**
 * Generated secrets that are never read from 1Password: Harbor's registry password also needs its
 * bcrypt hash (htpasswd), which only the RandomPassword computes; regenerating it is harmless
 * (core and registry get the new pair together).
 */
export const NEVER_ADOPTED_SECRETS: readonly string[] = ["harbor-registry-password"];

const DNS = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const objectRef = z.string().refine(
    (s) => {
        const parts = s.split("/");
        return parts.length <= 2 && parts.every((p) => DNS.test(p));
    },
    { error: 'must be "<namespace>/<name>" (namespaced kinds) or "<name>" (cluster-scoped)' },
);

const PG = /^[a-z_][a-z0-9_]*$/;
const pgName = z.string().regex(PG, { error: "must be a lowercase PostgreSQL identifier" });

/** 1Password's item ids as the provider imports them. */
export const ITEM_ID = /^vaults\/[a-z0-9]{26}\/items\/[a-z0-9]{26}$/;

const adoptedSecret = z
    .strictObject({
        /** Title of the 1Password item that holds the value (absolute, e.g. "harbor-core"). */
        item: z.string().min(1).optional(),
        /** Field label: "password", "username" or a field inside a section such as "secret_key". */
        field: z.string().min(1).optional(),
        /**
         * The live Kubernetes Secret that holds the value in use, read at `pulumi up` through the
         * Kubernetes provider (the value never enters config, the inventory or Git).
         */
        kubernetes: z
            .strictObject({
                secret: z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, {
                    error: 'must be "<namespace>/<name>"',
                }),
                key: z.string().min(1),
            })
            .optional(),
        /**
         * The owner's `passwordRotation` when the takeover was planned. The value is read while the
         * rotation setting still equals this; changing it generates a new one.
         */
        rotation: z.string().optional(),
    })
    .refine(
        (s) => (s.kubernetes === undefined) === (s.item !== undefined && s.field !== undefined),
        {
            error: "needs either item and field (1Password) or kubernetes (a live Secret), not both",
        },
    );

/**
 * A database that runs today outside CNPG and moves into a co-located CNPG cluster when the
 * stack creates it: CNPG `bootstrap.initdb.import` (type `microservice`, one database) from an
 * `externalClusters` entry (cloudnative-pg v1.26.1 `internal/webhook/v1/cluster_webhook.go`
 * `validateImport`: one database, no roles, no wildcard).
 */
const colocatedImport = z.strictObject({
    /** The old server's Service host, e.g. `postgres-service.kubekloud-api.svc`. */
    host: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "must be a host name" }),
    port: z.number().int().min(1).max(65535).default(5432),
    /** The database to import (into the cluster's own initdb database). */
    database: z.string().min(1),
    /** A role of the old server that can read the whole database. */
    user: z.string().min(1),
    /** The Secret (in the cluster's namespace) and key holding that role's password. */
    passwordSecret: z.strictObject({ name: z.string().min(1), key: z.string().min(1) }),
    /** `sslmode` towards the old server (an in-cluster postgres image serves no TLS). */
    sslmode: z.enum(["disable", "prefer", "require", "verify-ca", "verify-full"]).default("prefer"),
});

export const takeoverSchema = z.strictObject({
    /** Kubernetes objects to import, by kind: `{Namespace: [harbor], Secret: [cnpg-system/x]}`. */
    kubernetes: z
        .record(
            z.string().regex(/^[A-Z][A-Za-z0-9]*$/, { error: "must be a Kubernetes kind" }),
            z.array(objectRef),
        )
        .default({}),
    /** Helm releases to import, `<namespace>/<release>`. */
    helm: z
        .array(
            z
                .string()
                .regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { error: 'must be "<namespace>/<release>"' }),
        )
        .default([]),
    postgres: z
        .strictObject({
            roles: z.array(pgName).default([]),
            databases: z.array(pgName).default([]),
            /** `<database>.<extension>`, the provider's import id. */
            extensions: z
                .array(
                    z.string().regex(/^[a-z_][a-z0-9_]*\.[A-Za-z0-9_-]+$/, {
                        error: 'must be "<database>.<extension>"',
                    }),
                )
                .default([]),
        })
        .prefault({}),
    /** 1Password items to import: title → `vaults/<vault uuid>/items/<item uuid>`. */
    onepassword: z
        .record(
            z.string().min(1),
            z.string().regex(ITEM_ID, { error: 'must be "vaults/<uuid>/items/<uuid>"' }),
        )
        .default({}),
    /** Generated secrets whose existing value is read instead, by the program's secret name. */
    secrets: z.record(z.string().min(1), adoptedSecret).default({}),
    /** Co-located clusters created with the data of a database that runs today: `<namespace>/<cluster>` → source. */
    colocatedImports: z.record(z.string(), colocatedImport).default({}),
});

export type TakeoverConfig = z.infer<typeof takeoverSchema>;
export type AdoptedSecret = z.infer<typeof adoptedSecret>;
export type ColocatedImport = z.infer<typeof colocatedImport>;

export interface TakeoverProblem {
    key: string;
    value?: unknown;
    message: string;
}

/** Cross-field rules: a secret is read from an item that is taken over too. */
export function takeoverProblems(cfg: TakeoverConfig): TakeoverProblem[] {
    const problems: TakeoverProblem[] = [];
    const items = new Set(Object.keys(cfg.onepassword));
    for (const [name, s] of Object.entries(cfg.secrets)) {
        if (s.item !== undefined && !items.has(s.item)) {
            problems.push({
                key: `takeover.secrets.${name}.item`,
                value: s.item,
                message: `names no item in platform:takeover.onepassword (known: ${[...items].join(", ") || "none"}); an existing secret is read from an item that is taken over`,
            });
        }
    }
    const ids = new Map<string, string>();
    for (const [title, id] of Object.entries(cfg.onepassword)) {
        const other = ids.get(id);
        if (other !== undefined) {
            problems.push({
                key: `takeover.onepassword.${title}`,
                value: id,
                message: `is also the id of "${other}": one item cannot be taken over twice`,
            });
        }
        ids.set(id, title);
    }
    return problems;
}

/** True when nothing is taken over (the default). */
export function isEmptyTakeover(cfg: TakeoverConfig | undefined): boolean {
    if (!cfg) return true;
    return (
        Object.values(cfg.kubernetes).every((l) => l.length === 0) &&
        cfg.helm.length === 0 &&
        cfg.postgres.roles.length +
            cfg.postgres.databases.length +
            cfg.postgres.extensions.length ===
            0 &&
        Object.keys(cfg.onepassword).length === 0 &&
        Object.keys(cfg.secrets).length === 0 &&
        Object.keys(cfg.colocatedImports).length === 0
    );
}

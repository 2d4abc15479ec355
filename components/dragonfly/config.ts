/**
 * Config fragment `platform:dragonfly`: a managed Dragonfly (operator + one `Dragonfly` instance)
 * or the address of an existing Redis-compatible server.
 *
 * Operator pin: chart `dragonfly-operator` **v1.6.1** from `oci://ghcr.io/dragonflydb/dragonfly-operator/helm`
 * (the chart version carries the `v`). v1.1.11 would be contemporary with Harbor chart 1.16.x, but
 * its chart pulls kube-rbac-proxy v0.13.1 and its CRD has no `networkPolicyEnabled`, so the
 * admin port 9999 (started with `--admin_nopass`) is open to every pod. v1.6.1 creates a
 * NetworkPolicy per instance that limits 9999 to the operator and the peers and 6379 to the
 * instance's own namespace, but its peers name no cluster (under ClusterMesh they match the apps
 * cluster too). With the stack's Cilium policies on (`network.enabled`), it is switched off and a
 * CiliumNetworkPolicy takes its place (components/network/dragonfly.ts); without, it is kept
 * (`networkPolicyEnabled: true`) and a NetworkPolicy of ours admits `clientNamespaces` to 6379
 * (see `buildDragonflyClientNetworkPolicy`); NetworkPolicies are additive. The CRD field names used by
 * `buildDragonflySpec` were checked against the v1.6.1 CRD (`dragonflydb.io_dragonflies.yaml`).
 * The default image is the one operator v1.6.1 itself defaults to (internal/resources/version.go).
 */
import { z } from "zod";
import { VERSIONS } from "../versions/table";
import type { Problem } from "../problems";
import { dnsLabel, int, quantity, resourcesSchema } from "../schema";
import { parseQuantity } from "../quantity";

export const DRAGONFLY_OPERATOR_CHART = {
    name: "dragonfly-operator",
    version: VERSIONS.dragonflyOperator.pin,
    repository: "oci://ghcr.io/dragonflydb/dragonfly-operator/helm",
} as const;

export const DRAGONFLY_DEFAULT_IMAGE = "docker.dragonflydb.io/dragonflydb/dragonfly:v1.39.0";

/** The port clients (Harbor) use; the operator's Service exposes only this one. */
export const DRAGONFLY_PORT = 6379;
/** The admin port operator v1.6.1 starts Dragonfly with, without a password (internal/resources/const.go). */
export const DRAGONFLY_ADMIN_PORT = 9999;

/**
 * Flags the spec builder owns, or that would break Harbor: extra `args` may not set them.
 * `--cluster_mode=yes` makes `SELECT n` (n ≠ 0) fail, `--dbnum` below 16 drops Harbor's DB 5.
 */
export const DRAGONFLY_RESERVED_FLAGS: Readonly<Record<string, string>> = {
    "--maxmemory": "set dragonfly.maxMemory instead",
    "--default_lua_flags": "is set by the platform (allow-undeclared-keys, needed by job queues)",
    "--requirepass": "the password comes from the auth Secret (authentication.passwordFromSecret)",
    "--snapshot_cron": "set dragonfly.snapshot.cron instead",
    "--dir": "the operator mounts the snapshot volume and sets --dir",
    "--cluster_mode":
        "must stay unset: cluster mode rejects SELECT of databases other than 0, which Harbor uses",
    "--dbnum": "must stay unset: the default of 16 databases holds Harbor's indexes",
    "--admin_port": "is set by the operator",
    "--admin_nopass": "is set by the operator",
    "--port": "is fixed at 6379 by the operator's Service",
};

const itemTitle = z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
    error: 'must be a 1Password item title such as "dragonfly/auth"',
});

// ---------------------------------------------------------------------------------------------
// Dragonfly's --snapshot_cron: a standard five-field cron (minute hour day-of-month month
// day-of-week). Dragonfly adds the seconds itself, so a six-field CNPG-style schedule is wrong here.

const CRON_FIELD = /^(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?)*$/;
const CRON_NAMES = /^[A-Za-z]{3}(-[A-Za-z]{3})?(,[A-Za-z]{3}(-[A-Za-z]{3})?)*$/;

/** Why `cron` is not a five-field cron Dragonfly accepts, or undefined when it is fine. */
export function dragonflyCronProblem(cron: string): string | undefined {
    const fields = cron
        .trim()
        .split(/\s+/)
        .filter((f) => f !== "");
    if (fields.length === 6) {
        return `has 6 fields, but Dragonfly's --snapshot_cron takes 5 (minute hour day-of-month month day-of-week), such as "0 */6 * * *"; drop the leading seconds field`;
    }
    if (fields.length !== 5) {
        return `must have 5 space-separated fields (minute hour day-of-month month day-of-week), such as "0 */6 * * *"`;
    }
    const bad = fields.find((f, i) => !CRON_FIELD.test(f) && !(i >= 3 && CRON_NAMES.test(f)));
    return bad === undefined ? undefined : `field "${bad}" is not a cron field`;
}

// ---------------------------------------------------------------------------------------------

const managedSchema = z.strictObject({
    mode: z.literal("managed").default("managed"),
    namespace: dnsLabel().default("dragonfly"),
    name: dnsLabel().default("dragonfly"),
    operator: z
        .strictObject({
            namespace: dnsLabel().default("dragonfly-operator-system"),
            chart: z
                .strictObject({
                    version: z
                        .string()
                        .regex(/^v[0-9]+\.[0-9]+\.[0-9]+$/, {
                            error: 'must be a chart version with its "v", such as "v1.6.1" (the OCI tags carry it)',
                        })
                        .default(DRAGONFLY_OPERATOR_CHART.version),
                    repository: z
                        .string()
                        .regex(/^(oci|https):\/\/\S+$/, {
                            error: "must be an oci:// or https:// chart repository",
                        })
                        .default(DRAGONFLY_OPERATOR_CHART.repository),
                })
                .prefault({}),
            replicas: int(1, 3).default(1),
            resources: resourcesSchema.prefault({
                requests: { cpu: "10m", memory: "64Mi" },
                limits: { cpu: "500m", memory: "128Mi" },
            }),
            serviceMonitor: z.boolean().default(false),
        })
        .prefault({}),
    /** Total instances, master included. */
    replicas: int(1, 9).default(2),
    image: z
        .string()
        .regex(/^[^\s@]+:[A-Za-z0-9_][A-Za-z0-9._-]*(@sha256:[a-f0-9]{64})?$/, {
            error: 'must be an image reference with a pinned tag, such as "docker.dragonflydb.io/dragonflydb/dragonfly:v1.39.0"',
        })
        .refine((s) => !s.endsWith(":latest"), { error: 'must pin a version, not ":latest"' })
        .default(DRAGONFLY_DEFAULT_IMAGE),
    resources: resourcesSchema.prefault({
        requests: { cpu: "500m", memory: "2Gi" },
        limits: { cpu: "2", memory: "2Gi" },
    }),
    /** Dragonfly's own memory cap (`--maxmemory`, in bytes); keep headroom below the memory limit. */
    maxMemory: quantity.default("1536Mi"),
    snapshot: z
        .strictObject({
            cron: z.string().default("0 */6 * * *"),
            storageClass: z.string().min(1).default("rook-ceph-block"),
            size: quantity.default("10Gi"),
        })
        .prefault({}),
    /** Extra Dragonfly flags, appended after the platform's. */
    args: z
        .array(
            z.string().regex(/^--[a-z0-9_]+(=.*)?$/, {
                error: 'must be a flag such as "--lock_on_hashtags"',
            }),
        )
        .default([]),
    /** Namespaces whose pods may connect to port 6379 (a NetworkPolicy admits them). */
    clientNamespaces: z.array(dnsLabel()).default(["harbor"]),
    /** Change to generate a new password (Harbor's pods roll with it). */
    passwordRotation: z.string().min(1).optional(),
    /** Make the Service a Cilium ClusterMesh global service (the apps stack then stubs it). */
    global: z.boolean().default(false),
    /** 1Password item (relative to onepassword.itemPrefix) the generated password is pushed to. */
    authItem: itemTitle.default("dragonfly/auth"),
});

const externalSchema = z.strictObject({
    mode: z.literal("external"),
    address: z
        .string({
            error: (i) =>
                i.input === undefined
                    ? 'is required when mode is "external"'
                    : 'must be host:port, such as "redis.example.internal:6379"',
        })
        .regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, {
            error: 'must be host:port, such as "redis.example.internal:6379"',
        }),
    /** 1Password item (relative to onepassword.itemPrefix) holding the server's password. */
    passwordItem: z
        .string({
            error: (i) =>
                i.input === undefined
                    ? 'is required when mode is "external" (the 1Password item with the password)'
                    : "must be a 1Password item title",
        })
        .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
            error: 'must be a 1Password item title such as "dragonfly/auth"',
        }),
    passwordField: z.string().min(1).default("password"),
});

export const dragonflySchema = z
    .discriminatedUnion("mode", [managedSchema, externalSchema], {
        error: 'must be "managed" or "external"',
    })
    .prefault({});

export type DragonflyConfig = z.infer<typeof dragonflySchema>;
export type ManagedDragonflyConfig = z.infer<typeof managedSchema>;
export type ExternalDragonflyConfig = z.infer<typeof externalSchema>;

/** `host:port` Harbor and other clients use. */
export function dragonflyAddress(cfg: DragonflyConfig): string {
    return cfg.mode === "external"
        ? cfg.address
        : `${cfg.name}.${cfg.namespace}.svc.cluster.local:${DRAGONFLY_PORT}`;
}

/** `--maxmemory` in bytes. */
export function maxMemoryBytes(cfg: ManagedDragonflyConfig): number {
    return Math.floor(parseQuantity(cfg.maxMemory));
}

/** Cross-field rules of `platform:dragonfly`; keys are relative to the `platform:` namespace. */
export function dragonflyProblems(cfg: DragonflyConfig): Problem[] {
    if (cfg.mode === "external") return [];
    const problems: Problem[] = [];
    const limit = cfg.resources.limits.memory;
    if (limit !== undefined && parseQuantity(cfg.maxMemory) > parseQuantity(limit)) {
        problems.push({
            key: "dragonfly.maxMemory",
            value: cfg.maxMemory,
            message:
                `is ${maxMemoryBytes(cfg)} bytes, more than resources.limits.memory ${limit} ` +
                `(${Math.floor(parseQuantity(limit))} bytes): the kernel would OOM-kill Dragonfly before it starts evicting or refusing writes. ` +
                `Set maxMemory at or below the limit (leave headroom for snapshots and replication)`,
        });
    }
    const cronError = dragonflyCronProblem(cfg.snapshot.cron);
    if (cronError) {
        problems.push({
            key: "dragonfly.snapshot.cron",
            value: cfg.snapshot.cron,
            message: cronError,
        });
    }
    cfg.args.forEach((arg, i) => {
        const flag = arg.split("=")[0] ?? arg;
        const reason = DRAGONFLY_RESERVED_FLAGS[flag];
        if (reason !== undefined) {
            problems.push({
                key: `dragonfly.args[${i}]`,
                value: arg,
                message: `${flag} ${reason}`,
            });
        }
    });
    const seen = new Set<string>();
    cfg.clientNamespaces.forEach((ns, i) => {
        if (seen.has(ns)) {
            problems.push({
                key: `dragonfly.clientNamespaces[${i}]`,
                value: ns,
                message: "is listed twice",
            });
        }
        seen.add(ns);
    });
    return problems;
}

import assert from "node:assert/strict";
import {
    dragonflyAddress,
    dragonflyCronProblem,
    dragonflyProblems,
    dragonflySchema,
    type DragonflyConfig,
    type ManagedDragonflyConfig,
} from "../components/dragonfly/config";
import {
    buildDragonflyClientNetworkPolicy,
    buildDragonflySpec,
    dragonflyFreeDatabases,
    dragonflyOperatorValues,
} from "../components/dragonfly/spec";

/**
 * Field paths of the `Dragonfly` spec (dragonflydb.io/v1alpha1) this project may set, read from
 * dragonflydb/dragonfly-operator v1.6.1 config/crd/bases/dragonflydb.io_dragonflies.yaml.
 * Map-valued fields (resources.requests/limits) are leaves.
 */
const CRD_SPEC_FIELDS = new Set([
    "podMetadata.annotations",
    "serviceSpec.annotations",
    "replicas",
    "image",
    "imagePullPolicy",
    "args",
    "resources.requests",
    "resources.limits",
    "authentication.passwordFromSecret.name",
    "authentication.passwordFromSecret.key",
    "snapshot.cron",
    "snapshot.persistentVolumeClaimSpec.accessModes",
    "snapshot.persistentVolumeClaimSpec.storageClassName",
    "snapshot.persistentVolumeClaimSpec.resources.requests",
    "podSecurityContext.runAsNonRoot",
    "podSecurityContext.runAsUser",
    "podSecurityContext.runAsGroup",
    "podSecurityContext.fsGroup",
    "podSecurityContext.seccompProfile.type",
    "containerSecurityContext.allowPrivilegeEscalation",
    "containerSecurityContext.capabilities.drop",
    "networkPolicyEnabled",
]);

/**
 * Value paths of the dragonfly-operator chart this project sets, read from
 * dragonflydb/dragonfly-operator v1.6.1 charts/dragonfly-operator/values.yaml (which has no
 * createOperatorNamespace: the chart has no namespace template at that version).
 */
const OPERATOR_VALUE_PATHS = new Set([
    "replicaCount",
    "crds.install",
    "crds.keep",
    "podSecurityContext.runAsNonRoot",
    "podSecurityContext.seccompProfile.type",
    "manager.resources.requests",
    "manager.resources.limits",
    "manager.securityContext.allowPrivilegeEscalation",
    "manager.securityContext.capabilities.drop",
    "rbacProxy.securityContext.allowPrivilegeEscalation",
    "rbacProxy.securityContext.capabilities.drop",
    "serviceMonitor.enabled",
]);

const MAP_LEAVES = new Set(["requests", "limits"]);

function leafPaths(o: unknown, prefix = ""): string[] {
    if (o === null || typeof o !== "object" || Array.isArray(o)) return [prefix];
    const last = prefix.split(".").pop() ?? "";
    if (MAP_LEAVES.has(last)) return [prefix];
    return Object.entries(o).flatMap(([k, v]) =>
        leafPaths(v, prefix === "" ? k : `${prefix}.${k}`),
    );
}

function managed(raw: Record<string, unknown> = {}): ManagedDragonflyConfig {
    const cfg: DragonflyConfig = dragonflySchema.parse(raw);
    if (cfg.mode !== "managed") throw new Error(`expected mode managed, got ${cfg.mode}`);
    return cfg;
}

describe("dragonfly config", () => {
    it("defaults to a managed instance dragonfly/dragonfly behind the pinned operator", () => {
        const cfg = managed();
        assert.equal(cfg.namespace, "dragonfly");
        assert.equal(cfg.name, "dragonfly");
        assert.deepEqual(cfg.operator.chart, {
            version: "v1.6.1",
            repository: "oci://ghcr.io/dragonflydb/dragonfly-operator/helm",
        });
        assert.deepEqual(cfg.clientNamespaces, ["harbor"]);
        assert.equal(cfg.authItem, "dragonfly/auth");
        assert.equal(dragonflyAddress(cfg), "dragonfly.dragonfly.svc.cluster.local:6379");
        assert.deepEqual(dragonflyProblems(cfg), []);
    });

    it("requires address and passwordItem in external mode, with clear messages", () => {
        const r = dragonflySchema.safeParse({ mode: "external" });
        assert.equal(r.success, false);
        const issues = r.error.issues.map((i) => [i.path.join("."), i.message]);
        assert.deepEqual(issues, [
            ["address", 'is required when mode is "external"'],
            [
                "passwordItem",
                'is required when mode is "external" (the 1Password item with the password)',
            ],
        ]);
        const ok = dragonflySchema.parse({
            mode: "external",
            address: "redis.internal:6379",
            passwordItem: "redis/auth",
        });
        assert.equal(dragonflyAddress(ok), "redis.internal:6379");
    });

    it("rejects managed-only settings in external mode and an unknown mode", () => {
        const r = dragonflySchema.safeParse({
            mode: "external",
            address: "redis.internal:6379",
            passwordItem: "redis/auth",
            replicas: 3,
        });
        assert.equal(r.error?.issues[0]?.code, "unrecognized_keys");
        const bad = dragonflySchema.safeParse({ mode: "cluster" });
        assert.equal(bad.error?.issues[0]?.message, 'must be "managed" or "external"');
    });

    it("rejects maxMemory above the memory limit, showing bytes", () => {
        const cfg = managed({ maxMemory: "3Gi", resources: { limits: { memory: "2Gi" } } });
        const problems = dragonflyProblems(cfg);
        assert.equal(problems.length, 1);
        assert.equal(problems[0]?.key, "dragonfly.maxMemory");
        assert.match(
            problems[0].message,
            /^is 3221225472 bytes, more than resources\.limits\.memory 2Gi \(2147483648 bytes\)/,
        );
        assert.deepEqual(
            dragonflyProblems(
                managed({ maxMemory: "2Gi", resources: { limits: { memory: "2Gi" } } }),
            ),
            [],
        );
    });

    it("takes a five-field snapshot cron and rejects a six-field one", () => {
        assert.equal(dragonflyCronProblem("0 */6 * * *"), undefined);
        assert.equal(dragonflyCronProblem("30 2 * * mon-fri"), undefined);
        assert.match(dragonflyCronProblem("0 0 */6 * * *") ?? "", /^has 6 fields/);
        assert.match(dragonflyCronProblem("hourly") ?? "", /^must have 5/);
        const problems = dragonflyProblems(managed({ snapshot: { cron: "0 0 2 * * *" } }));
        assert.deepEqual(
            problems.map((p) => p.key),
            ["dragonfly.snapshot.cron"],
        );
    });

    it("rejects extra args that break Harbor or that the builder owns", () => {
        const cfg = managed({
            args: ["--lock_on_hashtags", "--cluster_mode=yes", "--dbnum=4", "--maxmemory=1G"],
        });
        assert.deepEqual(
            dragonflyProblems(cfg).map((p) => p.key),
            ["dragonfly.args[1]", "dragonfly.args[2]", "dragonfly.args[3]"],
        );
    });
});

describe("buildDragonflySpec", () => {
    const cfg = managed({ args: ["--lock_on_hashtags"] });
    const spec = buildDragonflySpec(cfg, "dragonfly-auth");

    it("allows undeclared keys in Lua, caps memory in bytes and appends extra args", () => {
        assert.deepEqual(spec.args, [
            "--default_lua_flags=allow-undeclared-keys",
            "--maxmemory=1610612736",
            "--lock_on_hashtags",
        ]);
        assert.ok(
            !spec.args.some((a) => a.startsWith("--cluster_mode") || a.startsWith("--dbnum")),
        );
    });

    it("takes the password from the auth Secret's key password", () => {
        assert.deepEqual(spec.authentication, {
            passwordFromSecret: { name: "dragonfly-auth", key: "password" },
        });
    });

    it("is restricted-compliant: non-root 999, seccomp RuntimeDefault, no escalation, drop ALL", () => {
        assert.deepEqual(spec.podSecurityContext, {
            runAsNonRoot: true,
            runAsUser: 999,
            runAsGroup: 999,
            fsGroup: 999,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepEqual(spec.containerSecurityContext, {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
    });

    it("sets replicas, pinned image, resources and a snapshot volume", () => {
        assert.equal(spec.replicas, 2);
        assert.equal(spec.image, "docker.dragonflydb.io/dragonflydb/dragonfly:v1.39.0");
        assert.deepEqual(spec.resources, {
            requests: { cpu: "500m", memory: "2Gi" },
            limits: { cpu: "2", memory: "2Gi" },
        });
        assert.deepEqual(spec.snapshot, {
            cron: "0 */6 * * *",
            persistentVolumeClaimSpec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: "rook-ceph-block",
                resources: { requests: { storage: "10Gi" } },
            },
        });
        assert.equal(spec.networkPolicyEnabled, true);
    });

    it("keeps the operator's NetworkPolicy only when no CiliumNetworkPolicy replaces it", () => {
        assert.equal(buildDragonflySpec(cfg, "dragonfly-auth", false).networkPolicyEnabled, false);
    });

    it("uses only fields of the v1.6.1 Dragonfly CRD", () => {
        const unknown = leafPaths(spec).filter((p) => !CRD_SPEC_FIELDS.has(p));
        assert.deepEqual(unknown, []);
    });

    it("rolls the pods on a password rotation (the operator reads the password at pod start)", () => {
        assert.equal(spec.podMetadata, undefined);
        const rotated = buildDragonflySpec(
            managed({ passwordRotation: "2026-11" }),
            "dragonfly-auth",
        );
        assert.deepEqual(rotated.podMetadata, {
            annotations: { "platform.monosense.io/password-revision": "2026-11" },
        });
    });
});

describe("dragonfly operator values and client NetworkPolicy", () => {
    const cfg = managed({ clientNamespaces: ["harbor", "gitlab"] });

    it("makes the operator pod restricted-compliant, with chart keys only", () => {
        const v = dragonflyOperatorValues(cfg);
        assert.deepEqual(v.podSecurityContext, {
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
        });
        const unknown = leafPaths(v).filter((p) => !OPERATOR_VALUE_PATHS.has(p));
        assert.deepEqual(unknown, []);
        for (const c of ["manager", "rbacProxy"]) {
            const sc = (v[c] as { securityContext: unknown }).securityContext;
            assert.deepEqual(sc, {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
            });
        }
    });

    it("admits each client namespace to 6379 on the instance's pods", () => {
        const np = buildDragonflyClientNetworkPolicy(cfg);
        assert.deepEqual(np.podSelector.matchLabels, {
            app: "dragonfly",
            "app.kubernetes.io/name": "dragonfly",
        });
        assert.deepEqual(np.ingress[0]?.from, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "harbor" } } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gitlab" } } },
        ]);
        assert.deepEqual(np.ingress[0].ports, [{ port: 6379, protocol: "TCP" }]);
    });

    it("lists the logical databases Harbor leaves free", () => {
        assert.deepEqual(
            dragonflyFreeDatabases(["0", "1", "2", "5"]),
            [3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        );
        assert.deepEqual(
            dragonflyFreeDatabases(["1", "2", "5", "6", "7", undefined]),
            [3, 4, 8, 9, 10, 11, 12, 13, 14, 15],
        );
    });
});

/**
 * Pure builders for the managed Dragonfly: the `Dragonfly` custom resource's spec, the operator
 * chart's values and the NetworkPolicy that admits client namespaces. No Pulumi here.
 */
import { CILIUM_GLOBAL_ANNOTATION } from "../contract/names";
import { k8sResources } from "../schema";
import { DRAGONFLY_PORT, type ManagedDragonflyConfig, maxMemoryBytes } from "./config";

export const DRAGONFLY_API_VERSION = "dragonflydb.io/v1alpha1";
export const DRAGONFLY_KIND = "Dragonfly";

/**
 * The phase operator v1.6.1 writes once every pod is up (internal/controller/util.go:
 * `PhaseReady = "Ready"`; the lowercase "ready" of v1.1.x is only still compared against).
 */
export const DRAGONFLY_READY_PHASE = "Ready";

/** Pulumi's await condition on the `Dragonfly` CR: its phase, matched exactly. */
export const DRAGONFLY_WAIT_FOR = `jsonpath={.status.phase}=${DRAGONFLY_READY_PHASE}`;

/** Key of the password in the auth Secret the spec references. */
export const DRAGONFLY_PASSWORD_KEY = "password";

/** Pod annotation carrying `passwordRotation`, so that a rotation rolls the Dragonfly pods. */
export const PASSWORD_REVISION_ANNOTATION = "platform.monosense.io/password-revision";

/** Dragonfly's default `--dbnum`: logical databases 0..15. */
export const DRAGONFLY_DATABASES = 16;

/** Dragonfly's image runs as user/group `dfly` = 999 (non-numeric USER, so runAsUser is explicit). */
const DFLY_UID = 999;

export interface K8sResources {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
}

/** The subset of the v1alpha1 `Dragonfly` spec this project sets. */
export interface DragonflySpec {
    replicas: number;
    image: string;
    imagePullPolicy: "IfNotPresent";
    args: string[];
    resources: K8sResources;
    authentication: { passwordFromSecret: { name: string; key: string } };
    snapshot: {
        cron: string;
        persistentVolumeClaimSpec: {
            accessModes: string[];
            storageClassName: string;
            resources: { requests: { storage: string } };
        };
    };
    podSecurityContext: {
        runAsNonRoot: true;
        runAsUser: number;
        runAsGroup: number;
        fsGroup: number;
        seccompProfile: { type: "RuntimeDefault" };
    };
    containerSecurityContext: {
        allowPrivilegeEscalation: false;
        capabilities: { drop: string[] };
    };
    networkPolicyEnabled: boolean;
    serviceSpec?: { annotations: Record<string, string> };
    podMetadata?: { annotations: Record<string, string> };
}

/**
 * The `spec` of the `Dragonfly` CR. `passwordSecretName` is the Secret (in the instance's
 * namespace) whose key `password` becomes `requirepass` for the default user.
 *
 * - `--default_lua_flags=allow-undeclared-keys`: job queues (Harbor jobservice's gocraft/work,
 *   the Trivy adapter) run Lua scripts; Dragonfly otherwise rejects keys not declared in KEYS.
 * - No `--cluster_mode` and no `--dbnum`: Harbor SELECTs databases 0, 1, 2 and 5 (16 by default).
 * - `readOnlyRootFilesystem` is left out: not verified against the Dragonfly image.
 * - `networkPolicyEnabled`: the operator's NetworkPolicy guards the password-less admin port 9999
 *   but names no cluster (components/network/dragonfly.ts). With the stack's CiliumNetworkPolicy
 *   in place (`operatorNetworkPolicy: false`) it is switched off, and operator v1.6.1 deletes it;
 *   without, it is kept, and clients in other namespaces are admitted by
 *   `buildDragonflyClientNetworkPolicy`.
 */
export function buildDragonflySpec(
    cfg: ManagedDragonflyConfig,
    passwordSecretName: string,
    operatorNetworkPolicy = true,
): DragonflySpec {
    return {
        replicas: cfg.replicas,
        image: cfg.image,
        imagePullPolicy: "IfNotPresent",
        args: [
            "--default_lua_flags=allow-undeclared-keys",
            `--maxmemory=${maxMemoryBytes(cfg)}`,
            ...cfg.args,
        ],
        resources: k8sResources(cfg.resources),
        authentication: {
            passwordFromSecret: { name: passwordSecretName, key: DRAGONFLY_PASSWORD_KEY },
        },
        snapshot: {
            cron: cfg.snapshot.cron,
            persistentVolumeClaimSpec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: cfg.snapshot.storageClass,
                resources: { requests: { storage: cfg.snapshot.size } },
            },
        },
        podSecurityContext: {
            runAsNonRoot: true,
            runAsUser: DFLY_UID,
            runAsGroup: DFLY_UID,
            fsGroup: DFLY_UID,
            seccompProfile: { type: "RuntimeDefault" },
        },
        containerSecurityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        },
        networkPolicyEnabled: operatorNetworkPolicy,
        ...(cfg.global
            ? { serviceSpec: { annotations: { [CILIUM_GLOBAL_ANNOTATION]: "true" } } }
            : {}),
        // The operator hands the password to the pods at start (DFLY_requirepass) and rolls them
        // only when their template changes: a rotation changes the template too.
        ...(cfg.passwordRotation
            ? {
                  podMetadata: {
                      annotations: { [PASSWORD_REVISION_ANNOTATION]: cfg.passwordRotation },
                  },
              }
            : {}),
    };
}

/**
 * Values for the `dragonfly-operator` chart v1.6.1, compliant with Pod Security `restricted`: the chart's
 * default `podSecurityContext` is only `{runAsNonRoot: true}` (no seccomp profile), so it is
 * replaced; both containers (manager, kube-rbac-proxy) drop ALL and forbid escalation. Keys read
 * from charts/dragonfly-operator/values.yaml (replicaCount, crds.install/keep, podSecurityContext,
 * manager.resources/securityContext, rbacProxy.securityContext, serviceMonitor.enabled).
 */
export function dragonflyOperatorValues(cfg: ManagedDragonflyConfig): Record<string, unknown> {
    const containerSecurityContext = {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
    };
    return {
        replicaCount: cfg.operator.replicas,
        crds: { install: true, keep: true },
        // Pulumi creates and labels the operator's namespace; chart v1.6.1 has no namespace
        // template (nor a createOperatorNamespace value), so there is nothing to switch off.
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        manager: {
            resources: k8sResources(cfg.operator.resources),
            securityContext: containerSecurityContext,
        },
        rbacProxy: { securityContext: containerSecurityContext },
        serviceMonitor: { enabled: cfg.operator.serviceMonitor },
    };
}

/** Labels the operator puts on every pod of instance `name` (internal/resources/const.go). */
export function dragonflyPodLabels(name: string): Record<string, string> {
    return { app: name, "app.kubernetes.io/name": "dragonfly" };
}

/**
 * Spec of a NetworkPolicy (in the instance's namespace) admitting `clientNamespaces` to 6379. The
 * operator's own policy only admits the instance's namespace; policies add up.
 */
export function buildDragonflyClientNetworkPolicy(cfg: ManagedDragonflyConfig): {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: {
        from: { namespaceSelector: { matchLabels: Record<string, string> } }[];
        ports: { port: number; protocol: string }[];
    }[];
} {
    return {
        podSelector: { matchLabels: dragonflyPodLabels(cfg.name) },
        policyTypes: ["Ingress"],
        ingress: [
            {
                from: cfg.clientNamespaces.map((ns) => ({
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
                })),
                ports: [{ port: DRAGONFLY_PORT, protocol: "TCP" }],
            },
        ],
    };
}

/**
 * Logical databases (0..15) left for other tenants after Harbor's. `harborIndexes` are Harbor's
 * redis indexes as configured (strings such as "0", "1", "2", "5"); Harbor always uses 0.
 */
export function dragonflyFreeDatabases(harborIndexes: readonly (string | undefined)[]): number[] {
    const used = new Set<number>([0]);
    for (const idx of harborIndexes) {
        if (idx !== undefined) used.add(Number.parseInt(idx, 10));
    }
    return Array.from({ length: DRAGONFLY_DATABASES }, (_, i) => i).filter((i) => !used.has(i));
}

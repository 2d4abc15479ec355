/**
 * Replace-only fields of adopted Kubernetes objects, by pulumi-kubernetes' own table.
 *
 * Ported from pulumi/pulumi-kubernetes provider/pkg/provider/diff.go (`forceNewProperties` and
 * the `forceNew` table; read at the newest stored commit 94977969d, unchanged since v4.32.0; the
 * project pins @pulumi/kubernetes 4.34.2). The provider's Diff (provider.go) compares the live
 * object pruned to the imported inputs with the program's inputs and asks for a replacement when
 * a listed path differs; a Secret's `.type` always, its `.data`/`.stringData` too unless the
 * provider sets `enableSecretMutable` (or the Secret is `immutable`). The engine then refuses the
 * replacement of a resource that still carries its import id (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go: "previously-imported resources that still specify an ID
 * may not be replaced"), so the first `up` stops there.
 */
import { isDeepStrictEqual } from "node:util";
import type { Registration } from "../mock-runtime";
import { unwrap } from "../mock-runtime";
import type { Conflict, RuleContext, RuleResult } from "./types";

const labelSelector = (prefix: string) => [`${prefix}.matchExpressions`, `${prefix}.matchLabels`];
const containerFields = [
    "args",
    "command",
    "env",
    "image",
    "imagePullPolicy",
    "lifecycle",
    "livenessProbe",
    "ports",
    "readinessProbe",
    "resources",
    "securityContext",
    "stdin",
    "stdinOnce",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "tty",
    "volumeDevices",
    "volumeMounts",
    "workingDir",
];
const selectorOnly = [".spec.selector", ...labelSelector(".spec.selector")];
const statefulSet = [
    ".spec.podManagementPolicy",
    ".spec.revisionHistoryLimit",
    ".spec.serviceName",
    ".spec.volumeClaimTemplates",
    ...selectorOnly,
];
const job = [".spec.completions", ".spec.parallelism", ".spec.template", ...selectorOnly];
const roleBinding = [".roleRef"];
const core: Record<string, string[]> = {
    PersistentVolumeClaim: [
        ".spec.accessModes",
        ".spec.storageClassName",
        ".spec.volumeName",
        ...selectorOnly,
    ],
    ResourceQuota: [".spec.scopes"],
    Secret: [".type"],
    Service: [".spec.clusterIP"],
    Pod: [
        ".spec.affinity",
        ".spec.nodeName",
        ".spec.nodeSelector",
        ".spec.securityContext",
        ".spec.serviceAccountName",
        ".spec.volumes",
        ...["containers", "initContainers"].flatMap((c) =>
            containerFields.map((f) => `.spec.${c}[*].${f}`),
        ),
    ],
};

/** `<group>/<version>` → kind → replace-only paths (diff.go `forceNew`; "" and "core" alike). */
const FORCE_NEW: Record<string, Record<string, string[]>> = {
    "/v1": core,
    "apps/v1": { DaemonSet: selectorOnly, Deployment: selectorOnly, StatefulSet: statefulSet },
    "batch/v1": { Job: job },
    "rbac.authorization.k8s.io/v1": { ClusterRoleBinding: roleBinding, RoleBinding: roleBinding },
    "storage.k8s.io/v1": { StorageClass: [".parameters", ".provisioner"] },
    "policy/v1beta1": { PodDisruptionBudget: [".spec"] },
};

/** The replace-only paths of an object the program applies (diff.go `forceNewProperties`). */
export function forceNewPaths(
    obj: Record<string, unknown>,
    enableSecretMutable: boolean,
): string[] {
    const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
    const gv = apiVersion.includes("/") ? apiVersion : `/${apiVersion}`;
    const kind = typeof obj.kind === "string" ? obj.kind : "";
    const paths = [".metadata.name", ".metadata.namespace"];
    const version = FORCE_NEW[gv];
    if (!version) return paths;
    if (kind === "Secret" && gv === "/v1" && (!enableSecretMutable || obj.immutable === true)) {
        return [...paths, ".type", ".stringData", ".data"];
    }
    return [...paths, ...(version[kind] ?? [])];
}

/** Values at a diff.go path (`.a.b[*].c`); `[*]` fans out over a list. */
export function valuesAt(obj: unknown, path: string): unknown[] {
    let current: unknown[] = [obj];
    for (const seg of path.split(".").slice(1)) {
        const many = seg.endsWith("[*]");
        const key = many ? seg.slice(0, -3) : seg;
        current = current.flatMap((v) => {
            const next =
                typeof v === "object" && v !== null
                    ? (v as Record<string, unknown>)[key]
                    : undefined;
            return many ? (Array.isArray(next) ? (next as unknown[]) : []) : [next];
        });
    }
    return current;
}

/** True when the stack's Kubernetes provider for `reg` sets `enableSecretMutable`. */
export function secretMutable(regs: Registration[], reg: Registration): boolean {
    const ref = reg.provider ?? "";
    const provider = regs.find(
        (r) => r.type === "pulumi:providers:kubernetes" && ref.startsWith(`${r.urn}::`),
    );
    const value = provider ? (unwrap(provider.inputs) as Record<string, unknown>) : {};
    return value.enableSecretMutable === true || value.enableSecretMutable === "true";
}

function show(values: unknown[]): string {
    const defined = values.filter((v) => v !== undefined);
    if (defined.length === 0) return "unset";
    const v = defined.length === 1 ? defined[0] : defined;
    if (typeof v === "object" && v !== null && !Array.isArray(v))
        return `{${Object.keys(v).join(", ")}}`;
    return JSON.stringify(v);
}

/** Every adopted object whose replace-only field differs from the live object. */
export const replaceOnlyRule = (ctx: RuleContext): RuleResult => {
    const conflicts: Conflict[] = [];
    for (const a of ctx.adopted) {
        const mutable = secretMutable(ctx.regs, a.reg);
        const checked = forceNewPaths(a.inputs, mutable);
        const differing = checked.filter(
            (p) => !isDeepStrictEqual(valuesAt(a.live, p), valuesAt(a.inputs, p)),
        );
        const entry = ctx.plan.adopt.find((e) => e.type === a.reg.type && e.name === a.reg.name);
        if (entry) entry.replaceOnly = { checked, differing };
        if (differing.length === 0) continue;
        const detail = differing
            .map(
                (p) =>
                    `${p} live ${show(valuesAt(a.live, p))}, program ${show(valuesAt(a.inputs, p))}`,
            )
            .join("; ");
        const kind = String(a.inputs.kind);
        const secretType = differing.includes(".type") && kind === "Secret";
        const fix = secretType
            ? `recreate the live Secret with type ${show(valuesAt(a.inputs, ".type"))} and the same data before \`pulumi up\` (manual steps), then capture and plan again`
            : differing.some((p) => p === ".data" || p === ".stringData")
              ? "set the Kubernetes provider's enableSecretMutable (the program does; a stack with another provider must too)"
              : `make the program's ${differing.join(", ")} equal to the live object's, or delete the live object first and let the stack create it`;
        conflicts.push({
            rule: "replace-only-field",
            severity: "blocker",
            type: kind,
            name: a.id,
            problem: `${detail}: pulumi-kubernetes replaces a ${kind} when these differ, and the engine refuses to replace an imported resource, so \`pulumi up\` stops here: ${fix}`,
        });
    }
    const secrets = conflicts.filter(
        (c) => c.type === "Secret" && c.problem.includes(".type live"),
    );
    const beforeUp = secrets.length
        ? [
              {
                  step: "Recreate the adopted Secrets whose type differs, same data, the program's type (consumers read keys, which stay; a pod that starts during the seconds between delete and create retries)",
                  objects: secrets.map((c) => `Secret ${c.name}`),
                  commands: secrets.map((c) => {
                      const [ns, name] = c.name.split("/");
                      const a = ctx.adopted.find((x) => x.id === c.name);
                      const t = a?.inputs.type;
                      const type = typeof t === "string" ? t : "Opaque";
                      return `kubectl get secret ${name ?? ""} -n ${ns ?? ""} -o json | jq '.type = "${type}" | del(.metadata.uid, .metadata.resourceVersion, .metadata.creationTimestamp, .metadata.managedFields, .metadata.ownerReferences)' | kubectl replace --force -f -`;
                  }),
              },
          ]
        : [];
    return { conflicts, beforeUp };
};

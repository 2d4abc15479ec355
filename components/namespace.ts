import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/**
 * Pod Security Admission labels. Talos enforces `baseline` cluster-wide and audits/warns
 * `restricted`; namespaces here state their level explicitly so that it survives a change of the
 * cluster default.
 */
export function podSecurityLabels(
    enforce: PodSecurityLevel,
    warn: PodSecurityLevel = "restricted",
    audit: PodSecurityLevel = warn,
): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": audit,
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": warn,
        "pod-security.kubernetes.io/warn-version": "latest",
    };
}

export const MANAGED_BY = {
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "platform",
};

/**
 * A namespace. `holdsData` namespaces (a database cluster, registry volumes) are protected:
 * deleting the namespace would delete everything in it, PVCs included.
 */
export function namespace(
    name: string,
    enforce:
        | PodSecurityLevel
        | { enforce: PodSecurityLevel; warn: PodSecurityLevel; audit: PodSecurityLevel },
    holdsData: boolean,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace {
    const levels =
        typeof enforce === "string"
            ? podSecurityLabels(enforce)
            : podSecurityLabels(enforce.enforce, enforce.warn, enforce.audit);
    return new k8s.core.v1.Namespace(
        name,
        { metadata: { name, labels: { ...MANAGED_BY, ...levels } } },
        { ...opts, protect: holdsData || opts.protect },
    );
}

/**
 * The stack's explicit providers, built once. Credentials come from secret config or the
 * environment, never from committed files; none of them is needed by the tests or the render.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as onepassword from "@1password/pulumi-onepassword";
import { z } from "zod";
import type { StackRole } from "./schema";
import { isEmptyTakeover, type TakeoverConfig } from "./takeover/config";

/** `platform:kubernetes`: which cluster the Kubernetes provider talks to. */
export const kubernetesSchema = z.strictObject({
    /** kubeconfig context to use; the kubeconfig itself comes from `platform:kubeconfig` (secret) or KUBECONFIG. */
    context: z.string().min(1).optional(),
    /**
     * The Kubernetes provider's `clusterIdentifier` (see kubernetesClusterIdentifier): the provider,
     * and so every object under it, is replaced only when this changes. Default: the stack's
     * cluster (its role).
     */
    clusterIdentifier: z.string().min(1).optional(),
});

export type KubernetesConfig = z.infer<typeof kubernetesSchema>;

/** The settings the providers are built from (the stack's config has them). */
export interface ProviderSettings {
    role: StackRole;
    kubeconfig?: string;
    kubernetes: KubernetesConfig;
    takeover?: TakeoverConfig;
}

export interface Providers {
    k8s: k8s.Provider;
    onepassword: onepassword.Provider;
}

/**
 * The Kubernetes provider's `clusterIdentifier`: `platform:kubernetes.clusterIdentifier`, by default
 * the stack's cluster (its role, "infra" or "apps"). pulumi-kubernetes 4.34.2 (provider.d.ts;
 * provider/pkg/provider/provider.go DiffConfig) then replaces the provider only when the identifier
 * changes. Without it the provider guesses from the kubeconfig, so a new context name, a rotated
 * certificate or a switch between KUBECONFIG and `platform:kubeconfig` would replace the provider
 * and every object under it. Adding or removing the identifier itself never replaces.
 */
export function kubernetesClusterIdentifier(cfg: ProviderSettings): string {
    return cfg.kubernetes.clusterIdentifier ?? cfg.role;
}

/**
 * Kubernetes: `platform:kubeconfig` (secret) when set, else KUBECONFIG / ~/.kube/config, with the
 * configured context. 1Password: the provider reads `onepassword:url`/`onepassword:token`
 * (Connect) or `onepassword:serviceAccountToken` from its own config namespace, or
 * OP_CONNECT_HOST / OP_CONNECT_TOKEN / OP_SERVICE_ACCOUNT_TOKEN from the environment.
 */
/**
 * The warning for a 1Password Connect URL over plain HTTP: the Connect token it carries can read
 * and write the whole vault, and every secret this program pushes crosses the network in clear.
 * Use an https:// Connect URL, or a service account token (the 1Password SDK, always TLS).
 */
export function onePasswordTransportWarning(url: string | undefined): string | undefined {
    if (!url || !/^http:\/\//i.test(url.trim())) return undefined;
    return `1Password Connect is reached over plain HTTP (${url}): its token can read and write the whole vault and every secret pushed crosses the network unencrypted; use https:// (TLS in front of Connect) or onepassword:serviceAccountToken / OP_SERVICE_ACCOUNT_TOKEN`;
}

export function createProviders(cfg: ProviderSettings): Providers {
    const kubernetes = new k8s.Provider(cfg.role, {
        kubeconfig: cfg.kubeconfig === undefined ? undefined : pulumi.secret(cfg.kubeconfig),
        context: cfg.kubernetes.context,
        clusterIdentifier: kubernetesClusterIdentifier(cfg),
        enableServerSideApply: true,
        // A Secret's data is then updated in place: pulumi-kubernetes treats a Secret's
        // data/stringData as replace-only without it (provider/pkg/provider/diff.go), and an
        // adopted Secret (imported inputs hold `data`, the program writes `stringData`) or a
        // passwordRotation would need a replacement, which the engine refuses for imported
        // resources. `type` stays replace-only (the takeover plan checks it).
        enableSecretMutable: true,
        // During a takeover adoption goes through `import` (components/takeover/adopt.ts), never
        // through an upsert or a stack-wide force; stated here because these provider settings
        // take precedence over PULUMI_K8S_UPSERT_EXISTING_OBJECTS / PULUMI_K8S_ENABLE_PATCH_FORCE.
        ...(isEmptyTakeover(cfg.takeover)
            ? {}
            : { upsertExistingObjects: false, enablePatchForce: false }),
    });
    const opConfig = new pulumi.Config("onepassword");
    const warning = onePasswordTransportWarning(opConfig.get("url") ?? process.env.OP_CONNECT_HOST);
    if (warning) void pulumi.log.warn(warning);
    const op = new onepassword.Provider("onepassword", {
        url: opConfig.get("url"),
        token: opConfig.getSecret("token"),
        serviceAccountToken: opConfig.getSecret("serviceAccountToken"),
    });
    return { k8s: kubernetes, onepassword: op };
}

/**
 * Config fragments of an application (`platform:applications[]`) about what its pods run with: the
 * Harbor pull secret's name and the ServiceAccounts that carry it, and its Pod Security levels.
 */
import { z } from "zod";

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

/**
 * Schema building blocks shared by the root config model and the section modules (Harbor,
 * Dragonfly), kept apart from components/config.ts so that those modules can import them without
 * an import cycle.
 */
import { z } from "zod";
import { isQuantity, parseQuantity } from "./quantity";

export const quantity = z.string().refine(isQuantity, {
    error: 'must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label (Kubernetes object and namespace names), at most `max` characters. */
export const dnsLabel = (max = 63) =>
    z
        .string()
        .max(max, { error: `must be at most ${max} characters` })
        .regex(DNS_LABEL, {
            error: "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
        });

/** A whole number in [min, max], with one message for every way of missing it. */
export const int = (min: number, max: number) =>
    z
        .number({ error: `must be a whole number from ${min} to ${max}` })
        .int({ error: `must be a whole number from ${min} to ${max}` })
        .min(min, { error: `must be a whole number from ${min} to ${max}` })
        .max(max, { error: `must be a whole number from ${min} to ${max}` });

const computeResources = z.strictObject({
    cpu: quantity.optional(),
    memory: quantity.optional(),
});

export const resourcesSchema = z
    .strictObject({
        requests: computeResources.prefault({}),
        limits: computeResources.prefault({}),
    })
    .superRefine((r, ctx) => {
        for (const kind of ["cpu", "memory"] as const) {
            const req = r.requests[kind];
            const lim = r.limits[kind];
            if (req && lim && parseQuantity(req) > parseQuantity(lim)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["requests", kind],
                    input: req,
                    message: `must not exceed limits.${kind} (${lim})`,
                });
            }
        }
    });
export type Resources = z.infer<typeof resourcesSchema>;

/** Config resources → Kubernetes ResourceRequirements, without empty sections. */
export function k8sResources(r: Resources): {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
} {
    const out: { requests?: Record<string, string>; limits?: Record<string, string> } = {};
    for (const section of ["requests", "limits"] as const) {
        const entries: Record<string, string> = {};
        for (const kind of ["cpu", "memory"] as const) {
            const v = r[section][kind];
            if (v !== undefined) entries[kind] = v;
        }
        if (Object.keys(entries).length > 0) out[section] = entries;
    }
    return out;
}

/**
 * Schema building blocks shared by the root config model and the section modules (Harbor,
 * Dragonfly), kept apart from components/config.ts so that those modules can import them without
 * an import cycle.
 */
import { z } from "zod";
import { isQuantity, parseQuantity } from "./quantity";

const quantity = z.string().refine(isQuantity, {
    error: 'must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
});

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

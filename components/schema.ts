/**
 * Schema building blocks shared by the areas' config modules (quantities, resources, volumes,
 * identifiers, CIDRs) and the zod issue → message helpers. This module imports no area, so every
 * area's schema can use it without an import cycle.
 */
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";
import { isQuantity, parseQuantity } from "./quantity";

const QUANTITY_FORMAT = 'must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"';

/** A Kubernetes quantity greater than zero (a size, request or limit of 0 is always a mistake). */
export const quantity = z
    .string({ error: QUANTITY_FORMAT })
    .refine(isQuantity, { error: QUANTITY_FORMAT, abort: true })
    .refine((q) => parseQuantity(q) > 0, { error: "must be greater than zero" });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label (Kubernetes object and namespace names), at most `max` characters. */
export const dnsLabel = (max = 63) =>
    z
        .string()
        .max(max, { error: `must be at most ${max} characters` })
        .regex(DNS_LABEL, {
            error: "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
        });

const PG_IDENT = /^[a-z_][a-z0-9_]*$/;

/** A PostgreSQL identifier (role, database) as this project writes them: lowercase, unquoted. */
export const pgIdent = z
    .string()
    .max(63, { error: "must be at most 63 characters" })
    .regex(PG_IDENT, {
        error: "must be a lowercase PostgreSQL identifier: letters, digits and '_', not starting with a digit",
    });

/** A map of string settings (parameters, annotations). */
export const stringMap = z.record(
    z.string(),
    z.string({ error: 'must be a string (quote numbers in YAML: "25")' }),
);

/** Which cluster a stack builds. */
export const stackRole = z.enum(["infra", "apps"]);
export type StackRole = z.infer<typeof stackRole>;

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
            // A malformed quantity already has its format message; compare only well-formed ones.
            if (!req || !lim || !isQuantity(req) || !isQuantity(lim)) continue;
            // A zero limit has its own message too.
            if (parseQuantity(lim) > 0 && parseQuantity(req) > parseQuantity(lim)) {
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

/** A persistent volume: its size and, optionally, its StorageClass. */
export const volume = z.strictObject({
    size: quantity,
    storageClass: z.string().min(1).optional(),
});

/**
 * A CIDR: an IPv4 address (octets 0-255) or IPv6 address, "/" and a prefix length (0-32 or 0-128).
 */
export const cidr = z.string().refine(isCidr, {
    error: 'must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
});

export function isCidr(value: string): boolean {
    const match = /^([^/]+)\/([0-9]{1,3})$/.exec(value);
    if (!match?.[1] || !match[2]) return false;
    const prefix = Number(match[2]);
    if (isIPv4(match[1])) return prefix <= 32;
    return isIPv6(match[1]) && prefix <= 128;
}

/** CIDRs that match every address. */
export const EVERY_ADDRESS = ["0.0.0.0/0", "::/0"];

/**
 * What a library's generic issue message says in this project's words: what is allowed, not
 * what zod expected. Issues that carry a message of their own (set where the schema is built)
 * keep it.
 */
export function issueText(issue: z.core.$ZodIssue): string {
    const generic = /^(Invalid|Too (small|big))/.test(issue.message);
    if (!generic) return issue.message;
    switch (issue.code) {
        case "too_small":
            if (issue.origin === "string") {
                return Number(issue.minimum) <= 1
                    ? "must not be empty"
                    : `must be at least ${String(issue.minimum)} characters`;
            }
            if (issue.origin === "array" || issue.origin === "set") {
                return `must list at least ${String(issue.minimum)} item${Number(issue.minimum) === 1 ? "" : "s"}`;
            }
            return `must be a number ${issue.inclusive ? "of at least" : "greater than"} ${String(issue.minimum)}`;
        case "too_big":
            if (issue.origin === "string")
                return `must be at most ${String(issue.maximum)} characters`;
            if (issue.origin === "array" || issue.origin === "set") {
                return `must list at most ${String(issue.maximum)} items`;
            }
            return `must be a number ${issue.inclusive ? "of at most" : "less than"} ${String(issue.maximum)}`;
        case "invalid_format":
            if (issue.format === "url") return 'must be a URL such as "https://example.com"';
            if (issue.format === "regex" && "pattern" in issue) {
                return `must match the pattern ${String(issue.pattern)}`;
            }
            return `must be a valid ${issue.format}`;
        case "not_multiple_of":
            return "must be a whole number";
        default:
            return issue.message;
    }
}

/** What YAML shape a map or a list is, said against what was given; undefined for other types. */
export function expectedText(expected: string, value: unknown): string | undefined {
    const given = Array.isArray(value)
        ? "a list"
        : value === null
          ? "empty"
          : typeof value === "object"
            ? "a map"
            : `a ${typeof value}`;
    if (expected === "object") return `a map of settings (key: value), not ${given}`;
    if (expected === "array") return `a list (one "- " entry per item), not ${given}`;
    if (expected === "string" && (typeof value === "number" || typeof value === "boolean")) {
        return `a string, not ${given} (quote it in YAML: "${String(value)}")`;
    }
    return undefined;
}

/** The value at a zod issue's path in the parsed input (undefined when the path leaves it). */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let cur: unknown = root;
    for (const seg of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[seg];
    }
    return cur;
}

/** A zod issue in this project's words, given the value found at its path. */
export function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
    switch (issue.code) {
        case "invalid_type":
            if (value === undefined) return "is required";
            return issue.message.startsWith("Invalid input")
                ? `must be ${expectedText(issue.expected, value) ?? article(issue.expected)}`
                : issue.message;
        case "invalid_value":
            if (value === undefined) {
                return `is required: one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
            }
            return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "unrecognized_keys":
            return `unknown setting${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} (check the spelling against Pulumi.yaml)`;
        default:
            return issueText(issue);
    }
}

function article(type: string): string {
    return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

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

interface SchemaDef {
    type: string;
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
    shape?: Record<string, z.core.$ZodType>;
    element?: z.core.$ZodType;
    valueType?: z.core.$ZodType;
    options?: z.core.$ZodType[];
    left?: z.core.$ZodType;
    right?: z.core.$ZodType;
    getter?: () => z.core.$ZodType;
}

/** The object schemas a value at `path` of `schema` may be parsed by (through wrappers and unions). */
function objectsAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): SchemaDef[] {
    const def = schema._zod.def as unknown as SchemaDef;
    const inner = def.innerType ?? def.in ?? def.getter?.();
    if (inner) return objectsAt(inner, path);
    if (def.type === "union") return (def.options ?? []).flatMap((o) => objectsAt(o, path));
    if (def.type === "intersection") {
        return [def.left, def.right].flatMap((o) => (o ? objectsAt(o, path) : []));
    }
    const [seg, ...rest] = path;
    if (seg === undefined) return def.type === "object" ? [def] : [];
    if (def.type === "object" && typeof seg === "string" && def.shape?.[seg]) {
        return objectsAt(def.shape[seg], rest);
    }
    if (def.type === "array" && typeof seg === "number" && def.element) {
        return objectsAt(def.element, rest);
    }
    if (def.type === "record" && def.valueType) return objectsAt(def.valueType, rest);
    return [];
}

/** The keys the map at `path` of `schema` knows (for "did you mean" on an unknown one). */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
    return [...new Set(objectsAt(schema, path).flatMap((d) => Object.keys(d.shape ?? {})))];
}

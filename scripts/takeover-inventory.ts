/**
 * The takeover inventory: what a user collects from the live system with the standard tools
 * (docs/takeover.md "Taking over from Flux"), one JSON file each, all optional. Each file is checked
 * against the shape its tool prints; a bad file gives one error naming it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

const meta = z.looseObject({
    name: z.string().min(1),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
});

/**
 * `kubectl get <kinds> -A -o json`: a List of objects, with `metadata.managedFields` (kubectl
 * prints them unless `--show-managed-fields=false`) and, for Secrets, `type` and the keys of
 * `data`. A Secret's values never enter the inventory: the capture script blanks them
 * (`"key": ""`), and a file that still holds one is refused.
 */
const managedFieldsEntry = z.looseObject({
    manager: z.string().optional(),
    operation: z.string().optional(),
    fieldsV1: z.record(z.string(), z.unknown()).optional(),
});
const kubernetesFile = z.looseObject({
    kind: z.literal("List"),
    items: z.array(
        z.looseObject({
            apiVersion: z.string(),
            kind: z.string(),
            metadata: meta.extend({
                managedFields: z.array(managedFieldsEntry).optional(),
                ownerReferences: z
                    .array(z.looseObject({ kind: z.string(), name: z.string() }))
                    .optional(),
                annotations: z.record(z.string(), z.string()).optional(),
            }),
            spec: z.record(z.string(), z.unknown()).optional(),
            type: z.string().optional(),
            data: z
                .record(
                    z.string(),
                    z.literal("", {
                        error: "holds a secret value: blank every value of data (the capture script does)",
                    }),
                )
                .optional(),
            stringData: z.never({ error: "a live object has no stringData" }).optional(),
        }),
    ),
});

/** `helm list -A -o json` (`chart` is `<name>-<version>`, `app_version` the app's). */
const helmFile = z.array(
    z.looseObject({
        name: z.string().min(1),
        namespace: z.string().min(1),
        chart: z.string().optional(),
    }),
);

/**
 * One field of `op item get <id> --format json`: `section` is absent for a field outside any
 * section; `value` is dropped by the capture script (a file that still holds one is refused).
 */
const onepasswordField = z.looseObject({
    id: z.string(),
    type: z.string().optional(),
    purpose: z.string().optional(),
    label: z.string().optional(),
    section: z.looseObject({ id: z.string(), label: z.string().optional() }).optional(),
    value: z
        .never({ error: "holds a secret value: drop value (the capture script does)" })
        .optional(),
});

/**
 * `op item list --vault <vault> --format json`, or per item `op item get <id> --format json`
 * (with `sections` and `fields`, as the 1Password provider needs them; values dropped).
 */
const onepasswordFile = z.array(
    z.looseObject({
        id: z.string().regex(/^[a-z0-9]{26}$/, { error: "must be a 26-character item id" }),
        title: z.string().min(1),
        vault: z.looseObject({
            id: z.string().regex(/^[a-z0-9]{26}$/),
            name: z.string().optional(),
        }),
        category: z.string().optional(),
        sections: z
            .array(z.looseObject({ id: z.string(), label: z.string().optional() }))
            .optional(),
        fields: z.array(onepasswordField).optional(),
    }),
);

/**
 * `kubectl config view --minify -o json` plus the `kube-system` Namespace's uid: which cluster the
 * inventory was captured from.
 */
const clusterFile = z.strictObject({
    context: z.string().min(1),
    server: z.string().min(1),
    kubeSystemUid: z.string().min(1),
});

/** The `psql -At` query of docs/takeover.md (json_build_object). */
const postgresFile = z.strictObject({
    roles: z.array(
        z.looseObject({
            name: z.string().min(1),
            login: z.boolean(),
            connectionLimit: z.number().int(),
        }),
    ),
    databases: z.array(z.looseObject({ name: z.string().min(1), owner: z.string().min(1) })),
    extensions: z.array(z.looseObject({ database: z.string().min(1), name: z.string().min(1) })),
});

/** Harbor API v2.0: `GET /projects`, `GET /robots`, `GET /system/gc/schedule`. */
const harborFile = z.strictObject({
    projects: z.array(
        z.looseObject({
            project_id: z.number().int(),
            name: z.string().min(1),
            metadata: z.record(z.string(), z.string()).optional(),
        }),
    ),
    robots: z.array(z.looseObject({ id: z.number().int(), name: z.string().min(1) })),
    gcSchedule: z
        .looseObject({
            schedule: z
                .looseObject({ type: z.string().optional(), cron: z.string().optional() })
                .nullish(),
        })
        .nullish(),
});

export type KubernetesObject = z.infer<typeof kubernetesFile>["items"][number];
export type OnePasswordEntry = z.infer<typeof onepasswordFile>[number];
export type ClusterIdentity = z.infer<typeof clusterFile>;

export interface Inventory {
    kubernetes: KubernetesObject[];
    helm: z.infer<typeof helmFile>;
    onepassword: OnePasswordEntry[];
    postgres: z.infer<typeof postgresFile>;
    harbor: z.infer<typeof harborFile>;
    /** Absent when the inventory has no cluster.json (older captures). */
    cluster?: ClusterIdentity;
}

export const EMPTY_INVENTORY: Inventory = {
    kubernetes: [],
    helm: [],
    onepassword: [],
    postgres: { roles: [], databases: [], extensions: [] },
    harbor: { projects: [], robots: [], gcSchedule: null },
};

/** Bad inventory files, one line each (no stack trace). */
export class InventoryError extends Error {
    constructor(public readonly problems: string[]) {
        super(
            `invalid inventory (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n  - ${problems.join("\n  - ")}`,
        );
        this.name = "InventoryError";
    }
}

const FILES = {
    "kubernetes.json": kubernetesFile,
    "helm.json": helmFile,
    "onepassword.json": onepasswordFile,
    "postgres.json": postgresFile,
    "harbor.json": harborFile,
    "cluster.json": clusterFile,
} as const;

function where(p: readonly PropertyKey[]): string {
    return p.length === 0
        ? ""
        : ` at ${p.map((s) => (typeof s === "number" ? `[${s}]` : `.${String(s)}`)).join("")}`;
}

/** Parses one file's text; returns the value or the one problem naming the file. */
function parseFile(file: keyof typeof FILES, text: string): { value?: unknown; problem?: string } {
    if (text.trim() === "")
        return { problem: `${file}: is empty (expected the JSON its command prints)` };
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (e) {
        return { problem: `${file}: is not JSON (${e instanceof Error ? e.message : String(e)})` };
    }
    const result = FILES[file].safeParse(json);
    if (!result.success) {
        const issue = result.error.issues[0];
        const detail = issue ? `${issue.message}${where(issue.path)}` : "wrong shape";
        return { problem: `${file}: not the expected shape: ${detail}` };
    }
    return { value: result.data };
}

/** Reads `<dir>/<file>` for each known file that exists; a missing directory is an error. */
export function readInventory(dir: string): Inventory {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        throw new InventoryError([`${dir}: no such inventory directory`]);
    }
    const problems: string[] = [];
    const inv: Inventory = structuredClone(EMPTY_INVENTORY);
    const unknown = fs.readdirSync(dir).filter((f) => f.endsWith(".json") && !(f in FILES));
    for (const f of unknown) {
        problems.push(`${f}: unknown inventory file (known: ${Object.keys(FILES).join(", ")})`);
    }
    for (const file of Object.keys(FILES) as (keyof typeof FILES)[]) {
        const full = path.join(dir, file);
        if (!fs.existsSync(full)) continue;
        const { value, problem } = parseFile(file, fs.readFileSync(full, "utf8"));
        if (problem) {
            problems.push(problem);
            continue;
        }
        if (file === "kubernetes.json")
            inv.kubernetes = (value as z.infer<typeof kubernetesFile>).items;
        if (file === "helm.json") inv.helm = value as Inventory["helm"];
        if (file === "onepassword.json") inv.onepassword = value as Inventory["onepassword"];
        if (file === "postgres.json") inv.postgres = value as Inventory["postgres"];
        if (file === "harbor.json") inv.harbor = value as Inventory["harbor"];
        if (file === "cluster.json") inv.cluster = value as ClusterIdentity;
    }
    if (problems.length > 0) throw new InventoryError(problems);
    return inv;
}

/**
 * Review of a change as a diff of two offline renders:
 * `npm run plan-diff -- <base render dir> <head render dir>` prints Markdown on stdout.
 *
 * A render dir is what `npm run render` writes (resources.json, outputs.json, graph.mmd, ...), or
 * a folder of them, one per stack (render/infra, render/apps). Resources are matched by
 * `<type>::<name>`; each one is created, deleted, updated or replaced. Whether Pulumi replaces
 * is decided by REPLACE_RULES below, read from the providers' sources (named there). The offline
 * render sees no live state: drift, objects made by hand and the values of secrets are for the
 * live `pulumi preview`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { nodeIds, nodeLabel } from "./render";

/** One row of resources.json. `import` is the id of an object adopted on create, when set. */
export interface Row {
    type: string;
    name: string;
    custom: boolean;
    parent: string | null;
    dependencies: string[];
    protect: boolean;
    retainOnDelete: boolean;
    import?: unknown;
    inputs: Record<string, unknown>;
}

export interface StackRender {
    stack: string;
    rows: Row[];
    outputs: Record<string, unknown>;
}

export type Op = "create" | "update" | "replace" | "delete";

export interface ValueChange {
    path: string;
    before?: unknown;
    after?: unknown;
}

export interface Change {
    op: Op;
    ref: string;
    type: string;
    name: string;
    base?: Row;
    head?: Row;
    changes: ValueChange[];
    /** Why Pulumi replaces (the properties that force it). */
    replaceReasons: string[];
}

export interface StackDiff {
    stack: string;
    changes: Change[];
    base?: StackRender;
    head?: StackRender;
}

const refOf = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

// ---------------------------------------------------------------------------------------------
// Loading renders

/** A stack render from the files `render()` returns (or reads them from a directory). */
export function stackFromFiles(stack: string, files: Record<string, string>): StackRender {
    const rows = JSON.parse(files["resources.json"] ?? "[]") as Row[];
    const outputs = JSON.parse(files["outputs.json"] ?? "{}") as Record<string, unknown>;
    return { stack, rows, outputs };
}

function readStackDir(dir: string): StackRender {
    const read = (f: string) => {
        const p = path.join(dir, f);
        return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
    };
    const files: Record<string, string> = {};
    for (const f of ["resources.json", "outputs.json"]) {
        const content = read(f);
        if (content !== undefined) files[f] = content;
    }
    return stackFromFiles(path.basename(dir), files);
}

/** A render dir: one stack (holds resources.json) or a folder of stack dirs. */
export function loadRenderDir(dir: string): StackRender[] {
    if (!fs.existsSync(dir)) throw new Error(`plan-diff: no render directory ${dir}`);
    if (fs.existsSync(path.join(dir, "resources.json"))) return [readStackDir(dir)];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, "resources.json")))
        .map((e) => e.name)
        .sort()
        .map((name) => readStackDir(path.join(dir, name)));
}

// ---------------------------------------------------------------------------------------------
// Value diff

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function keyPath(at: string, key: string): string {
    const part = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? key : JSON.stringify(key);
    return at ? (part.startsWith('"') ? `${at}[${part}]` : `${at}.${part}`) : part;
}

/** Leaf-level differences; arrays of equal length element by element, else as one value. */
export function valueChanges(before: unknown, after: unknown, at = ""): ValueChange[] {
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => valueChanges(before[k], after[k], keyPath(at, k)));
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
        return before.flatMap((b, i) => valueChanges(b, after[i], `${at}[${i}]`));
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        // Lists that grow or shrink (DNS names, grants): what leaves and what joins.
        const key = (v: unknown) => JSON.stringify(v);
        const olds = before as unknown[];
        const news = after as unknown[];
        const a = new Set(news.map(key));
        const b = new Set(olds.map(key));
        return [
            ...olds
                .filter((v) => !a.has(key(v)))
                .map((v): ValueChange => ({ path: `${at}[]`, before: v })),
            ...news
                .filter((v) => !b.has(key(v)))
                .map((v): ValueChange => ({ path: `${at}[]`, after: v })),
        ];
    }
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    return [{ path: at || "(value)", before, after }];
}

// ---------------------------------------------------------------------------------------------
// What Pulumi replaces

/**
 * Properties whose change makes Pulumi replace a resource (delete and create, or create and
 * delete), by type. A path matches a rule when it is the rule or lies below it. Sources:
 * - Helm releases: `forceNewFields := []string{".name", ".namespace"}` in pulumi-kubernetes
 *   provider/pkg/provider/helm_release.go (Diff).
 * - Kubernetes objects: a new `metadata.name` or `metadata.namespace` is another object (the
 *   provider replaces). Fields the API server holds immutable (a Secret's `type`, a PVC's
 *   storage class) make the provider replace too; they are not modelled here, the live
 *   preview shows them.
 * - PostgreSQL (cyrilgdn/terraform-provider-postgresql v1.26.0, postgresql/resource_postgresql_*.go):
 *   a Database's template, encoding, lc_collate, lc_ctype are ForceNew, its `name` is renamed in
 *   place (ALTER DATABASE … RENAME TO); a Role has no ForceNew field, its `name` is renamed in
 *   place (ALTER ROLE … RENAME TO); a Grant's role, database, schema, object_type, objects,
 *   columns and with_grant_option are ForceNew, `privileges` is updated; an Extension's name and
 *   database are ForceNew.
 * - random (hashicorp/terraform-provider-random v3.9.0, internal/provider/resource_password.go
 *   and siblings): every argument, `keepers` and `length` included, RequiresReplace.
 * - tls: every argument of a private key and a self-signed certificate forces a new one.
 * - Harbor's dynamic providers (components/harbor-api/providers.ts, their `diff`): a project's
 *   name; a robot's project and name; a retention policy's project.
 */
export const REPLACE_RULES: { match: (type: string) => boolean; paths: string[] | "all" }[] = [
    { match: (t) => t === "kubernetes:helm.sh/v3:Release", paths: ["name", "namespace"] },
    {
        match: (t) => t.startsWith("kubernetes:") && !t.startsWith("kubernetes:helm.sh/"),
        paths: ["metadata.name", "metadata.namespace"],
    },
    {
        match: (t) => t === "postgresql:index/database:Database",
        paths: ["template", "encoding", "lcCollate", "lcCtype"],
    },
    {
        match: (t) => t === "postgresql:index/grant:Grant",
        paths: [
            "role",
            "database",
            "schema",
            "objectType",
            "objects",
            "columns",
            "withGrantOption",
        ],
    },
    { match: (t) => t === "postgresql:index/extension:Extension", paths: ["name", "database"] },
    { match: (t) => t.startsWith("random:") || t.startsWith("tls:"), paths: "all" },
    { match: (t) => t === "pulumi-nodejs:dynamic/harbor:Project", paths: ["name"] },
    { match: (t) => t === "pulumi-nodejs:dynamic/harbor:Robot", paths: ["project", "name"] },
    { match: (t) => t === "pulumi-nodejs:dynamic/harbor:RetentionPolicy", paths: ["project"] },
];

const under = (p: string, rule: string) =>
    p === rule || p.startsWith(`${rule}.`) || p.startsWith(`${rule}[`);

/** The changed input paths that make Pulumi replace a resource of `type`. */
export function replaceReasons(type: string, changes: ValueChange[]): string[] {
    const reasons = new Set<string>();
    for (const rule of REPLACE_RULES.filter((r) => r.match(type))) {
        for (const c of changes) {
            if (rule.paths === "all" || rule.paths.some((p) => under(c.path, p))) {
                reasons.add(c.path);
            }
        }
    }
    return [...reasons].sort();
}

/** Resource-level fields compared besides the inputs (a change of these alone is an update). */
const OPTION_FIELDS = ["protect", "retainOnDelete", "import"] as const;

export function diffStack(base?: StackRender, head?: StackRender): Change[] {
    const rowsOf = (s?: StackRender) =>
        new Map(
            (s?.rows ?? [])
                .filter((r) => r.type !== "pulumi:pulumi:Stack")
                .map((r) => [refOf(r), r]),
        );
    const before = rowsOf(base);
    const after = rowsOf(head);
    const out: Change[] = [];
    for (const ref of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const b = before.get(ref);
        const a = after.get(ref);
        const row = (a ?? b) as Row;
        const common = { ref, type: row.type, name: row.name, base: b, head: a };
        if (!b) {
            out.push({ ...common, op: "create", changes: [], replaceReasons: [] });
            continue;
        }
        if (!a) {
            out.push({ ...common, op: "delete", changes: [], replaceReasons: [] });
            continue;
        }
        const changes = valueChanges(b.inputs, a.inputs);
        for (const f of OPTION_FIELDS) {
            if (JSON.stringify(b[f] ?? null) !== JSON.stringify(a[f] ?? null)) {
                changes.push({ path: `(${f})`, before: b[f] ?? null, after: a[f] ?? null });
            }
        }
        const reasons = replaceReasons(row.type, changes);
        // A new parent gives the resource a new URN: without an alias Pulumi deletes the old
        // one and creates the new one.
        if ((b.parent ?? null) !== (a.parent ?? null)) {
            changes.push({ path: "(parent)", before: b.parent, after: a.parent });
            reasons.push("(parent): a new URN");
        }
        if (changes.length === 0) continue;
        out.push({
            ...common,
            op: reasons.length > 0 ? "replace" : "update",
            changes,
            replaceReasons: reasons,
        });
    }
    // A new random or tls value reaches what reads it; the render shows both as [secret], the
    // engine updates them.
    const byRef = new Map(out.map((c) => [c.ref, c]));
    for (const c of out.filter((x) => x.op === "replace" && /^(random|tls):/.test(x.type))) {
        for (const r of after.values()) {
            if (!r.dependencies.includes(c.ref)) continue;
            const existing = byRef.get(refOf(r));
            const note = { path: "(secret input)", after: `new value of ${c.name}` };
            if (existing) {
                if (existing.op === "update" || existing.op === "replace")
                    existing.changes.push(note);
                continue;
            }
            const b = before.get(refOf(r));
            const change: Change = {
                op: "update",
                ref: refOf(r),
                type: r.type,
                name: r.name,
                base: b,
                head: r,
                changes: [note],
                replaceReasons: [],
            };
            out.push(change);
            byRef.set(change.ref, change);
        }
    }
    return out.sort((x, y) => x.ref.localeCompare(y.ref));
}

// ---------------------------------------------------------------------------------------------
// What to look at first

/** Types whose replace or delete loses data or takes a running system down. */
export const STATEFUL_TYPES: Record<string, string> = {
    "kubernetes:postgresql.cnpg.io/v1:Cluster": "a PostgreSQL cluster and its volumes",
    "postgresql:index/database:Database": "a database and its data",
    "kubernetes:core/v1:PersistentVolumeClaim": "a volume",
    "kubernetes:core/v1:Namespace": "a namespace and everything in it",
    "kubernetes:helm.sh/v3:Release":
        "a Helm release: everything it templated (an operator chart's CRDs take every custom resource of them along)",
    "postgresql:index/role:Role": "a login role: what connects as it fails",
};

const short = (type: string) => type.split(":").pop()?.split("/").pop() ?? type;
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const what = (c: { type: string; name: string }) => `${short(c.type)} ${code(c.name)}`;

function show(v: unknown): string {
    const s = v === undefined ? "(none)" : JSON.stringify(v);
    return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

const BUDGET_PATHS: Record<string, RegExp> = {
    "kubernetes:postgresql.cnpg.io/v1:Cluster": /^spec\.postgresql\.parameters\.max_connections$/,
    "kubernetes:postgresql.cnpg.io/v1:Pooler":
        /^spec\.(instances|pgbouncer\.poolMode|pgbouncer\.parameters\.(default_pool_size|reserve_pool_size|min_pool_size|max_client_conn|max_db_connections|max_user_connections))$/,
    "postgresql:index/role:Role": /^connectionLimit$/,
};

function reverseDeps(rows: Row[]): Map<string, Row[]> {
    const out = new Map<string, Row[]>();
    for (const r of rows) {
        for (const d of r.dependencies) out.set(d, [...(out.get(d) ?? []), r]);
    }
    return out;
}

/** What a rotated password reaches (two steps along the dependencies) and what that means. */
function rotationNotes(c: Change, d: StackDiff, all: StackDiff[]): string[] {
    const head = d.head;
    if (!head || !c.head) return [];
    const dependents = reverseDeps(head.rows);
    const changed = new Map(d.changes.map((x) => [x.ref, x]));
    const direct = dependents.get(c.ref) ?? [];
    const second = direct.flatMap((r) =>
        r.type === "kubernetes:core/v1:Secret" ? (dependents.get(refOf(r)) ?? []) : [],
    );
    const restarts: string[] = [];
    const stays: string[] = [];
    // CNPG reloads a labelled Secret only when a Cluster of its namespace refers to it.
    const usedByCluster = (secret: Row) => {
        const meta = (secret.inputs.metadata ?? {}) as Record<string, unknown>;
        return head.rows.some(
            (r) =>
                r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster" &&
                (r.inputs.metadata as Record<string, unknown> | undefined)?.namespace ===
                    meta.namespace &&
                JSON.stringify(r.inputs.spec ?? {}).includes(`"name":${JSON.stringify(meta.name)}`),
        );
    };
    for (const r of direct) {
        const labels = ((r.inputs.metadata as Record<string, unknown> | undefined)?.labels ??
            {}) as Record<string, unknown>;
        if (r.type === "postgresql:index/role:Role") {
            stays.push(
                `${what(r)}: new password set in place (ALTER ROLE); open sessions stay, the poolers' auth_query reads it on the next login`,
            );
        } else if (
            r.type === "kubernetes:core/v1:Secret" &&
            labels["cnpg.io/reload"] === "true" &&
            usedByCluster(r)
        ) {
            stays.push(`${what(r)}: updated; CNPG reloads it (\`cnpg.io/reload\`), no restart`);
        } else if (r.type === "kubernetes:core/v1:Secret") {
            stays.push(
                `${what(r)}: updated; pods that read it keep the old value until they restart`,
            );
        } else if (r.type === "onepassword:index/item:Item") {
            stays.push(`${what(r)}: 1Password item updated`);
        } else if (r.type === "kubernetes:helm.sh/v3:Release") {
            restarts.push(
                `${what(r)}: Helm upgrade with the new value; pods whose templates change roll`,
            );
        } else {
            restarts.push(`${what(r)}: updated with the new value`);
        }
    }
    for (const r of second) {
        const x = changed.get(refOf(r));
        if (x && x.op !== "create") restarts.push(`${what(r)}: its spec changes too, so it rolls`);
        else if (!x)
            stays.push(`${what(r)}: not restarted by this change (reads the Secret at start)`);
    }
    const notes = [
        ...restarts.map((s) => `restarts: ${s}`),
        ...stays.map((s) => `does not restart: ${s}`),
    ];
    // A global tenant's password reaches the apps cluster through the infra stack's outputs.
    const tenant = c.head.parent?.startsWith("platform:postgres:Tenant::")
        ? c.head.parent.slice("platform:postgres:Tenant::".length)
        : undefined;
    const tenants = (head.outputs.tenants ?? {}) as Record<string, Record<string, unknown>>;
    if (tenant && tenants[tenant]?.global === true) {
        const appSecrets = all
            .filter((s) => s !== d)
            .flatMap((s) => s.head?.rows ?? [])
            .filter(
                (r) =>
                    r.type === "kubernetes:core/v1:Secret" &&
                    (
                        (r.inputs.metadata as Record<string, unknown> | undefined)?.labels as
                            Record<string, unknown> | undefined
                    )?.["platform.monosense.io/tenant"] === tenant,
            )
            .map(what);
        notes.push(
            `global tenant ${code(tenant)}: the apps stack needs a \`pulumi up\` too, after this one: its connection Secrets${appSecrets.length ? ` (${appSecrets.join(", ")})` : ""} carry the password from the infra stack's outputs, and the apps' pods read them at start (restart them afterwards)`,
        );
    }
    return notes;
}

export interface Flag {
    /** 0: stop and check (data, protection); 1: check; 2: note. */
    level: 0 | 1 | 2;
    text: string;
    notes: string[];
}

export function flags(d: StackDiff, all: StackDiff[]): Flag[] {
    const out: Flag[] = [];
    const at = `(${d.stack})`;
    for (const c of d.changes) {
        const row = (c.head ?? c.base) as Row;
        const stateful = STATEFUL_TYPES[c.type];
        if ((c.op === "replace" || c.op === "delete") && (row.protect || c.base?.protect)) {
            out.push({
                level: 0,
                text: `${at} **${c.op}s protected** ${what(c)}${c.op === "replace" ? ` (${c.replaceReasons.join(", ")})` : ""}: \`pulumi up\` refuses to ${c.op} a protected resource; if this is meant, the change must unprotect it first, deliberately`,
                notes: [],
            });
        } else if ((c.op === "replace" || c.op === "delete") && stateful) {
            out.push({
                level: 0,
                text: `${at} **${c.op}s** ${what(c)}${c.op === "replace" ? ` (${c.replaceReasons.join(", ")})` : ""}: ${stateful}${c.base?.retainOnDelete ? " (retainOnDelete: Pulumi forgets it, the object stays)" : ""}`,
                notes: [],
            });
        }
        if (
            c.op === "replace" &&
            c.type.startsWith("random:") &&
            c.replaceReasons.some((p) => under(p, "keepers"))
        ) {
            const owner = c.head?.parent
                ? `${short(c.head.parent.split("::")[0] ?? "")} ${code(c.head.parent.split("::")[1] ?? "")}`
                : what(c);
            const keepers = c.changes.filter((x) => under(x.path, "keepers"));
            out.push({
                level: 1,
                text: `${at} **rotates the password of ${owner}** (${what(c)}, ${keepers.map((k) => `${k.path} ${show(k.before)} → ${show(k.after)}`).join(", ")})`,
                notes: rotationNotes(c, d, all),
            });
        } else if (
            c.op === "replace" &&
            (c.type.startsWith("random:") || c.type.startsWith("tls:"))
        ) {
            out.push({
                level: 1,
                text: `${at} **generates a new secret** ${what(c)} (${c.replaceReasons.join(", ")}): everything that holds the old value gets the new one`,
                notes: rotationNotes(c, d, all),
            });
        }
        if (c.op === "update") {
            for (const x of c.changes) {
                if (c.type === "postgresql:index/role:Role" && x.path === "name") {
                    out.push({
                        level: 0,
                        text: `${at} **renames role** ${show(x.before)} → ${show(x.after)} in place (ALTER ROLE … RENAME TO): whatever logs in with the old name fails`,
                        notes: [],
                    });
                }
                if (c.type === "postgresql:index/database:Database" && x.path === "name") {
                    out.push({
                        level: 0,
                        text: `${at} **renames database** ${show(x.before)} → ${show(x.after)} in place (ALTER DATABASE … RENAME TO): connection strings with the old name fail`,
                        notes: [],
                    });
                }
            }
        }
        if (c.op === "delete" && /^(random|tls):/.test(c.type) && !c.base?.protect) {
            out.push({
                level: 1,
                text: `${at} **deletes the generated secret** ${what(c)}: its value is gone for good (a later create makes a new one); whatever still holds it keeps a value nothing manages`,
                notes: [],
            });
        }
        if (c.op === "update" && c.base?.protect && !c.head?.protect) {
            out.push({
                level: 1,
                text: `${at} **stops protecting** ${what(c)}: a later change can delete it without a guard`,
                notes: [],
            });
        }
        const budget = BUDGET_PATHS[c.type];
        if (budget && c.op === "update") {
            for (const x of c.changes.filter((y) => budget.test(y.path))) {
                out.push({
                    level: 1,
                    text: `${at} connection budget: ${what(c)} ${code(x.path)} ${show(x.before)} → ${show(x.after)}`,
                    notes:
                        x.path === "spec.postgresql.parameters.max_connections"
                            ? [
                                  "restarts PostgreSQL: max_connections takes effect only at server start; CNPG restarts the replicas, then the primary (spec.primaryUpdateStrategy)",
                              ]
                            : [],
                });
            }
        }
        if (
            budget &&
            (c.op === "create" || c.op === "delete") &&
            c.type !== "kubernetes:postgresql.cnpg.io/v1:Cluster"
        ) {
            const limit =
                row.inputs.connectionLimit ??
                (row.inputs.spec as Record<string, unknown> | undefined)?.instances;
            out.push({
                level: 2,
                text: `${at} connection budget: ${c.op === "create" ? "adds" : "removes"} ${what(c)}${limit !== undefined ? ` (${c.type.endsWith(":Role") ? "connectionLimit" : "instances"} ${show(limit)})` : ""}`,
                notes: [],
            });
        }
        if (c.type === "kubernetes:helm.sh/v3:Release" && c.op !== "create" && c.op !== "delete") {
            const chart = c.changes.filter((x) =>
                ["version", "chart", "repositoryOpts.repo"].includes(x.path),
            );
            if (chart.length > 0) {
                out.push({
                    level: 1,
                    text: `${at} **chart change** ${what(c)}: ${chart.map((x) => `${x.path} ${show(x.before)} → ${show(x.after)}`).join(", ")} — read the chart's upgrade notes; Helm never upgrades CRDs in a chart's \`crds/\` folder`,
                    notes: [],
                });
            }
        }
        const importId = c.head?.import;
        const adopts = c.op === "create" && c.head?.inputs.adopt === true;
        if (
            (importId !== undefined &&
                importId !== null &&
                importId !== "" &&
                JSON.stringify(importId) !== JSON.stringify(c.base?.import ?? null)) ||
            adopts
        ) {
            out.push({
                level: 1,
                text: `${at} **adopts** existing ${what(c)}${importId ? ` (import ${show(importId)})` : " (adopt on create)"}: Pulumi takes it over and then brings it to the declared inputs; check the diff of the live preview`,
                notes: [],
            });
        }
    }
    return aggregateBudget(out).sort((a, b) => a.level - b.level);
}

/** More than a handful of roles or poolers added or removed: one line per kind and direction. */
function aggregateBudget(all: Flag[]): Flag[] {
    const re =
        /^(\(\S+\)) connection budget: (adds|removes) (Role|Pooler) `([^`]+)`(?: \((connectionLimit|instances) (\d+)\))?$/;
    const groups = new Map<string, { names: string[]; sum: number; field?: string }>();
    const rest: Flag[] = [];
    for (const f of all) {
        const m = f.level === 2 ? re.exec(f.text) : null;
        if (!m) {
            rest.push(f);
            continue;
        }
        const k = `${m[1] ?? ""} ${m[2] ?? ""} ${m[3] ?? ""}`;
        const g = groups.get(k) ?? { names: [], sum: 0, field: m[5] };
        g.names.push(m[4] ?? "");
        g.sum += Number(m[6] ?? 0);
        groups.set(k, g);
    }
    for (const [k, g] of groups) {
        const [at, verb, kind] = k.split(" ");
        if (g.names.length <= 5) {
            for (const n of g.names) {
                const one = all.find((f) =>
                    f.text.includes(`${verb ?? ""} ${kind ?? ""} \`${n}\``),
                );
                if (one) rest.push(one);
            }
            continue;
        }
        const shown = g.names
            .slice(0, 5)
            .map((n) => code(n))
            .join(", ");
        rest.push({
            level: 2,
            text: `${at ?? ""} connection budget: ${verb ?? ""} ${g.names.length} ${kind === "Role" ? "roles" : "poolers"}${g.field ? ` (${g.field} ${g.sum} in all)` : ""}: ${shown}, …`,
            notes: [],
        });
    }
    return rest;
}

// ---------------------------------------------------------------------------------------------
// Mermaid picture of the change

/** GitHub's limits for a Mermaid diagram in a comment. */
export const MERMAID_LIMITS = { maxEdges: 500, maxBytes: 50_000 };
/** Beyond these the detailed picture is unreadable; one node per component instead. */
const DETAIL_CAP = { nodes: 80, edges: 160 };
const COMPONENT_CAP = 60;

const STYLE: Record<Op | "context", string> = {
    create: "fill:#d4f7d4,stroke:#2a7a2a",
    update: "fill:#fff3c4,stroke:#9a7b00",
    replace: "fill:#ffd9b3,stroke:#b35900",
    delete: "fill:#ffd0d0,stroke:#a00000",
    context: "fill:#f4f4f4,stroke:#999999,color:#555555",
};

function classDefs(): string[] {
    return Object.entries(STYLE).map(([k, v]) => `  classDef ${k} ${v}`);
}

/**
 * The changed resources of every stack with their direct neighbours; when that is too large,
 * one node per component (with its counts) and the dependencies between components.
 */
export function changeGraph(diffs: StackDiff[]): {
    mermaid: string;
    kind: "detail" | "components" | "none";
    note?: string;
} {
    const changed = diffs.flatMap((d) => d.changes.map((c) => ({ d, c })));
    if (changed.length === 0) return { mermaid: "", kind: "none" };
    const key = (stack: string, ref: string) => `${stack}/${ref}`;
    const rowsOf = (d: StackDiff) => {
        const m = new Map<string, Row>();
        for (const r of [...(d.base?.rows ?? []), ...(d.head?.rows ?? [])]) m.set(refOf(r), r);
        return m;
    };
    // Detailed view.
    const nodes = new Map<string, { stack: string; row: Row; op: Op | "context" }>();
    const edges = new Set<string>();
    for (const d of diffs) {
        const rows = rowsOf(d);
        const dependents = reverseDeps([...rows.values()]);
        for (const c of d.changes) {
            const row = (c.head ?? c.base) as Row;
            nodes.set(key(d.stack, c.ref), { stack: d.stack, row, op: c.op });
        }
        for (const c of d.changes) {
            const row = (c.head ?? c.base) as Row;
            for (const dep of row.dependencies) {
                const r = rows.get(dep);
                if (!r) continue;
                if (!nodes.has(key(d.stack, dep)))
                    nodes.set(key(d.stack, dep), { stack: d.stack, row: r, op: "context" });
                edges.add(`${key(d.stack, dep)} ${key(d.stack, c.ref)}`);
            }
            for (const r of dependents.get(c.ref) ?? []) {
                if (!nodes.has(key(d.stack, refOf(r))))
                    nodes.set(key(d.stack, refOf(r)), { stack: d.stack, row: r, op: "context" });
                edges.add(`${key(d.stack, c.ref)} ${key(d.stack, refOf(r))}`);
            }
        }
    }
    if (nodes.size <= DETAIL_CAP.nodes && edges.size <= DETAIL_CAP.edges) {
        const ids = nodeIds([...nodes.keys()].map((k) => k.replace("/", "_")));
        const id = (k: string) => ids.get(k.replace("/", "_")) ?? "";
        const lines = ["flowchart LR"];
        for (const d of diffs) {
            const mine = [...nodes.entries()].filter(([, n]) => n.stack === d.stack);
            if (mine.length === 0) continue;
            lines.push(
                `  subgraph stack_${d.stack.replace(/[^A-Za-z0-9_]/g, "_")}["stack ${d.stack}"]`,
            );
            for (const [k, n] of mine.sort(([a], [b]) => a.localeCompare(b))) {
                const mark = n.op === "context" ? "" : ` (${n.op})`;
                lines.push(`    ${id(k)}["${nodeLabel(n.row.type, n.row.name)}${mark}"]:::${n.op}`);
            }
            lines.push("  end");
        }
        for (const e of [...edges].sort()) {
            const [from, to] = e.split(" ");
            lines.push(`  ${id(from ?? "")} --> ${id(to ?? "")}`);
        }
        lines.push(...classDefs());
        return { mermaid: `${lines.join("\n")}\n`, kind: "detail" };
    }
    // One node per component: the nearest component ancestor of each resource.
    const groups = new Map<string, { stack: string; label: string; counts: Record<Op, number> }>();
    const groupEdges = new Set<string>();
    for (const d of diffs) {
        const rows = rowsOf(d);
        const groupOf = (r: Row): string => {
            let p = r.custom ? r.parent : refOf(r);
            while (p) {
                const pr = rows.get(p);
                if (!pr || pr.type === "pulumi:pulumi:Stack") break;
                if (!pr.custom) return key(d.stack, p);
                p = pr.parent;
            }
            return key(d.stack, `(stack)::${d.stack}`);
        };
        const touched = new Set(d.changes.map((c) => groupOf((c.head ?? c.base) as Row)));
        for (const r of rows.values()) {
            if (r.type === "pulumi:pulumi:Stack") continue;
            const g = groupOf(r);
            for (const dep of r.dependencies) {
                const dr = rows.get(dep);
                if (!dr || dr.type === "pulumi:pulumi:Stack") continue;
                const from = groupOf(dr);
                if (from !== g && (touched.has(from) || touched.has(g)))
                    groupEdges.add(`${from} ${g}`);
            }
        }
        for (const g of [...touched, ...[...groupEdges].flatMap((e) => e.split(" "))]) {
            if (groups.has(g) || !g.startsWith(`${d.stack}/`)) continue;
            const ref = g.slice(d.stack.length + 1);
            const [type, ...rest] = ref.split("::");
            groups.set(g, {
                stack: d.stack,
                label:
                    type === "(stack)"
                        ? `stack ${d.stack}: resources outside components`
                        : nodeLabel(type ?? "", rest.join("::")),
                counts: { create: 0, update: 0, replace: 0, delete: 0 },
            });
        }
        for (const c of d.changes) {
            const g = groups.get(groupOf((c.head ?? c.base) as Row));
            if (g) g.counts[c.op] += 1;
        }
    }
    const total = (g: { counts: Record<Op, number> }) =>
        Object.values(g.counts).reduce((a, b) => a + b, 0);
    let byType = false;
    if (groups.size > COMPONENT_CAP) {
        // Still too many (e.g. 200 tenants): one node per kind of component and stack.
        byType = true;
        const typeKey = (g: string) => {
            const slash = g.indexOf("/");
            return `${g.slice(0, slash)}/${g.slice(slash + 1).split("::")[0] ?? ""}::*`;
        };
        const merged = new Map<
            string,
            { stack: string; label: string; counts: Record<Op, number>; names: string[] }
        >();
        for (const [k, g] of groups) {
            const m = merged.get(typeKey(k)) ?? {
                stack: g.stack,
                label: "",
                counts: { create: 0, update: 0, replace: 0, delete: 0 },
                names: [],
            };
            for (const op of OPS) m.counts[op] += g.counts[op];
            m.names.push(k.slice(k.indexOf("::") + 2));
            merged.set(typeKey(k), m);
        }
        groups.clear();
        for (const [k, m] of merged) {
            const type = k.slice(k.indexOf("/") + 1, k.lastIndexOf("::"));
            const names = m.names.sort();
            const label =
                type === "(stack)"
                    ? `stack ${m.stack}: resources outside components`
                    : names.length === 1
                      ? nodeLabel(type, names[0] ?? "")
                      : nodeLabel(
                            `${type} × ${names.length}`,
                            names.length > 3
                                ? `${names[0] ?? ""} … ${names[names.length - 1] ?? ""}`
                                : names.join(", "),
                        );
            groups.set(k, { stack: m.stack, label, counts: m.counts });
        }
        const remapped = new Set<string>();
        for (const e of groupEdges) {
            const [from, to] = e.split(" ").map((x) => typeKey(x));
            if (from && to && from !== to) remapped.add(`${from} ${to}`);
        }
        groupEdges.clear();
        for (const e of remapped) groupEdges.add(e);
    }
    const ranked = [...groups.entries()].sort(
        ([ka, a], [kb, b]) => total(b) - total(a) || ka.localeCompare(kb),
    );
    const kept = new Map(ranked.slice(0, COMPONENT_CAP));
    const ids = nodeIds([...kept.keys()].map((k) => k.replace("/", "_")));
    const id = (k: string) => ids.get(k.replace("/", "_")) ?? "";
    const lines = ["flowchart LR"];
    for (const [k, g] of [...kept.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const counts = (Object.entries(g.counts) as [Op, number][]).filter(([, n]) => n > 0);
        const op: Op | "context" =
            counts.find(([o]) => o === "delete")?.[0] ??
            counts.find(([o]) => o === "replace")?.[0] ??
            counts[0]?.[0] ??
            "context";
        const summary = counts.map(([o, n]) => `${o} ${n}`).join(", ");
        lines.push(`  ${id(k)}["${g.label}${summary ? `<br/>${summary}` : ""}"]:::${op}`);
    }
    const keptEdges = [...groupEdges].filter((e) => e.split(" ").every((k) => kept.has(k))).sort();
    for (const e of keptEdges.slice(0, MERMAID_LIMITS.maxEdges - 10)) {
        const [from, to] = e.split(" ");
        lines.push(`  ${id(from ?? "")} --> ${id(to ?? "")}`);
    }
    lines.push(...classDefs());
    const left = ranked.length - kept.size;
    return {
        mermaid: `${lines.join("\n")}\n`,
        kind: "components",
        note: `${nodes.size} resources and ${edges.size} dependencies are too many to read: one node per ${byType ? "kind of component" : "changed component"}${left > 0 ? ` (the ${COMPONENT_CAP} with the most changes; ${left} more not drawn)` : ""}.`,
    };
}

// ---------------------------------------------------------------------------------------------
// Markdown

const OPS: Op[] = ["create", "update", "replace", "delete"];
const MAX_DIFF_LINES = 120;
const MAX_PATHS_PER_RESOURCE = 12;

function summaryTable(changes: Change[]): string[] {
    const byType = new Map<string, Record<Op, number>>();
    for (const c of changes) {
        const row = byType.get(c.type) ?? { create: 0, update: 0, replace: 0, delete: 0 };
        row[c.op] += 1;
        byType.set(c.type, row);
    }
    const totals = OPS.map((op) => changes.filter((c) => c.op === op).length);
    return [
        `| type | ${OPS.join(" | ")} |`,
        `| --- | ${OPS.map(() => "---:").join(" | ")} |`,
        ...[...byType.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(
                ([t, n]) =>
                    `| ${code(t)} | ${OPS.map((op) => (n[op] ? String(n[op]) : "")).join(" | ")} |`,
            ),
        `| **total** | ${totals.map((n) => `**${n}**`).join(" | ")} |`,
    ];
}

function diffLines(changes: Change[]): string[] {
    const out: string[] = [];
    for (const c of changes.filter((x) => x.op === "update" || x.op === "replace")) {
        out.push(
            `@@ ${c.op} ${c.type} ${c.name}${c.op === "replace" ? ` (replaced by: ${c.replaceReasons.join(", ")})` : ""}`,
        );
        for (const x of c.changes.slice(0, MAX_PATHS_PER_RESOURCE)) {
            // A value that was redacted and is shown now (or the other way) may not have changed.
            if (x.before === "[secret]" && x.after !== undefined && x.after !== "[secret]") {
                out.push(
                    `  ${x.path}: ${show(x.after)} (was shown as [secret]; the render cannot tell whether it changed)`,
                );
                continue;
            }
            if (x.before !== undefined) out.push(`- ${x.path}: ${show(x.before)}`);
            if (x.after !== undefined) out.push(`+ ${x.path}: ${show(x.after)}`);
        }
        if (c.changes.length > MAX_PATHS_PER_RESOURCE) {
            out.push(`  … ${c.changes.length - MAX_PATHS_PER_RESOURCE} more changed values`);
        }
    }
    for (const c of changes.filter(
        (x) => x.op === "create" && x.type === "postgresql:index/grant:Grant",
    )) {
        const i = c.head?.inputs ?? {};
        out.push(
            `+ grant ${show(i.privileges)} on ${show(i.objectType)} ${show(i.database)}${i.schema ? `.${show(i.schema)}` : ""} to ${show(i.role)}`,
        );
    }
    for (const c of changes.filter(
        (x) => x.op === "delete" && x.type === "postgresql:index/grant:Grant",
    )) {
        const i = c.base?.inputs ?? {};
        out.push(
            `- grant ${show(i.privileges)} on ${show(i.objectType)} ${show(i.database)}${i.schema ? `.${show(i.schema)}` : ""} to ${show(i.role)}`,
        );
    }
    return out;
}

export function planDiffStacks(base: StackRender[], head: StackRender[]): StackDiff[] {
    const names = [...new Set([...base.map((s) => s.stack), ...head.map((s) => s.stack)])].sort();
    return names.map((stack) => {
        const b = base.find((s) => s.stack === stack);
        const h = head.find((s) => s.stack === stack);
        return { stack, base: b, head: h, changes: diffStack(b, h) };
    });
}

/** The review as Markdown. */
export function planDiff(base: StackRender[], head: StackRender[]): string {
    const diffs = planDiffStacks(base, head);
    const out: string[] = ["## Offline review of this change", ""];
    const total = diffs.reduce((n, d) => n + d.changes.length, 0);
    out.push(
        "Rendered from the config of the base and of the head, without a cluster: live state (drift, objects made by hand, secret values) is for the live `pulumi preview`.",
        "",
    );
    if (total === 0) {
        out.push(
            `**No changes** in ${diffs.map((d) => code(d.stack)).join(", ") || "any stack"}.`,
            "",
        );
        return `${out.join("\n")}\n`;
    }
    const all = diffs.flatMap((d) => flags(d, diffs)).sort((a, b) => a.level - b.level);
    out.push("### What to look at first", "");
    if (all.length === 0)
        out.push(
            "Nothing flagged: no replace or delete of anything stateful or protected, no rotation, budget, chart or adoption change.",
        );
    const icon = ["🛑", "⚠️", "ℹ️"];
    for (const f of all) {
        out.push(`- ${icon[f.level] ?? ""} ${f.text}`);
        for (const n of f.notes) out.push(`  - ${n}`);
    }
    out.push("");
    for (const d of diffs) {
        out.push(`### Stack \`${d.stack}\``, "");
        if (!d.base) out.push("New stack (no base render).", "");
        if (!d.head) out.push("Removed stack (no head render).", "");
        if (d.changes.length === 0) {
            out.push("No changes.", "");
            continue;
        }
        out.push(...summaryTable(d.changes), "");
        const lines = diffLines(d.changes);
        if (lines.length > 0) {
            const shown = lines.slice(0, MAX_DIFF_LINES);
            out.push(
                `<details><summary>Changed values (${lines.length} lines, secrets as [secret])</summary>`,
                "",
                "```diff",
                ...shown,
                ...(lines.length > shown.length
                    ? [
                          `  … ${lines.length - shown.length} more lines: see resources.json of the two renders`,
                      ]
                    : []),
                "```",
                "",
                "</details>",
                "",
            );
        }
        const created = d.changes.filter((c) => c.op === "create" || c.op === "delete");
        if (created.length > 0) {
            out.push(
                `<details><summary>Created and deleted (${created.length})</summary>`,
                "",
                ...created
                    .slice(0, 200)
                    .map(
                        (c) =>
                            `- ${c.op} ${code(c.ref)}${(c.head ?? c.base)?.protect ? " (protected)" : ""}`,
                    ),
                ...(created.length > 200 ? [`- … ${created.length - 200} more`] : []),
                "",
                "</details>",
                "",
            );
        }
    }
    const g = changeGraph(diffs);
    if (g.kind !== "none") {
        out.push("### Dependency graph of the change", "");
        if (g.note) out.push(g.note, "");
        out.push(
            "Changed resources in colour (green create, yellow update, orange replace, red delete), their direct neighbours in grey. The full graph is `graph.mmd` of each render.",
            "",
            "```mermaid",
            g.mermaid.trimEnd(),
            "```",
            "",
        );
    }
    return `${out.join("\n").trimEnd()}\n`;
}

function main(argv: string[]): number {
    const [baseDir, headDir, ...rest] = argv;
    if (!baseDir || !headDir || rest.length > 0) {
        console.error("usage: npm run plan-diff -- <base render dir> <head render dir>");
        return 2;
    }
    process.stdout.write(planDiff(loadRenderDir(baseDir), loadRenderDir(headDir)));
    return 0;
}

if (require.main === module) {
    try {
        process.exit(main(process.argv.slice(2)));
    } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
    }
}

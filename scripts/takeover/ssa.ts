/**
 * The object server-side apply produces on the first `up`, and the CloudNativePG webhook rules it
 * must pass.
 *
 * Server-side apply keeps every field another manager owns and Pulumi's applied object does not
 * name (kustomize-controller, helm-controller, external-secrets); `pulumi.com/patchForce` only
 * takes the fields that conflict (pulumi-kubernetes provider/pkg/await/await.go). So the object
 * after the first apply is the live object with the program's fields laid over it; the live
 * object's `metadata.managedFields` say who keeps the rest. Lists are taken as atomic (the
 * program's list replaces the live one), which is what the CNPG CRDs declare for the fields
 * checked here.
 *
 * CNPG 1.26.1 `internal/webhook/v1/cluster_webhook.go` `validatePluginConfiguration`: a Cluster
 * may not enable a WAL-archiver plugin while `spec.backup.barmanObjectStore` is set, nor more than
 * one WAL archiver. The in-tree → plugin migration (plugin-barman-cloud v0.13.0
 * `web/docs/migration.md`): an ObjectStore first, then one atomic change of the Cluster (remove
 * `barmanObjectStore` and `retentionPolicy`, add the plugin), then ScheduledBackups to
 * `method: plugin`.
 */
import { unwrap } from "../mock-runtime";
import type { KubernetesObject } from "../takeover-inventory";
import type { AdoptedObject, Conflict, ManualStep, RuleContext, RuleResult } from "./types";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Pulumi's field manager names start with this (pulumi-kubernetes `fieldManagerName`). */
const PULUMI_MANAGER = "pulumi-kubernetes";

/** The live object with `over` laid on it: maps merge, lists and scalars of `over` win. */
export function applied(live: unknown, over: unknown): unknown {
    if (!isObj(live) || !isObj(over)) return over === undefined ? live : over;
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(over)) out[k] = applied(live[k], v);
    return out;
}

/**
 * Fields other managers own in `live` that `ours` does not set, as dotted paths with their
 * manager: they stay after the apply.
 */
export function keptFields(live: KubernetesObject, ours: Obj): { path: string; manager: string }[] {
    const kept: { path: string; manager: string }[] = [];
    const walk = (fields: Obj, mine: unknown, path: string[], manager: string) => {
        for (const [key, sub] of Object.entries(fields)) {
            if (!key.startsWith("f:")) continue;
            const name = key.slice(2);
            const next = isObj(mine) ? mine[name] : undefined;
            if (next === undefined) {
                if (path[0] !== "status") kept.push({ path: [...path, name].join("."), manager });
                continue;
            }
            if (isObj(sub) && isObj(next)) walk(sub, next, [...path, name], manager);
        }
    };
    for (const entry of live.metadata.managedFields ?? []) {
        const manager = entry.manager ?? "";
        if (manager.startsWith(PULUMI_MANAGER) || !entry.fieldsV1) continue;
        walk(entry.fieldsV1, ours, [], manager);
    }
    return kept;
}

interface Plugin {
    name?: string;
    enabled?: boolean;
    isWALArchiver?: boolean;
}

/** CNPG 1.26.1 `validatePluginConfiguration`, as messages. */
export function cnpgPluginProblems(cluster: Obj): string[] {
    const spec = isObj(cluster.spec) ? cluster.spec : {};
    const plugins = (Array.isArray(spec.plugins) ? spec.plugins : []) as Plugin[];
    const archivers = plugins
        .filter((p) => p.enabled !== false && p.isWALArchiver === true)
        .map((p) => p.name ?? "");
    const backup = isObj(spec.backup) ? spec.backup : {};
    const problems: string[] = [];
    if (backup.barmanObjectStore !== undefined && archivers.length > 0)
        problems.push(
            `spec.plugins: Invalid value: ${JSON.stringify(archivers)}: Cannot enable a WAL archiver plugin when barmanObjectStore is configured`,
        );
    if (archivers.length > 1)
        problems.push(
            `spec.plugins: Invalid value: ${JSON.stringify(archivers)}: Cannot enable more than one WAL archiver plugin`,
        );
    return problems;
}

const isCnpg = (o: { apiVersion?: unknown }) =>
    typeof o.apiVersion === "string" && o.apiVersion.startsWith("postgresql.cnpg.io/");

/** The stack name of a URN (`urn:pulumi:<stack>::<project>::…`). */
const stackOf = (urn: string) => urn.split("::")[0]?.replace(/^urn:pulumi:/, "") ?? "";

function migrationSteps(ctx: RuleContext, a: AdoptedObject, merged: Obj): ManualStep[] {
    const [ns = "", name = ""] = a.id.split("/");
    const ours = (a.inputs.spec ?? {}) as Obj;
    const liveBackup = ((merged.spec as Obj).backup ?? {}) as Obj;
    const plugins = JSON.stringify(ours.plugins ?? []);
    const objectStores = ctx.regs.filter((r) => {
        const i = unwrap(r.inputs) as Obj;
        return i.kind === "ObjectStore" && (i.metadata as Obj | undefined)?.namespace === ns;
    });
    const patch = [
        { op: "remove", path: "/spec/backup/barmanObjectStore" },
        ...(liveBackup.retentionPolicy !== undefined
            ? [{ op: "remove", path: "/spec/backup/retentionPolicy" }]
            : []),
        { op: "add", path: "/spec/plugins", value: "PLUGINS" },
    ];
    const patchText = JSON.stringify(patch).replace('"PLUGINS"', plugins);
    const inTree = ctx.inv.kubernetes.filter(
        (o) =>
            o.kind === "ScheduledBackup" &&
            isCnpg(o) &&
            o.metadata.namespace === ns &&
            (o.spec?.cluster as Obj | undefined)?.name === name &&
            (o.spec?.method ?? "barmanObjectStore") === "barmanObjectStore",
    );
    return [
        {
            step: `In-tree → plugin backups of Cluster ${a.id}, 1 of 3: create the ObjectStore from the render (same destinationPath and credentials as spec.backup.barmanObjectStore) before the Cluster changes; the next capture and plan adopt it`,
            objects: objectStores.map((r) => `ObjectStore ${ns}/${r.name}`),
            commands: objectStores.map(
                (r) =>
                    `yq 'select(.kind == "ObjectStore" and .metadata.namespace == "${ns}" and .metadata.name == "${r.name}")' render/${stackOf(r.urn)}/manifests.yaml | kubectl apply --server-side --field-manager=platform-takeover -f -`,
            ),
        },
        {
            step: `In-tree → plugin backups of Cluster ${a.id}, 2 of 3: one atomic change of the Cluster (remove barmanObjectStore${liveBackup.retentionPolicy !== undefined ? " and retentionPolicy" : ""}, add the WAL-archiver plugin): CNPG rolls the instances once and archiving moves to the plugin without a gap`,
            objects: [`Cluster ${a.id}`],
            commands: [`kubectl patch cluster ${name} -n ${ns} --type=json -p '${patchText}'`],
        },
        {
            step: `In-tree → plugin backups of Cluster ${a.id}, 3 of 3: delete the in-tree ScheduledBackups the stack does not own (the stack's own ones become method: plugin with \`pulumi up\`)`,
            objects: inTree.map((o) => `ScheduledBackup ${ns}/${o.metadata.name}`),
            commands: inTree
                .filter((o) => !ctx.adopted.some((x) => x.live === o))
                .map((o) => `kubectl delete scheduledbackup ${o.metadata.name} -n ${ns}`),
        },
    ];
}

/** The applied object of every adopted CNPG Cluster against the operator's webhook. */
export const cnpgWebhookRule = (ctx: RuleContext): RuleResult => {
    const conflicts: Conflict[] = [];
    const beforeUp: ManualStep[] = [];
    for (const a of ctx.adopted) {
        if (a.inputs.kind !== "Cluster" || !isCnpg(a.inputs)) continue;
        const merged = applied(a.live, a.inputs) as Obj;
        const problems = cnpgPluginProblems(merged);
        if (problems.length === 0) continue;
        const kept = keptFields(a.live, a.inputs)
            .filter((k) => k.path.startsWith("spec.backup"))
            .map((k) => `${k.path} (${k.manager})`);
        conflicts.push({
            rule: "cnpg-webhook",
            severity: "blocker",
            type: "Cluster",
            name: a.id,
            problem: `after server-side apply the Cluster keeps ${kept.join(", ") || "spec.backup.barmanObjectStore"} and gets the program's spec.plugins; the CNPG webhook refuses it (${problems.join("; ")}): migrate in-tree backups to the plugin first (manual steps)`,
        });
        beforeUp.push(...migrationSteps(ctx, a, merged));
    }
    return { conflicts, beforeUp };
};

/** Backups that continue elsewhere: the program's ObjectStore path differs from the live one. */
export const backupPathRule = (ctx: RuleContext): RuleResult => {
    const conflicts: Conflict[] = [];
    for (const a of ctx.adopted) {
        if (a.inputs.kind !== "Cluster" || !isCnpg(a.inputs)) continue;
        const live = ((a.live.spec?.backup as Obj | undefined)?.barmanObjectStore ?? {}) as Obj;
        const [ns] = a.id.split("/");
        for (const r of ctx.regs) {
            const i = unwrap(r.inputs) as Obj;
            if (i.kind !== "ObjectStore" || (i.metadata as Obj | undefined)?.namespace !== ns)
                continue;
            const cfg = ((i.spec as Obj | undefined)?.configuration ?? {}) as Obj;
            for (const key of ["destinationPath", "endpointURL"]) {
                if (live[key] === undefined || live[key] === cfg[key]) continue;
                conflicts.push({
                    rule: "backup-destination",
                    severity: "risk",
                    type: "ObjectStore",
                    name: `${ns ?? ""}/${r.name}`,
                    problem: `${key} is ${JSON.stringify(cfg[key])} where the live Cluster ${a.id} archives to ${JSON.stringify(live[key])}: backups and WAL before the switch stay at the old place and a restore needs both; set the stack's backup ${key} to the live value to keep one chain`,
                });
            }
        }
    }
    return { conflicts };
};

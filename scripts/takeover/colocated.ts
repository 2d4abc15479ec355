/**
 * A database that runs today as a plain workload (seed 004: KubeKloud API's `postgres:16-alpine`
 * Deployment with its PVC and `postgres-service`) moves into the co-located CNPG cluster the
 * stack creates in the same namespace, never an empty cluster beside it: the plan writes
 * `platform:takeover.colocatedImports`, which makes the Cluster bootstrap with
 * `initdb.import` (components/takeover/adopt.ts), and orders the stop of the writers before and
 * the switch after. The source is read from the workload's own env as the official postgres image
 * reads it (POSTGRES_USER, default `postgres`; POSTGRES_DB, default the user; POSTGRES_PASSWORD).
 */
import type { ColocatedImport } from "../../components/takeover/config";
import { unwrap } from "../mock-runtime";
import type { KubernetesObject } from "../takeover-inventory";
import type { Conflict, ManualStep, RuleContext, RuleResult } from "./types";

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const POSTGRES_IMAGE = /(^|\/)postgres(ql)?:/;

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

function containers(o: KubernetesObject): { image?: string; env?: EnvVar[] }[] {
    const template = ((o.spec?.template ?? {}) as Obj).spec as Obj | undefined;
    return (template?.containers ?? []) as { image?: string; env?: EnvVar[] }[];
}

function podLabels(o: KubernetesObject): Record<string, string> {
    const meta = ((o.spec?.template ?? {}) as Obj).metadata as Obj | undefined;
    return (meta?.labels ?? {}) as Record<string, string>;
}

/** The import source a postgres workload offers, or why it cannot be read. */
function sourceOf(
    workload: KubernetesObject,
    services: KubernetesObject[],
): { source?: ColocatedImport; problem?: string } {
    const ns = workload.metadata.namespace ?? "";
    const pg = containers(workload).find((c) => POSTGRES_IMAGE.test(c.image ?? ""));
    const env = new Map((pg?.env ?? []).map((e) => [e.name, e]));
    const labels = podLabels(workload);
    const service = services.find((s) => {
        const selector = (s.spec?.selector ?? {}) as Record<string, string>;
        const keys = Object.keys(selector);
        return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
    });
    const password = env.get("POSTGRES_PASSWORD");
    const secretRef = password?.valueFrom?.secretKeyRef;
    if (!service) return { problem: "no Service selects its pods" };
    if (!secretRef)
        return {
            problem: password?.value
                ? "its POSTGRES_PASSWORD is a literal in the workload: move it into a Secret first"
                : "its POSTGRES_PASSWORD comes from no Secret",
        };
    const userVar = env.get("POSTGRES_USER");
    if (userVar?.valueFrom)
        return { problem: "its POSTGRES_USER comes from a Secret: set it as a value" };
    const user = userVar?.value ?? "postgres";
    const database = env.get("POSTGRES_DB")?.value ?? user;
    return {
        source: {
            host: `${service.metadata.name}.${ns}.svc`,
            port: 5432,
            database,
            user,
            passwordSecret: { name: secretRef.name, key: secretRef.key },
            sslmode: "prefer",
        },
    };
}

function replicasOf(o: KubernetesObject): number {
    const r = o.spec?.replicas;
    return typeof r === "number" ? r : 1;
}

export const colocatedImportRule = (ctx: RuleContext): RuleResult => {
    const cfg = ctx.plan.config["platform:takeover"];
    const conflicts: Conflict[] = [];
    const beforeUp: ManualStep[] = [];
    const afterUp: ManualStep[] = [];
    for (const r of ctx.regs) {
        if (r.type !== "kubernetes:postgresql.cnpg.io/v1:Cluster") continue;
        const i = unwrap(r.inputs) as Obj;
        const meta = (i.metadata ?? {}) as Obj;
        const ns = str(meta.namespace) ?? "";
        const name = str(meta.name) ?? "";
        const id = `${ns}/${name}`;
        if (ctx.adopted.some((a) => a.id === id && a.inputs.kind === "Cluster")) continue;
        const inNs = ctx.inv.kubernetes.filter((o) => o.metadata.namespace === ns);
        const workloads = inNs.filter(
            (o) =>
                (o.kind === "Deployment" || o.kind === "StatefulSet") &&
                containers(o).some((c) => POSTGRES_IMAGE.test(c.image ?? "")),
        );
        const [workload] = workloads;
        if (!workload) continue;
        const ref = `${workload.kind} ${ns}/${workload.metadata.name}`;
        const { source, problem } = sourceOf(
            workload,
            inNs.filter((o) => o.kind === "Service"),
        );
        if (!source) {
            conflicts.push({
                rule: "colocated-import",
                severity: "blocker",
                type: "Cluster",
                name: id,
                problem: `${ref} holds a PostgreSQL database, but the stack would create ${id} empty beside it: ${problem ?? ""}; then plan again (its data is imported when the cluster is created)`,
            });
            continue;
        }
        cfg.colocatedImports[id] = source;
        const spec = (i.spec ?? {}) as Obj;
        const initdb = (spec.bootstrap as Obj | undefined)?.initdb as Obj | undefined;
        const db = str(initdb?.database) ?? source.database;
        const stackSecrets = ctx.regs
            .filter((x) => x.type === "kubernetes:core/v1:Secret")
            .map((x) => ((unwrap(x.inputs) as Obj).metadata ?? {}) as Obj)
            .filter((m) => m.namespace === ns && String(m.name).endsWith("-database"))
            .map((m) => `${ns}/${String(m.name)}`);
        const apps = inNs.filter(
            (o) =>
                o.kind === "Deployment" &&
                o !== workload &&
                !containers(o).some((c) => POSTGRES_IMAGE.test(c.image ?? "")),
        );
        conflicts.push({
            rule: "colocated-import",
            severity: "risk",
            type: "Cluster",
            name: id,
            problem: `created with the data of database "${source.database}" from ${ref} (${source.host}, CNPG initdb import into "${db}"): what the application writes after the copy starts is lost, so its writers stop first (manual steps); ${ref} and its volume stay until you delete them`,
        });
        beforeUp.push({
            step: `Stop the writers of ${ref} so the import copies a consistent database (the application is down from here until it runs against ${id})`,
            objects: apps.map((a) => `Deployment ${ns}/${a.metadata.name}`),
            commands: apps.map(
                (a) => `kubectl scale deployment ${a.metadata.name} -n ${ns} --replicas=0`,
            ),
        });
        afterUp.push({
            step: `Check ${id} holds the data, then start the application on it: point its database settings at the stack's Secret${stackSecrets.length > 1 ? "s" : ""} ${stackSecrets.join(", ")} (host ${name}-rw) instead of ${source.host}; keep ${ref} and its volume until it has run a while, then delete them`,
            objects: [
                `Cluster ${id}`,
                ref,
                ...apps.map((a) => `Deployment ${ns}/${a.metadata.name}`),
            ],
            commands: [
                `kubectl cnpg psql ${name} -n ${ns} --tty=false -- -d ${db} -c '\\dt+'`,
                ...apps.map(
                    (a) =>
                        `kubectl scale deployment ${a.metadata.name} -n ${ns} --replicas=${replicasOf(a)}`,
                ),
            ],
        });
    }
    return { conflicts, beforeUp, afterUp };
};

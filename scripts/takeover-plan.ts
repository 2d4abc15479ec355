/**
 * The takeover plan: compares an inventory of the live system with what the stack registers
 * (the same mock run as the render, without any `platform:takeover`) and says what to adopt, what
 * conflicts, what to do by hand, and the `platform:takeover` config that adopts it. Pure: the
 * registrations and the inventory in, the plan out.
 */
import { reservedRoleReason } from "../components/postgres/config";
import { NEVER_ADOPTED_SECRETS, type TakeoverConfig } from "../components/takeover/config";
import { SECRET_PREFIX, unwrap, type Registration } from "./mock-runtime";
import type { Inventory, KubernetesObject } from "./takeover-inventory";
import { TAKEOVER_RULES } from "./takeover/rules";
import { readableField } from "./takeover/values";
import type { AdoptedObject, HarborImports, ManualStep, Plan, RuleResult } from "./takeover/types";
import { versionFindings } from "./takeover-versions";

export type { Conflict, Plan } from "./takeover/types";

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const group = (apiVersion: string) =>
    apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
const objId = (o: { namespace?: string; name: string }) =>
    o.namespace ? `${o.namespace}/${o.name}` : o.name;
const FLUX_KS = [
    "kustomize.toolkit.fluxcd.io/name",
    "kustomize.toolkit.fluxcd.io/namespace",
] as const;

/** A registration's Kubernetes identity, when it is an object the stack creates. */
function k8sIdentity(r: Registration) {
    const inputs = unwrap(r.inputs) as Record<string, unknown>;
    const meta = (inputs.metadata ?? {}) as Record<string, unknown>;
    const kind = str(inputs.kind);
    const apiVersion = str(inputs.apiVersion);
    const name = str(meta.name);
    if (!r.custom || !r.type.startsWith("kubernetes:") || r.type.endsWith("Patch"))
        return undefined;
    if (!kind || !apiVersion || !name) return undefined;
    return { kind, apiVersion, name, namespace: str(meta.namespace) };
}

export function emptyTakeover(): TakeoverConfig {
    return {
        kubernetes: {},
        helm: [],
        postgres: { roles: [], databases: [], extensions: [] },
        onepassword: {},
        secrets: {},
        colocatedImports: {},
    };
}

export function buildPlan(regs: Registration[], inv: Inventory): Plan {
    const plan: Plan = {
        adopt: [],
        conflicts: [],
        manual: [],
        values: { kept: [], regenerated: [] },
        config: { "platform:takeover": emptyTakeover() },
    };
    const cfg = plan.config["platform:takeover"];
    const adopt = (r: Registration, id: string) =>
        plan.adopt.push({ type: r.type, name: r.name, id });
    const adoptedLive: KubernetesObject[] = [];
    const adopted: AdoptedObject[] = [];
    const stackSecrets = new Set<string>();
    const randoms = new Map(
        regs
            .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
            .map((r) => [r.name, r]),
    );
    const liveRoles = new Set(inv.postgres.roles.map((r) => r.name));
    const stackRoles = new Set<string>();

    for (const r of regs) {
        const inputs = unwrap(r.inputs) as Record<string, unknown>;
        const k = k8sIdentity(r);
        if (k && r.type !== "kubernetes:helm.sh/v3:Release") {
            if (k.kind === "Secret") stackSecrets.add(objId(k));
            const live = inv.kubernetes.find(
                (o) =>
                    o.kind === k.kind &&
                    group(o.apiVersion) === group(k.apiVersion) &&
                    o.metadata.name === k.name &&
                    (o.metadata.namespace ?? undefined) === k.namespace,
            );
            if (live) {
                const id = objId(k);
                adopt(r, id);
                (cfg.kubernetes[k.kind] ??= []).push(id);
                adoptedLive.push(live);
                adopted.push({ reg: r, inputs, live, id });
            }
            continue;
        }
        switch (r.type) {
            case "kubernetes:helm.sh/v3:Release": {
                const id = `${str(inputs.namespace) ?? ""}/${str(inputs.name) ?? ""}`;
                if (inv.helm.some((h) => `${h.namespace}/${h.name}` === id)) {
                    adopt(r, id);
                    cfg.helm.push(id);
                }
                break;
            }
            case "postgresql:index/role:Role": {
                const name = str(inputs.name) ?? "";
                stackRoles.add(name);
                if (liveRoles.has(name)) {
                    adopt(r, name);
                    cfg.postgres.roles.push(name);
                }
                break;
            }
            case "postgresql:index/database:Database": {
                const name = str(inputs.name) ?? "";
                const owner = str(inputs.owner) ?? "";
                const live = inv.postgres.databases.find((d) => d.name === name);
                if (!live) break;
                adopt(r, name);
                cfg.postgres.databases.push(name);
                if (live.owner !== owner) {
                    // Advice the program accepts: a reserved owner (postgres, cnpg_*, pg_*) cannot
                    // be a tenant's role, so the database changes hands instead.
                    const reserved = reservedRoleReason(live.owner);
                    plan.conflicts.push({
                        rule: "database-owner",
                        severity: reserved ? "risk" : "blocker",
                        type: r.type,
                        name: r.name,
                        problem: reserved
                            ? `database "${name}" is owned by "${live.owner}", which a tenant's role cannot be (${live.owner} ${reserved}): \`pulumi up\` runs ALTER DATABASE ${name} OWNER TO ${owner}${liveRoles.has(owner) ? "" : ` after creating role "${owner}"`}; the tables inside keep their owner and the tenant's grants apply to them`
                            : `database "${name}" is owned by "${live.owner}" but the stack configures owner "${owner}": set the tenant's role to "${live.owner}" in platform:tenants, or the update would ALTER DATABASE ${name} OWNER TO ${owner}${liveRoles.has(owner) ? "" : ` (and create a new role "${owner}")`}`,
                    });
                }
                break;
            }
            case "postgresql:index/extension:Extension": {
                const id = `${str(inputs.database) ?? ""}.${str(inputs.name) ?? ""}`;
                if (inv.postgres.extensions.some((e) => `${e.database}.${e.name}` === id)) {
                    adopt(r, id);
                    cfg.postgres.extensions.push(id);
                }
                break;
            }
            case "onepassword:index/item:Item":
                planItem(r, inputs, inv, randoms, plan);
                break;
        }
    }
    planRoleNames(regs, inv, stackRoles, plan);
    planHarbor(regs, inv, plan);
    const results: RuleResult[] = TAKEOVER_RULES.map((rule) => rule({ regs, inv, adopted, plan }));
    for (const r of results) plan.conflicts.push(...(r.conflicts ?? []));
    planManual(inv, adoptedLive, stackSecrets, stackRoles, plan, {
        beforeUp: results.flatMap((r) => r.beforeUp ?? []),
        afterUp: results.flatMap((r) => r.afterUp ?? []),
    });
    // Live chart and image versions against the stack's (never a downgrade): scripts/takeover-versions.ts.
    const versions = versionFindings(regs, inv);
    plan.conflicts.push(
        ...versions.conflicts.map((c) => ({ rule: "version", severity: "blocker" as const, ...c })),
    );
    plan.manual.unshift(...versions.manual);
    // Blockers first, then risks; each rule's findings in the order it found them.
    plan.conflicts.sort((a, b) =>
        a.severity === b.severity ? 0 : a.severity === "blocker" ? -1 : 1,
    );
    return plan;
}

function planItem(
    r: Registration,
    inputs: Record<string, unknown>,
    inv: Inventory,
    randoms: Map<string, Registration>,
    plan: Plan,
): void {
    const cfg = plan.config["platform:takeover"];
    const title = str(inputs.title) ?? "";
    const live = inv.onepassword.filter((i) => i.title === title);
    const [item] = live;
    if (!item) return;
    if (live.length > 1) {
        plan.conflicts.push({
            rule: "onepassword-duplicate-title",
            severity: "blocker",
            type: r.type,
            name: r.name,
            problem: `${live.length} 1Password items are titled "${title}" (${live.map((i) => i.id).join(", ")}): External Secrets and title lookups fail on duplicates; archive all but one, then plan again`,
        });
        return;
    }
    const id = `vaults/${item.vault.id}/items/${item.id}`;
    plan.adopt.push({ type: r.type, name: r.name, id });
    cfg.onepassword[title] = id;
    if (item.category && item.category.toUpperCase() !== "LOGIN") {
        plan.conflicts.push({
            rule: "onepassword-category",
            severity: "blocker",
            type: r.type,
            name: r.name,
            problem: `item "${title}" has category ${item.category}; the stack writes a LOGIN item, and a new category replaces the item, which an imported resource refuses: recreate it as a Login item first`,
        });
    }
    // Which generated secret the stack writes into which field: the render's generated values
    // are `render-secret-<RandomPassword name>`. Section fields win over the login password.
    const fields: [string, unknown][] = [];
    for (const section of (inputs.sections ?? []) as {
        fields?: { label: string; value: unknown }[];
    }[]) {
        for (const f of section.fields ?? []) fields.push([f.label, f.value]);
    }
    fields.push(["password", inputs.password]);
    const seen = new Set<string>();
    for (const [label, value] of fields) {
        const name =
            typeof value === "string" && value.startsWith(SECRET_PREFIX)
                ? value.slice(SECRET_PREFIX.length)
                : "";
        const random = randoms.get(name);
        if (!random || seen.has(name) || NEVER_ADOPTED_SECRETS.includes(name)) continue;
        seen.add(name);
        if (readableField(item, label) === "missing") {
            plan.conflicts.push({
                rule: "onepassword-field",
                severity: "blocker",
                type: r.type,
                name: r.name,
                problem: `item "${title}" has no field "${label}": the secret ${name} is generated and written to it`,
            });
            continue;
        }
        const keepers = (unwrap(random.inputs) as { keepers?: { rotation?: string } }).keepers;
        cfg.secrets[name] = {
            item: title,
            field: label,
            ...(keepers?.rotation ? { rotation: keepers.rotation } : {}),
        };
    }
}

/** A configured role that does not exist where the tenant's database is owned by another one. */
function planRoleNames(
    regs: Registration[],
    inv: Inventory,
    stackRoles: Set<string>,
    plan: Plan,
): void {
    const live = new Set(inv.postgres.roles.map((r) => r.name));
    for (const r of regs.filter((x) => x.type === "postgresql:index/database:Database")) {
        const inputs = unwrap(r.inputs) as Record<string, unknown>;
        const db = inv.postgres.databases.find((d) => d.name === inputs.name);
        const owner = str(inputs.owner) ?? "";
        if (!db || live.has(owner) || !stackRoles.has(owner)) continue;
        if (reservedRoleReason(db.owner)) continue; // the database-owner risk says what happens
        plan.conflicts.push({
            rule: "role-name",
            severity: "blocker",
            type: "postgresql:index/role:Role",
            name: owner,
            problem: `role "${owner}" does not exist; the live database "${db.name}" belongs to "${db.owner}": configure role "${db.owner}" (a new role would get a new password and the database's ownership)`,
        });
    }
}

function planHarbor(regs: Registration[], inv: Inventory, plan: Plan): void {
    const imports: HarborImports = {};
    for (const r of regs) {
        const inputs = unwrap(r.inputs) as Record<string, unknown>;
        if (r.type === "pulumi-nodejs:dynamic/harbor:Project") {
            const live = inv.harbor.projects.find((p) => p.name === inputs.name);
            if (!live) continue;
            plan.adopt.push({ type: r.type, name: r.name, id: String(live.project_id) });
            (imports.projects ??= []).push(live.name);
            const retention = Number(live.metadata?.retention_id);
            const retained = regs.some(
                (x) =>
                    x.type === "pulumi-nodejs:dynamic/harbor:RetentionPolicy" &&
                    (unwrap(x.inputs) as Record<string, unknown>).project === live.name,
            );
            if (retained && Number.isInteger(retention) && retention > 0)
                (imports.retentions ??= {})[live.name] = retention;
        }
        if (r.type === "pulumi-nodejs:dynamic/harbor:Robot") {
            const project = str(inputs.project) ?? "";
            const robot = str(inputs.name) ?? "";
            const full = `robot$${project}+${robot}`;
            const live = inv.harbor.robots.find((x) => x.name === full);
            if (live) {
                plan.adopt.push({ type: r.type, name: r.name, id: String(live.id) });
                (imports.robots ??= {})[`${project}/${robot}`] = live.id;
                continue;
            }
            const legacy = inv.harbor.robots.find((x) => x.name === `robot$${robot}`);
            if (legacy) {
                plan.conflicts.push({
                    rule: "harbor-robot",
                    severity: "risk",
                    type: r.type,
                    name: r.name,
                    problem: `Harbor has "${legacy.name}" (id ${legacy.id}), not the project robot "${full}": a new robot is created and its secret goes to 1Password; delete robot ${legacy.id} once the pull secrets use the new one`,
                });
            }
        }
        if (r.type === "pulumi-nodejs:dynamic/harbor:GcSchedule") {
            const type = inv.harbor.gcSchedule?.schedule?.type;
            if (type && type !== "None") {
                plan.adopt.push({ type: r.type, name: r.name, id: "gc" });
                imports.gcSchedule = true;
            }
        }
    }
    if (Object.keys(imports).length > 0) plan.config["platform:harborProjects.imports"] = imports;
}

function planManual(
    inv: Inventory,
    adopted: KubernetesObject[],
    stackSecrets: Set<string>,
    stackRoles: Set<string>,
    plan: Plan,
    ruleSteps: { beforeUp: ManualStep[]; afterUp: ManualStep[] },
): void {
    const kustomizations = new Set<string>();
    const helmReleases = new Set<string>();
    const adoptedReleases = new Set(plan.config["platform:takeover"].helm);
    const ownerOf = (o: KubernetesObject) => {
        const name = o.metadata.labels?.[FLUX_KS[0]];
        const ns = o.metadata.labels?.[FLUX_KS[1]];
        if (name && ns) kustomizations.add(`${ns}/${name}`);
    };
    adopted.forEach(ownerOf);
    for (const hr of inv.kubernetes.filter((o) => o.kind === "HelmRelease")) {
        const spec = hr.spec ?? {};
        const ns = str(spec.targetNamespace) ?? hr.metadata.namespace ?? "";
        const release =
            str(spec.releaseName) ??
            (str(spec.targetNamespace) ? `${ns}-${hr.metadata.name}` : hr.metadata.name);
        if (adoptedReleases.has(`${ns}/${release}`)) {
            helmReleases.add(objId({ namespace: hr.metadata.namespace, name: hr.metadata.name }));
            ownerOf(hr);
        }
    }
    const externalSecrets = inv.kubernetes.filter((o) => {
        if (o.kind !== "ExternalSecret") return false;
        const target = (o.spec?.target ?? {}) as Record<string, unknown>;
        return stackSecrets.has(
            `${o.metadata.namespace ?? ""}/${str(target.name) ?? o.metadata.name}`,
        );
    });
    for (const es of externalSecrets) {
        ownerOf(es);
        const target =
            str(((es.spec?.target ?? {}) as Record<string, unknown>).name) ?? es.metadata.name;
        plan.conflicts.push({
            rule: "external-secret",
            severity: "blocker",
            type: "ExternalSecret",
            name: objId({ namespace: es.metadata.namespace, name: es.metadata.name }),
            problem: `writes Secret ${es.metadata.namespace ?? ""}/${target}, which the stack writes: orphan and delete it (manual steps) or the two overwrite each other`,
        });
    }
    const managedRoles = inv.kubernetes.filter((o) => {
        if (o.kind !== "Cluster" || group(o.apiVersion) !== "postgresql.cnpg.io") return false;
        const roles = (o.spec?.managed as { roles?: { name: string }[] } | undefined)?.roles ?? [];
        return roles.some((r) => stackRoles.has(r.name));
    });
    for (const c of managedRoles) {
        const roles = (c.spec?.managed as { roles: { name: string }[] }).roles
            .map((r) => r.name)
            .filter((n) => stackRoles.has(n));
        plan.conflicts.push({
            rule: "cnpg-managed-roles",
            severity: "blocker",
            type: "Cluster",
            name: objId({ namespace: c.metadata.namespace, name: c.metadata.name }),
            problem: `spec.managed.roles declares ${roles.join(", ")}, which the SQL provider manages: CNPG would reset the password and attributes from its passwordSecret on every reconcile (remove them: manual steps)`,
        });
    }
    if (plan.adopt.length === 0) return;
    const ks = [...kustomizations].sort();
    const hrs = [...helmReleases].sort();
    const ns = (id: string) => id.split("/");
    plan.manual.push({
        step: "Back up first: an on-demand CNPG backup of every adopted Cluster, and the adopted objects as YAML",
        objects: inv.kubernetes
            .filter((o) => o.kind === "Cluster" && group(o.apiVersion) === "postgresql.cnpg.io")
            .map(
                (o) =>
                    `Cluster ${objId({ namespace: o.metadata.namespace, name: o.metadata.name })}`,
            ),
        commands: [
            ...inv.kubernetes
                .filter((o) => o.kind === "Cluster" && group(o.apiVersion) === "postgresql.cnpg.io")
                .map(
                    (o) =>
                        `kubectl cnpg backup ${o.metadata.name} -n ${o.metadata.namespace ?? ""}`,
                ),
            "kubectl get <each adopted kind> -A -o yaml > takeover-backup.yaml",
        ],
    });
    plan.manual.push({
        step: "Freeze Flux: suspend the Kustomizations and HelmReleases that own adopted objects (suspended, their deletion later prunes and uninstalls nothing)",
        objects: [...ks.map((k) => `Kustomization ${k}`), ...hrs.map((h) => `HelmRelease ${h}`)],
        commands: [
            ...ks.map((k) => `flux suspend kustomization ${ns(k)[1] ?? ""} -n ${ns(k)[0] ?? ""}`),
            ...hrs.map((h) => `flux suspend helmrelease ${ns(h)[1] ?? ""} -n ${ns(h)[0] ?? ""}`),
        ],
    });
    if (managedRoles.length > 0) {
        plan.manual.push({
            step: "Remove spec.managed.roles from the Cluster (CNPG keeps the roles; the SQL provider owns them from now on)",
            objects: managedRoles.map(
                (c) =>
                    `Cluster ${objId({ namespace: c.metadata.namespace, name: c.metadata.name })}`,
            ),
            commands: managedRoles.map(
                (c) =>
                    `kubectl patch cluster ${c.metadata.name} -n ${c.metadata.namespace ?? ""} --type=json -p '[{"op":"remove","path":"/spec/managed/roles"}]'`,
            ),
        });
    }
    if (externalSecrets.length > 0) {
        plan.manual.push({
            step: "Orphan and delete the ExternalSecrets that write Secrets the stack writes (the Secrets stay; Pulumi adopts them)",
            objects: externalSecrets.map(
                (e) =>
                    `ExternalSecret ${objId({ namespace: e.metadata.namespace, name: e.metadata.name })}`,
            ),
            commands: externalSecrets.flatMap((e) => [
                `kubectl patch externalsecret ${e.metadata.name} -n ${e.metadata.namespace ?? ""} --type=merge -p '{"spec":{"target":{"creationPolicy":"Orphan"}}}'`,
                `kubectl delete externalsecret ${e.metadata.name} -n ${e.metadata.namespace ?? ""} --cascade=orphan`,
            ]),
        });
    }
    plan.manual.push(
        ...ruleSteps.beforeUp.filter((m) => m.commands.length > 0 || m.objects.length > 0),
    );
    const labelled = adopted.filter((o) => o.metadata.labels?.[FLUX_KS[0]]);
    const kubectlRef = (o: KubernetesObject) => {
        const g = group(o.apiVersion);
        const kind = `${o.kind.toLowerCase()}${g ? `.${g}` : ""}`;
        return `${kind} ${o.metadata.name}${o.metadata.namespace ? ` -n ${o.metadata.namespace}` : ""}`;
    };
    plan.manual.push({
        step: "Before any Kustomization runs again: take the adopted objects out of Flux's garbage collection (a resumed Kustomization prunes objects that left its source and still carry its labels)",
        objects: labelled.map(
            (o) => `${o.kind} ${objId({ namespace: o.metadata.namespace, name: o.metadata.name })}`,
        ),
        commands: labelled.flatMap((o) => [
            `kubectl annotate ${kubectlRef(o)} kustomize.toolkit.fluxcd.io/prune=disabled --overwrite`,
            `kubectl label ${kubectlRef(o)} kustomize.toolkit.fluxcd.io/name- kustomize.toolkit.fluxcd.io/namespace-`,
        ]),
    });
    plan.manual.push(...ruleSteps.afterUp);
    plan.manual.push({
        step: "After `pulumi up` succeeded, and before any Kustomization resumes: remove the adopted manifests, these HelmReleases and the ExternalSecrets from the Flux Git repository and wait until the source revision that lacks them is fetched (a Kustomization resumed earlier recreates them, and External Secrets takes the Secrets back through its ownerReference)",
        objects: [
            ...hrs.map((h) => `HelmRelease ${h}`),
            ...externalSecrets.map(
                (e) =>
                    `ExternalSecret ${objId({ namespace: e.metadata.namespace, name: e.metadata.name })}`,
            ),
        ],
        commands: [
            "git rm <the adopted manifests, HelmReleases and ExternalSecrets> && git commit && git push",
            ...[...new Set(ks.map((k) => ns(k)[0] ?? ""))].map(
                (n) => `flux reconcile source git flux-system -n ${n}`,
            ),
        ],
    });
    plan.manual.push({
        step: "Then delete the suspended HelmReleases (suspended: Helm uninstalls nothing) and resume the Kustomizations (undo instead: see docs/takeover.md, Rollback)",
        objects: [...hrs.map((h) => `HelmRelease ${h}`), ...ks.map((k) => `Kustomization ${k}`)],
        commands: [
            ...hrs.map((h) => `kubectl delete helmrelease ${ns(h)[1] ?? ""} -n ${ns(h)[0] ?? ""}`),
            ...ks.map((k) => `flux resume kustomization ${ns(k)[1] ?? ""} -n ${ns(k)[0] ?? ""}`),
        ],
    });
}

/**
 * Values in use. Every generated secret that already exists keeps the value the running system
 * uses: read at `pulumi up` through the Kubernetes provider from the live Secret that holds it
 * (never through the inventory, which holds no values), else from its 1Password field, and only
 * if the 1Password provider can read that field.
 *
 * - harbor-helm v1.16.4 `templates/core/core-secret.yaml` / `core-dpl.yaml`: the encryption key
 *   is key `secretKey` of `existingSecretSecretKey`, else of the chart's `<release>-core` Secret
 *   (from `secretKey`, default "not-a-secure-key"); key `secret` there is the core's shared
 *   secret (CORE_SECRET), not the encryption key. Once `existingSecretSecretKey` is set the
 *   chart drops `secretKey` from `<release>-core`, so the value is copied into the stack's own
 *   Secret before `up` and read from there ever after.
 * - 1Password/terraform-provider-onepassword v2.1.2 `internal/provider/onepassword_item_data_source.go`
 *   (pinned by @1password/pulumi-onepassword 1.1.3): custom fields are returned only inside
 *   sections; outside any section only purpose USERNAME/PASSWORD/NOTES and a few labels
 *   (username, password, hostname, server, database, port, type, public key, private key).
 */
import { NEVER_ADOPTED_SECRETS } from "../../components/takeover/config";
import { SECRET_PREFIX, unwrap, type Registration } from "../mock-runtime";
import type { KubernetesObject, OnePasswordEntry } from "../takeover-inventory";
import { forceNewPaths, secretMutable } from "./replace-only";
import type { Conflict, ManualStep, RuleContext, RuleResult } from "./types";

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Labels the data source returns for a field outside any section (and the program reads). */
const TOP_LEVEL_READ = new Set(["username", "password"]);

/** Where the program writes generated secret `name`: its Kubernetes Secrets and keys. */
export function secretsHolding(
    regs: Registration[],
    name: string,
): { reg: Registration; id: string; key: string }[] {
    const found: { reg: Registration; id: string; key: string }[] = [];
    for (const r of regs) {
        if (r.type !== "kubernetes:core/v1:Secret") continue;
        const i = unwrap(r.inputs) as Obj;
        const meta = (i.metadata ?? {}) as Obj;
        for (const [key, v] of Object.entries((i.stringData ?? {}) as Obj)) {
            if (v === `${SECRET_PREFIX}${name}`)
                found.push({
                    reg: r,
                    id: `${str(meta.namespace) ?? ""}/${str(meta.name) ?? ""}`,
                    key,
                });
        }
    }
    return found;
}

/** Can the provider's item data source return field `label` of `item`? */
export function readableField(
    item: OnePasswordEntry,
    label: string,
): "readable" | "outside-section" | "missing" | "unknown" {
    if (!item.fields) return "unknown";
    const field = item.fields.find((f) => f.label === label);
    if (!field) return "missing";
    if (field.section) return "readable";
    if (field.purpose === "USERNAME" || field.purpose === "PASSWORD") return "readable";
    return TOP_LEVEL_READ.has(label) ? "readable" : "outside-section";
}

/** Fields of adopted secrets that the 1Password provider cannot read. */
export const onepasswordFieldRule = (ctx: RuleContext): RuleResult => {
    const conflicts: Conflict[] = [];
    for (const [name, s] of Object.entries(ctx.plan.config["platform:takeover"].secrets)) {
        if (!s.item || !s.field) continue;
        const item = ctx.inv.onepassword.find((i) => i.title === s.item);
        if (!item) continue;
        const state = readableField(item, s.field);
        if (state === "readable" || state === "unknown") continue;
        conflicts.push({
            rule: "onepassword-field",
            severity: "blocker",
            type: "onepassword:index/item:Item",
            name: s.item,
            problem:
                state === "missing"
                    ? `item "${s.item}" has no field "${s.field}": the secret ${name} is generated and written to it`
                    : `field "${s.field}" of item "${s.item}" is outside any section, and the 1Password provider returns custom fields only inside sections: ${name} would read nothing; move "${s.field}" into a section of the item (1Password app: edit the item, drag the field under a section heading), then capture and plan again`,
        });
    }
    return { conflicts };
};

/** The Harbor values of the live HelmRelease for the adopted release `<ns>/<release>`. */
function harborValues(inv: KubernetesObject[], ns: string, release: string): Obj | undefined {
    const hr = inv.find(
        (o) =>
            o.kind === "HelmRelease" &&
            (str(o.spec?.releaseName) ?? o.metadata.name) === release &&
            (str(o.spec?.targetNamespace) ?? o.metadata.namespace) === ns,
    );
    return hr ? ((hr.spec?.values ?? {}) as Obj) : undefined;
}

/** Harbor secrets whose live copy is in a chart-managed key: random name → live source. */
const HARBOR_LIVE: Record<string, (v: Obj, core: string) => { secret: string; key: string }> = {
    "harbor-secret-key": (v, core) => ({
        secret: str(v.existingSecretSecretKey) ?? core,
        key: "secretKey",
    }),
    "harbor-admin-password": (v, core) => ({
        secret: str(v.existingSecretAdminPassword) ?? core,
        key: str(v.existingSecretAdminPasswordKey) ?? "HARBOR_ADMIN_PASSWORD",
    }),
};

/** What restarts or fails when a generated secret gets a new value (by the program's name). */
function blastRadius(name: string): string {
    if (/^harbor-(core-secret|jobservice-secret|registry-http-secret|xsrf-key)$/.test(name))
        return "the Harbor Helm upgrade restarts core, jobservice, registry and portal with it; until all run the new value (a minute or two) pushes, pulls and jobs fail and web sessions end";
    if (name === "harbor-registry-password")
        return "core and registry restart with the new pair; pushes and pulls fail until both run it (a minute or two)";
    return "its consumers read the new value only after a restart; until then they fail to authenticate";
}

/**
 * Points every generated secret held by an adopted (or to-be-copied) live Secret at it, orders
 * the copy of Harbor's live encryption key and admin password, and lists what is regenerated.
 */
export const valuesInUseRule = (ctx: RuleContext): RuleResult => {
    const cfg = ctx.plan.config["platform:takeover"];
    const conflicts: Conflict[] = [];
    const beforeUp: ManualStep[] = [];
    const randoms = ctx.regs.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
    const adoptedIds = new Set(ctx.adopted.map((a) => a.id));
    const harbor = cfg.helm.find((h) => h.endsWith("/harbor") || h.includes("/harbor"));
    const copies: string[] = [];
    for (const r of randoms) {
        if (NEVER_ADOPTED_SECRETS.includes(r.name)) continue;
        const holders = secretsHolding(ctx.regs, r.name);
        // An adopted Secret holds the value in use; else the first one the program writes.
        const held = holders.find((h) => adoptedIds.has(h.id)) ?? holders[0];
        const keepers = (unwrap(r.inputs) as { keepers?: { rotation?: string } }).keepers;
        const rotation = keepers?.rotation ? { rotation: keepers.rotation } : {};
        if (held && adoptedIds.has(held.id)) {
            cfg.secrets[r.name] = { kubernetes: { secret: held.id, key: held.key }, ...rotation };
            continue;
        }
        const fromChart = HARBOR_LIVE[r.name];
        if (held && fromChart && harbor) {
            const [ns = "", release = ""] = harbor.split("/");
            const values = harborValues(ctx.inv.kubernetes, ns, release);
            const live = fromChart(values ?? {}, `${release}-core`);
            const [, target = ""] = held.id.split("/");
            copies.push(
                `kubectl create secret generic ${target} -n ${ns} --from-literal=${held.key}="$(kubectl get secret ${live.secret} -n ${ns} -o jsonpath='{.data.${live.key}}' | base64 -d)"`,
            );
            cfg.kubernetes.Secret = [...(cfg.kubernetes.Secret ?? []), held.id];
            // `kubectl create secret generic` makes an Opaque Secret, as the program writes it.
            const inputs = unwrap(held.reg.inputs) as Obj;
            ctx.plan.adopt.push({
                type: held.reg.type,
                name: held.reg.name,
                id: held.id,
                replaceOnly: {
                    checked: forceNewPaths(inputs, secretMutable(ctx.regs, held.reg)),
                    differing: inputs.type === "Opaque" ? [] : [".type"],
                },
            });
            cfg.secrets[r.name] = { kubernetes: { secret: held.id, key: held.key }, ...rotation };
            if (
                r.name === "harbor-secret-key" &&
                values &&
                !values.secretKey &&
                !values.existingSecretSecretKey
            )
                conflicts.push({
                    rule: "value-in-use",
                    severity: "risk",
                    type: "Secret",
                    name: `${ns}/${live.secret}`,
                    problem: `Harbor runs with the chart's default encryption key (no secretKey or existingSecretSecretKey in the HelmRelease): it is kept, since a new key makes every secret Harbor stored unreadable; rotating it is a separate Harbor procedure`,
                });
            continue;
        }
        if (cfg.secrets[r.name]) continue;
        const feedsLive =
            held &&
            ctx.inv.kubernetes.some(
                (o) =>
                    o.kind === "Secret" &&
                    `${o.metadata.namespace ?? ""}/${o.metadata.name}` === held.id,
            );
        if (feedsLive || (r.name.startsWith("harbor-") && harbor))
            ctx.plan.values.regenerated.push({ secret: r.name, blastRadius: blastRadius(r.name) });
    }
    if (copies.length > 0)
        beforeUp.push({
            step: "Copy the values Harbor runs with into the stack's own Secrets (read from them by `pulumi up`; never into Git or the inventory)",
            objects: copies.map((c) => c.split(" ")[3] ?? ""),
            commands: copies,
        });
    for (const [name, s] of Object.entries(cfg.secrets)) {
        ctx.plan.values.kept.push({
            secret: name,
            source: s.kubernetes
                ? `Secret ${s.kubernetes.secret} key ${s.kubernetes.key}`
                : `1Password ${s.item ?? ""} field ${s.field ?? ""}`,
        });
    }
    return { conflicts, beforeUp };
};

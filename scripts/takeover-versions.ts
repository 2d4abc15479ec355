/**
 * The takeover's version rule: the live chart and application versions, read from the inventory,
 * against the versions the stack installs. The first `pulumi up` never downgrades an operator or
 * Harbor (CloudNativePG documents upgrades only and its CRDs move forward; Harbor's schema
 * migrations only go forward):
 *
 * - live at the pin: nothing to do;
 * - live above the pin, on a release the versions table knows (the program supports it): accepted,
 *   as a step that raises the pin to the live version before the first `up`;
 * - live above anything the table knows: a conflict naming both versions and the config key;
 * - live below the pin: the upgrade the first `up` would run, checked like any other (a skipped
 *   step is a conflict naming the version to adopt at and the runs after it).
 *
 * Where the live versions come from (inventory files, scripts/takeover-inventory.ts):
 * - `helm list -A -o json`: `chart` is "<chart>-<version>", `app_version` the application's;
 * - Flux HelmRelease objects (helm.toolkit.fluxcd.io/v2, fluxcd/helm-controller api/v2 at v1.6.3):
 *   `status.history` (Snapshots: chartName, chartVersion, appVersion, version = the Helm release
 *   revision, status), `status.lastAttemptedRevision` (the chart version, "+<digest>" appended for
 *   OCI sources: an upgrade attempted and failed may have moved the CRDs already, so it counts)
 *   and `spec.chart.spec.version`, which may be a range (">=0.22.0"): a range says nothing about
 *   what runs, so a range without any of the above is a conflict asking for them.
 * - CNPG Clusters' `spec.imageName` for PostgreSQL.
 */
import * as semver from "semver";
import {
    pgImage,
    planUpgrade,
    compareVersions,
    appVersionOf,
} from "../components/versions/support";
import { VERSIONS, type ComponentId } from "../components/versions/table";
import { unwrap, type Registration } from "./mock-runtime";
import type { Inventory } from "./takeover-inventory";

/** A version the live system runs, and where it was read. */
export interface LiveVersion {
    id: ComponentId;
    /** Helm release (or Cluster) name. */
    name: string;
    version: string;
    from: string;
}

/** What the stack installs, read from its registrations. */
export interface StackVersion {
    id: ComponentId;
    name: string;
    version: string;
    configKey: string;
}

export interface VersionFindings {
    conflicts: { type: string; name: string; problem: string }[];
    manual: { step: string; objects: string[]; commands: string[] }[];
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const ids = Object.keys(VERSIONS) as ComponentId[];
const byChart = (chart: string) => ids.find((k) => VERSIONS[k].release === chart);
const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** "cloudnative-pg-0.23.2" → chart and version (Helm's `helm list` chart column). */
export function splitChart(s: string): { chart: string; version: string } | undefined {
    const m = /^(.+)-(v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$/.exec(s);
    return m ? { chart: m[1] ?? "", version: m[2] ?? "" } : undefined;
}

/** The stack's own versions: its Helm releases and CNPG Clusters. */
export function stackVersions(regs: Registration[]): StackVersion[] {
    const out: StackVersion[] = [];
    for (const r of regs) {
        const inputs = unwrap(r.inputs) as Record<string, unknown>;
        if (r.type === RELEASE) {
            // An OCI chart is registered as <repository>/<chart>.
            const chart = str(inputs.chart)?.split("/").pop();
            const id = chart ? byChart(chart) : undefined;
            const version = str(inputs.version);
            if (id && version)
                out.push({
                    id,
                    name: str(inputs.name) ?? r.name,
                    version,
                    configKey: VERSIONS[id].configKey,
                });
        } else if (r.type === CLUSTER) {
            const tag = pgImage(str(obj(inputs.spec).imageName) ?? "")?.tag;
            const name = str(obj(inputs.metadata).name) ?? r.name;
            if (tag)
                out.push({ id: "postgres", name, version: tag, configKey: "postgres.imageName" });
        }
    }
    return out;
}

/** Every live version the inventory shows, per component and name (the highest wins later). */
export function liveVersions(inv: Inventory): {
    live: LiveVersion[];
    unknown: { id: ComponentId; name: string; range: string }[];
} {
    const live: LiveVersion[] = [];
    const unknown: { id: ComponentId; name: string; range: string }[] = [];
    for (const h of inv.helm) {
        const c = h.chart ? splitChart(h.chart) : undefined;
        const id = c ? byChart(c.chart) : undefined;
        if (c && id)
            live.push({
                id,
                name: h.name,
                version: c.version,
                from: `helm list: ${h.namespace}/${h.name} chart ${h.chart ?? ""}`,
            });
    }
    for (const o of inv.kubernetes) {
        if (o.kind === "HelmRelease" && o.apiVersion.startsWith("helm.toolkit.fluxcd.io/")) {
            const spec = obj(obj(o.spec?.chart).spec);
            const chart = str(spec.chart);
            const id = chart ? byChart(chart) : undefined;
            if (!id) continue;
            const where = `HelmRelease ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
            const status = obj((o as Record<string, unknown>).status);
            const found: LiveVersion[] = [];
            for (const snap of Array.isArray(status.history) ? status.history : []) {
                const v = str(obj(snap).chartVersion);
                if (v)
                    found.push({
                        id,
                        name: o.metadata.name,
                        version: v,
                        from: `${where} status.history (revision ${typeof obj(snap).version === "number" ? String(obj(snap).version) : "?"}, ${str(obj(snap).status) ?? "?"})`,
                    });
            }
            const attempted = str(status.lastAttemptedRevision)?.split("+")[0];
            if (attempted)
                found.push({
                    id,
                    name: o.metadata.name,
                    version: attempted,
                    from: `${where} status.lastAttemptedRevision`,
                });
            const wanted = str(spec.version);
            if (wanted && semver.valid(semver.clean(wanted) ?? "")) {
                found.push({
                    id,
                    name: o.metadata.name,
                    version: wanted,
                    from: `${where} spec.chart.spec.version`,
                });
            } else if (
                wanted &&
                found.length === 0 &&
                !inv.helm.some((h) => h.chart && splitChart(h.chart)?.chart === chart)
            ) {
                unknown.push({ id, name: o.metadata.name, range: wanted });
            }
            live.push(...found);
        } else if (o.kind === "Cluster" && o.apiVersion.startsWith("postgresql.cnpg.io/")) {
            const tag = pgImage(str(o.spec?.imageName) ?? "")?.tag;
            if (tag)
                live.push({
                    id: "postgres",
                    name: o.metadata.name,
                    version: tag,
                    from: `Cluster ${o.metadata.namespace ?? ""}/${o.metadata.name} spec.imageName`,
                });
        }
    }
    return { live, unknown };
}

const highest = (vs: LiveVersion[]) =>
    vs.reduce((a, b) => (compareVersions(b.version, a.version) > 0 ? b : a));

/** The version rule applied to every component the stack installs and the inventory shows. */
export function versionFindings(regs: Registration[], inv: Inventory): VersionFindings {
    const out: VersionFindings = { conflicts: [], manual: [] };
    const { live, unknown } = liveVersions(inv);
    for (const s of stackVersions(regs)) {
        const c = VERSIONS[s.id];
        const type = s.id === "postgres" ? CLUSTER : RELEASE;
        const range = unknown.find((u) => u.id === s.id);
        const mine = live.filter(
            (l) => l.id === s.id && (s.id !== "postgres" || l.name === s.name),
        );
        if (mine.length === 0) {
            if (range) {
                out.conflicts.push({
                    type,
                    name: s.name,
                    problem: `the live ${c.title} version is unknown: HelmRelease ${range.name} asks for "${range.range}", a range Flux resolves to the newest chart, so it may run above ${c.configKey} = ${s.version}; add \`helm list -A -o json\` (helm.json) or the HelmRelease with its status to the inventory`,
                });
            }
            continue;
        }
        const top = highest(mine);
        if (top.version === s.version) continue;
        const app = appVersionOf(s.id, top.version);
        const both = `live ${c.title} ${top.version}${app && s.id !== "postgres" ? ` (${app})` : ""}, read from ${top.from}; the stack installs ${s.version}`;
        if (compareVersions(top.version, s.version) > 0) {
            if (s.id !== "postgres" && app !== undefined) {
                out.manual.push({
                    step: `Before the first \`pulumi up\`: raise ${c.configKey} from ${s.version} to ${top.version} in the stack's settings file (${both}; the versions table supports it, and the program never downgrades ${c.title})`,
                    objects: [`${type}::${s.name}`],
                    commands: [],
                });
                continue;
            }
            const down = planUpgrade(s.id, top.version, s.version);
            out.conflicts.push({
                type,
                name: s.name,
                problem: `${both}: the first \`pulumi up\` would downgrade it${down.kind === "downgrade" ? ` (${down.text})` : ""}. ${s.id === "postgres" ? `Set ${c.configKey} to the live image's version or newer` : `${top.version} is not in the versions table (components/versions/table.ts): add its release there, then raise ${c.configKey} to ${top.version}`}`,
            });
            continue;
        }
        const plan = planUpgrade(s.id, top.version, s.version);
        if (plan.kind === "unknown") {
            out.conflicts.push({ type, name: s.name, problem: `${both}: ${plan.text}` });
        } else if (plan.kind === "upgrade" && plan.skipsSteps) {
            const first = plan.steps[0]?.version ?? s.version;
            out.conflicts.push({
                type,
                name: s.name,
                problem: `${both}: that upgrade skips steps (${c.policy}). Take it over at ${c.configKey} = ${first}, then raise it one run at a time: ${plan.steps.map((st) => st.version).join(" → ")}`,
            });
        } else if (
            plan.kind === "upgrade" &&
            plan.consequences.some((w) => w.startsWith("refused"))
        ) {
            out.conflicts.push({
                type,
                name: s.name,
                problem: `${both}: ${plan.consequences.join("; ")}`,
            });
        }
    }
    return out;
}

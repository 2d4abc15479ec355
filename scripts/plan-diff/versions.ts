/**
 * Versions in the review: each pinned component read from the render (the Helm releases' chart
 * versions, the CNPG Clusters' images), checked against the versions table
 * (components/versions): a pin past its end of life, an upgrade that skips a step (then the runs
 * it takes, each named), a downgrade, and what each upgrade run does to the running system. A
 * PostgreSQL major upgrade without its evidence (`postgres.majorUpgrade`) is refused.
 */
import { MAJOR_UPGRADE_ANNOTATIONS } from "../../components/postgres/config";
import {
    consequences,
    pgImage,
    planUpgrade,
    supportStatus,
} from "../../components/versions/support";
import { VERSIONS, type ComponentId } from "../../components/versions/table";
import type { Flag } from "./flags";
import type { Row, StackRender } from "./model";
import { code } from "./text";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";

interface Found {
    id: ComponentId;
    /** Release name or Cluster name. */
    object: string;
    version: string;
    row: Row;
}

const str = (v: unknown, fallback: string): string => (typeof v === "string" ? v : fallback);
const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The pinned versions a render installs. */
export function foundVersions(render: StackRender | undefined): Found[] {
    const out: Found[] = [];
    for (const row of render?.rows ?? []) {
        if (row.type === RELEASE) {
            const name = str(row.inputs.name, row.name);
            const id = (Object.keys(VERSIONS) as ComponentId[]).find(
                (k) => VERSIONS[k].release === name,
            );
            if (id && typeof row.inputs.version === "string") {
                out.push({ id, object: name, version: row.inputs.version, row });
            }
        } else if (row.type === CLUSTER) {
            const image = obj(row.inputs.spec).imageName;
            const tag = typeof image === "string" ? pgImage(image)?.tag : undefined;
            if (tag)
                out.push({
                    id: "postgres",
                    object: str(obj(row.inputs.metadata).name, row.name),
                    version: tag,
                    row,
                });
        }
    }
    return out;
}

/** Whether the operator replaces instance managers in place (chart value config.data). */
function inPlaceUpdates(row: Row): boolean {
    const data = obj(obj(obj(row.inputs.values).config).data);
    return str(data.ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES, "") === "true";
}

/**
 * The server name a Cluster archives under: the plugin's `serverName` parameter or the in-tree
 * one, else the Cluster's name (both paths default to it); undefined without backups.
 */
function archiveServer(row: Row): string | undefined {
    const spec = obj(row.inputs.spec);
    const cluster = str(obj(row.inputs.metadata).name, row.name);
    for (const p of Array.isArray(spec.plugins) ? spec.plugins : []) {
        if (obj(p).isWALArchiver === true) return str(obj(obj(p).parameters).serverName, cluster);
    }
    const inTree = obj(spec.backup).barmanObjectStore;
    return inTree === undefined ? undefined : str(obj(inTree).serverName, cluster);
}

function majorEvidence(at: string, f: Found, baseVersion: string, baseRow: Row): Flag[] {
    const [a, b] = [pgImage(`x:${baseVersion}`), pgImage(`x:${f.version}`)];
    if (!a || !b || a.major === b.major || b.major < a.major) return [];
    const notes = obj(obj(f.row.inputs.metadata).annotations);
    const from = notes[MAJOR_UPGRADE_ANNOTATIONS.fromMajor];
    const backup = notes[MAJOR_UPGRADE_ANNOTATIONS.baseBackup];
    const out: Flag[] = [];
    if (from !== String(a.major) || typeof backup !== "string") {
        out.push({
            level: 0,
            text: `${at} **refused: PostgreSQL major upgrade without evidence** Cluster ${code(f.object)} ${a.major} → ${b.major}: set \`postgres.majorUpgrade\` to {fromMajor: ${a.major}, baseBackup: <the completed Backup taken for this upgrade>} in the same change (docs/upgrades.md, "PostgreSQL major")`,
            notes: [],
        });
    }
    const [before, after] = [archiveServer(baseRow), archiveServer(f.row)];
    if (before !== undefined && before === after) {
        out.push({
            level: 0,
            text: `${at} **backups of two majors in one archive** Cluster ${code(f.object)}: serverName stays ${code(before)}; pg_upgrade starts a new system at timeline 1, whose WAL can overwrite the old major's (CloudNativePG docs/src/postgres_upgrades.md at v1.30.0, "Backup and WAL Archive Considerations"): set a new postgres.backup.serverName with the upgrade`,
            notes: [],
        });
    }
    return out;
}

/** The review's version flags for one stack, `today` for the support status. */
export function versionFlags(
    stack: string,
    base: StackRender | undefined,
    head: StackRender | undefined,
    today: Date,
): Flag[] {
    const at = `(${stack})`;
    const out: Flag[] = [];
    const before = new Map(foundVersions(base).map((f) => [`${f.id}/${f.object}`, f]));
    for (const f of foundVersions(head)) {
        const c = VERSIONS[f.id];
        const was = before.get(`${f.id}/${f.object}`);
        const changed = was !== undefined && was.version !== f.version;
        const status = supportStatus(f.id, f.version, today);
        if (status.level === "pastEndOfLife" || status.level === "unknown") {
            out.push({
                level: status.level === "pastEndOfLife" && (changed || !was) ? 0 : 1,
                text: `${at} **${status.level === "pastEndOfLife" ? "pin past end of life" : "pin not in the versions table"}** ${c.configKey}: ${status.text}`,
                notes: [],
            });
        }
        if (!changed) continue;
        const plan = planUpgrade(f.id, was.version, f.version);
        const name = `${c.title} ${code(was.version)} → ${code(f.version)}`;
        if (plan.kind === "downgrade") {
            out.push({ level: 0, text: `${at} **downgrade** ${name}: ${plan.text}`, notes: [] });
        } else if (plan.kind === "unknown") {
            out.push({
                level: 1,
                text: `${at} **upgrade not checked** ${name}: ${plan.text}`,
                notes: [],
            });
        } else if (plan.kind === "upgrade") {
            const what =
                f.id === "cnpg" ? consequences("cnpg", inPlaceUpdates(f.row)) : plan.consequences;
            if (plan.skipsSteps) {
                out.push({
                    level: 0,
                    text: `${at} **upgrade skips steps** ${name}: ${c.policy} (${c.source.repo} ${c.source.path} at ${c.source.ref}); make it ${plan.steps.length} runs, one change and one \`pulumi up\` each, in order:`,
                    notes: [...plan.steps.map((s) => s.name), ...what.map((w) => `each run: ${w}`)],
                });
            } else {
                out.push({
                    level: f.id === "postgres" && what.some((w) => w.includes("major")) ? 0 : 1,
                    text: `${at} **upgrade** ${name}: ${plan.steps[0]?.name ?? ""}`,
                    notes: what,
                });
            }
            if (f.id === "postgres") out.push(...majorEvidence(at, f, was.version, was.row));
        }
    }
    return out;
}

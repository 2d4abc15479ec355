/**
 * The versions table (components/versions): support status on a given day, upgrade steps, and
 * the review of a version change (render + plan-diff). Upstream facts the table holds, read at:
 * - cloudnative-pg/cloudnative-pg v1.30.0 docs/src/supported_releases.md (1.30.x ~Dec 2026, 1.29.x
 *   29 Sep 2026, 1.26.x 12 Nov 2025) and docs/src/installation_upgrade.md ("upgrading through
 *   each version in sequential order ... not skipping versions");
 * - cloudnative-pg/charts tags cloudnative-pg-v0.25.0 … v0.29.0 (Chart.yaml appVersion 1.26.1 …
 *   1.30.0), plugin-barman-cloud-v0.7.0 (appVersion v0.13.0);
 * - goharbor/harbor v2.15.1 RELEASES.md ("Harbor only supports two previous minor releases to
 *   upgrade to current minor release"), goharbor/harbor-helm tags v1.16.4 … v1.19.1 (appVersion);
 * - cloudnative-pg/cloudnative-pg v1.30.0 docs/src/postgres_upgrades.md (offline in-place major
 *   upgrade, same OS only, serverName changed with it).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { parseConfig } from "../components/config";
import { cnpgSchema } from "../components/cnpg/config";
import { cnpgOperatorValues } from "../components/cnpg/operator";
import { HARBOR_CHART } from "../components/harbor/config";
import { DRAGONFLY_OPERATOR_CHART } from "../components/dragonfly/config";
import { supportNotes } from "../components/versions/pins";
import { pgImage, planUpgrade, supportStatus } from "../components/versions/support";
import { VERSIONS } from "../components/versions/table";
import { render } from "../scripts/render";
import { planDiff, stackFromFiles, versionFlags, type StackRender } from "../scripts/plan-diff";
import { fixtureConfig, fixtureInfraRender, fixtureSettings } from "./mocks";

const day = (d: string) => new Date(`${d}T00:00:00Z`);
const TODAY = day("2026-12-05");

describe("versions table", () => {
    it("the config defaults are the table's pins", () => {
        assert.equal(cnpgSchema.parse({}).chart.version, VERSIONS.cnpg.pin);
        assert.equal(
            cnpgSchema.parse({}).barmanCloudPlugin.chart.version,
            VERSIONS.barmanCloudPlugin.pin,
        );
        assert.equal(HARBOR_CHART.version, VERSIONS.harbor.pin);
        assert.equal(DRAGONFLY_OPERATOR_CHART.version, VERSIONS.dragonflyOperator.pin);
    });

    it("every pin is a chart the table knows, on a release line with a window", () => {
        for (const c of Object.values(VERSIONS)) {
            const status = supportStatus(c.id, c.pin, TODAY);
            assert.notEqual(status.level, "unknown", status.text);
            assert.notEqual(status.level, "pastEndOfLife", status.text);
        }
    });

    it("reads CloudNativePG's PostgreSQL image tags, the legacy bare ones as bullseye system images", () => {
        assert.deepEqual(pgImage("ghcr.io/cloudnative-pg/postgresql:16.15-system-trixie"), {
            major: 16,
            minor: 15,
            flavour: "system",
            os: "trixie",
            tag: "16.15-system-trixie",
        });
        assert.deepEqual(pgImage("ghcr.io/cloudnative-pg/postgresql:16.8"), {
            major: 16,
            minor: 8,
            flavour: "system",
            os: "bullseye",
            tag: "16.8",
        });
        assert.equal(pgImage("ghcr.io/cloudnative-pg/postgresql:latest"), undefined);
    });
});

describe("support status (the day injected)", () => {
    it("CloudNativePG 1.30 is supported until ~Dec 2026, then past its end of life", () => {
        assert.deepEqual(supportStatus("cnpg", "0.29.0", day("2026-07-01")), {
            level: "supported",
            text: "CloudNativePG operator 0.29.0 (1.30.0): supported, end of life ~2026-12-31 (cloudnative-pg/cloudnative-pg docs/src/supported_releases.md at v1.30.0)",
        });
        assert.equal(supportStatus("cnpg", "0.29.0", TODAY).level, "ending");
        assert.match(supportStatus("cnpg", "0.29.0", TODAY).text, /\(26 days\)/);
        assert.equal(supportStatus("cnpg", "0.29.0", day("2027-01-01")).level, "pastEndOfLife");
    });

    it("the seed era's pins are past their end of life", () => {
        assert.match(
            supportStatus("cnpg", "0.25.0", TODAY).text,
            /^CloudNativePG operator 0\.25\.0 \(1\.26\.1\): PAST END OF LIFE since 2025-11-12 /,
        );
        assert.match(
            supportStatus("harbor", "1.16.4", TODAY).text,
            /^Harbor 1\.16\.4 \(2\.12\.4\): PAST END OF LIFE since 2026-03-19 /,
        );
    });

    it("Harbor's maintained lines end by an event, not a date", () => {
        assert.equal(
            supportStatus("harbor", "1.17.4", TODAY).text,
            "Harbor 1.17.4 (2.13.4): supported until Harbor 2.16.0 ships (not tagged yet) (goharbor/harbor RELEASES.md at v2.15.1)",
        );
    });

    it("a chart the table does not know is reported, not guessed", () => {
        assert.deepEqual(supportStatus("harbor", "1.20.0", TODAY), {
            level: "unknown",
            text: "Harbor 1.20.0: not in the versions table (components/versions/table.ts); add its release there before pinning it",
        });
    });

    it("the render's lines for the infra fixture: one per pin, marked", () => {
        const cfg = parseConfig(fixtureConfig("infra"));
        const notes = supportNotes(cfg, TODAY);
        assert.deepEqual(
            notes.map((n) => n.split(":")[0]),
            [
                "version ! cnpg.chart.version",
                "version ✓ cnpg.barmanCloudPlugin.chart.version",
                "version ✓ postgres.imageName",
                "version ✓ dragonfly.operator.chart.version",
                "version ✓ harbor.chart.version",
            ],
        );
    });
});

describe("upgrade steps", () => {
    it("Harbor 2.12 → 2.15 takes two runs, each named (at most two minors per run)", () => {
        const plan = planUpgrade("harbor", "1.16.4", "1.19.1");
        assert.equal(plan.kind, "upgrade");
        if (plan.kind !== "upgrade") return;
        assert.equal(plan.skipsSteps, true);
        assert.deepEqual(
            plan.steps.map((s) => s.name),
            [
                "run 1 of 2: harbor.chart.version = 1.18.4 (Harbor 2.14.4)",
                "run 2 of 2: harbor.chart.version = 1.19.1 (Harbor 2.15.1)",
            ],
        );
        assert.match(
            plan.consequences[0] ?? "",
            /migrations only go forward.*backup of the harbor database first/,
        );
    });

    it("Harbor two minors at once is one run", () => {
        const plan = planUpgrade("harbor", "1.17.4", "1.19.1");
        assert.equal(plan.kind === "upgrade" && plan.steps.length, 1);
    });

    it("CloudNativePG 1.26 → 1.30 goes through each minor in order, at each minor's newest chart", () => {
        const plan = planUpgrade("cnpg", "0.25.0", "0.29.0");
        assert.equal(plan.kind, "upgrade");
        if (plan.kind !== "upgrade") return;
        assert.deepEqual(
            plan.steps.map((s) => `${s.version}=${s.app ?? ""}`),
            ["0.26.1=1.27.1", "0.27.1=1.28.1", "0.28.3=1.29.1", "0.29.0=1.30.0"],
        );
        assert.match(plan.consequences[0] ?? "", /primary last through a switchover/);
    });

    it("a downgrade is never a plan", () => {
        assert.deepEqual(planUpgrade("cnpg", "0.29.0", "0.26.0"), {
            kind: "downgrade",
            text: "CloudNativePG operator 0.29.0 (1.30.0) → 0.26.0 (1.27.0) is a downgrade: the operator's CRDs and the objects it wrote only move forward; keep cnpg.chart.version at 0.29.0 or above",
        });
        assert.equal(planUpgrade("harbor", "1.19.1", "1.18.4").kind, "downgrade");
        assert.equal(
            planUpgrade("postgres", "17.11-system-trixie", "16.15-system-trixie").kind,
            "downgrade",
        );
    });

    it("a PostgreSQL minor rolls; a move off bullseye asks for a collation check", () => {
        const plan = planUpgrade("postgres", "16.8", "16.15-system-trixie");
        assert.equal(plan.kind, "upgrade");
        if (plan.kind !== "upgrade") return;
        assert.match(
            plan.consequences[0] ?? "",
            /^the image's operating system changes \(bullseye → trixie\).*REINDEX/,
        );
        assert.match(
            plan.consequences[1] ?? "",
            /^a PostgreSQL minor update: CloudNativePG rolls the instances/,
        );
    });

    it("a PostgreSQL major is the offline in-place upgrade, and across operating systems refused", () => {
        const same = planUpgrade("postgres", "16.15-system-trixie", "17.11-system-trixie");
        assert.ok(same.kind === "upgrade");
        assert.match(
            same.consequences.join("\n"),
            /offline in-place upgrade.*no way back but a restore/,
        );
        const across = planUpgrade("postgres", "16.8", "17.11-system-trixie");
        assert.ok(across.kind === "upgrade");
        assert.match(
            across.consequences.at(-1) ?? "",
            /^refused by CloudNativePG: a major upgrade needs images of the same operating system/,
        );
    });
});

type Settings = Record<string, any>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "versions-"));

async function renderInfra(name: string, change: (s: Settings) => void): Promise<StackRender> {
    const settings = structuredClone(fixtureSettings("infra")) as Settings;
    change(settings);
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify({ config: settings }));
    const { files } = await render({ stack: "infra", configFile: file });
    return stackFromFiles("infra", files);
}

describe("a version change in review (render + plan-diff)", () => {
    let base: StackRender;
    let seedEra: StackRender;
    let pg17: StackRender;
    before(async function () {
        this.timeout(60000);
        base = stackFromFiles("infra", (await fixtureInfraRender()).files);
        seedEra = await renderInfra("seed-era", (s) => {
            s["platform:cnpg"].chart.version = "0.25.0";
            s["platform:harbor"].chart.version = "1.16.4";
            s["platform:postgres"].imageName = "ghcr.io/cloudnative-pg/postgresql:16.8";
        });
        pg17 = await renderInfra("pg17", (s) => {
            s["platform:postgres"].imageName =
                "ghcr.io/cloudnative-pg/postgresql:17.11-system-trixie";
            s["platform:postgres"].majorUpgrade = {
                fromMajor: 16,
                baseBackup: "shared-postgres-before-17",
            };
            s["platform:postgres"].backup.serverName = "shared-postgres-pg17";
        });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const texts = (a: StackRender, b: StackRender) => versionFlags("infra", a, b, TODAY);

    it("seed era → today's pins: CloudNativePG in four runs, Harbor in two, each named; stop first", () => {
        const flags = texts(seedEra, base);
        const cnpg = flags.find((f) =>
            f.text.includes("CloudNativePG operator `0.25.0` → `0.29.0`"),
        );
        assert.equal(cnpg?.level, 0);
        assert.match(cnpg?.text ?? "", /\*\*upgrade skips steps\*\*.*make it 4 runs/);
        assert.deepEqual(cnpg?.notes.slice(0, 4), [
            "run 1 of 4: cnpg.chart.version = 0.26.1 (CloudNativePG operator 1.27.1)",
            "run 2 of 4: cnpg.chart.version = 0.27.1 (CloudNativePG operator 1.28.1)",
            "run 3 of 4: cnpg.chart.version = 0.28.3 (CloudNativePG operator 1.29.1)",
            "run 4 of 4: cnpg.chart.version = 0.29.0 (CloudNativePG operator 1.30.0)",
        ]);
        assert.match(
            cnpg?.notes[4] ?? "",
            /^each run: every instance of every cluster rolls.*primary last/,
        );
        const harbor = flags.find((f) => f.text.includes("Harbor `1.16.4` → `1.19.1`"));
        assert.equal(harbor?.level, 0);
        assert.deepEqual(harbor?.notes.slice(0, 2), [
            "run 1 of 2: harbor.chart.version = 1.18.4 (Harbor 2.14.4)",
            "run 2 of 2: harbor.chart.version = 1.19.1 (Harbor 2.15.1)",
        ]);
        const pg = flags.find((f) => f.text.includes("PostgreSQL `16.8` → `16.15-system-trixie`"));
        assert.equal(pg?.level, 1);
        assert.match(pg?.notes.join("\n") ?? "", /bullseye → trixie/);
    });

    it("an operator upgrade with in-place instance manager updates says no pod restarts", () => {
        const inPlace = cnpgOperatorValues(
            cnpgSchema.parse({ instanceManagerInPlaceUpdates: true }),
        );
        assert.deepEqual(inPlace.config, {
            clusterWide: true,
            data: { ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES: "true" },
        });
        assert.deepEqual(cnpgOperatorValues(cnpgSchema.parse({})).config, { clusterWide: true });
        const from = structuredClone(base);
        const to = structuredClone(base);
        for (const row of from.rows) {
            if (row.type === "kubernetes:helm.sh/v3:Release" && row.name === "cloudnative-pg")
                row.inputs.version = "0.28.3";
        }
        for (const row of to.rows) {
            if (row.type === "kubernetes:helm.sh/v3:Release" && row.name === "cloudnative-pg")
                row.inputs.values = { ...(row.inputs.values as object), config: inPlace.config };
        }
        const [rolled] = texts(from, base);
        assert.equal(
            rolled?.text,
            "(infra) **upgrade** CloudNativePG operator `0.28.3` → `0.29.0`: run 1 of 1: cnpg.chart.version = 0.29.0 (CloudNativePG operator 1.30.0)",
        );
        assert.match(rolled?.notes[0] ?? "", /^every instance of every cluster rolls/);
        const [inPlaceFlag] = texts(from, to);
        assert.match(
            inPlaceFlag?.notes[0] ?? "",
            /^the operator replaces the instance manager inside every running PostgreSQL pod .*no restart, no switchover/,
        );
    });

    it("the review puts them under what to look at first", () => {
        const md = planDiff([seedEra], [base], { today: TODAY });
        assert.match(md, /🛑 \(infra\) \*\*upgrade skips steps\*\* Harbor `1\.16\.4` → `1\.19\.1`/);
        assert.match(
            md,
            /\n {2}- run 1 of 2: harbor\.chart\.version = 1\.18\.4 \(Harbor 2\.14\.4\)\n/,
        );
    });

    it("going back to the seed era's pins is a downgrade of each", () => {
        const flags = texts(base, seedEra).filter((f) => f.text.includes("**downgrade**"));
        assert.deepEqual(
            flags.map((f) => [f.level, /\*\*downgrade\*\* ([^`]+)`/.exec(f.text)?.[1]]),
            [
                [0, "CloudNativePG operator "],
                [0, "Harbor "],
                [0, "PostgreSQL "],
            ],
        );
    });

    it("a pin past its end of life is flagged: stop when the change brings it, check when it stays", () => {
        const brought = texts(base, seedEra).filter((f) => f.text.includes("pin past end of life"));
        assert.deepEqual(
            brought.map((f) => [f.level, /\*\* ([a-z.]+):/.exec(f.text)?.[1]]),
            [
                [0, "cnpg.chart.version"],
                [0, "harbor.chart.version"],
            ],
        );
        const kept = versionFlags("infra", seedEra, seedEra, TODAY);
        assert.deepEqual(
            kept.map((f) => f.level),
            [1, 1],
        );
    });

    it("a PostgreSQL major with its evidence and a new serverName: the offline upgrade, stop and read", () => {
        const flags = texts(base, pg17);
        assert.deepEqual(
            flags.map((f) => [f.level, f.text.split(":")[0]]),
            [[0, "(infra) **upgrade** PostgreSQL `16.15-system-trixie` → `17.11-system-trixie`"]],
        );
        assert.match(
            flags[0]?.notes.join("\n") ?? "",
            /offline in-place upgrade \(pg_upgrade --link\)/,
        );
    });

    it("a PostgreSQL major without the evidence, or in the old archive, is refused", () => {
        const bare = structuredClone(pg17);
        for (const row of bare.rows) {
            if (row.type !== "kubernetes:postgresql.cnpg.io/v1:Cluster") continue;
            const meta = row.inputs.metadata as { annotations: Record<string, string> };
            meta.annotations = { "pulumi.com/waitFor": "condition=Ready" };
            const spec = row.inputs.spec as { plugins: { parameters: Record<string, string> }[] };
            for (const p of spec.plugins) delete p.parameters.serverName;
        }
        const refused = texts(base, bare)
            .filter((f) => f.level === 0)
            .map((f) => f.text);
        assert.equal(refused.length, 3);
        assert.match(
            refused[1] ?? "",
            /^\(infra\) \*\*refused: PostgreSQL major upgrade without evidence\*\* Cluster `shared-postgres` 16 → 17: set `postgres\.majorUpgrade` to \{fromMajor: 16, baseBackup: /,
        );
        assert.match(
            refused[2] ?? "",
            /\*\*backups of two majors in one archive\*\* Cluster `shared-postgres`: serverName stays `shared-postgres`/,
        );
    });

    it("the evidence rule: majorUpgrade with an image of the same major is refused by the config", () => {
        const config = fixtureConfig("infra");
        const pg = JSON.parse(config["platform:postgres"] ?? "{}") as Settings;
        pg.majorUpgrade = { fromMajor: 16, baseBackup: "before-17" };
        config["platform:postgres"] = JSON.stringify(pg);
        assert.throws(
            () => parseConfig(config),
            /platform:postgres\.majorUpgrade\.fromMajor = 16: says the cluster upgrades from PostgreSQL 16, but imageName is PostgreSQL 16: raise imageName to the new major in the same change/,
        );
    });
});

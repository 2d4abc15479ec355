/**
 * The takeover's version rule (scripts/takeover-versions.ts) on inventories in the tools' own
 * formats: `helm list -A -o json` and `kubectl get helmreleases.helm.toolkit.fluxcd.io -A -o json`
 * (status fields of fluxcd/helm-controller api/v2 at v1.6.3: history Snapshots with chartVersion,
 * appVersion, version and status; lastAttemptedRevision with "+<digest>" for OCI sources).
 * The stack's versions come from the infra fixture's run (the program's own registrations).
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { buildPlan } from "../scripts/takeover-plan";
import { readInventory, EMPTY_INVENTORY } from "../scripts/takeover-inventory";
import {
    liveVersions,
    splitChart,
    stackVersions,
    versionFindings,
} from "../scripts/takeover-versions";
import type { Registration } from "../scripts/mock-runtime";
import { fixtureInfraRun } from "./mocks";

const FIXTURES = path.join(__dirname, "fixtures", "takeover-versions");
const SEED = path.join(__dirname, "fixtures", "takeover");

/** The fixture run's registrations with one Helm release's version changed, as the config would. */
function withRelease(regs: Registration[], release: string, version: string): Registration[] {
    return regs.map((r) =>
        r.type === "kubernetes:helm.sh/v3:Release" && r.name === release
            ? { ...r, inputs: { ...r.inputs, version } }
            : r,
    );
}

describe("takeover: live versions against the stack's", () => {
    let regs: Registration[];
    before(async function () {
        this.timeout(60000);
        regs = (await fixtureInfraRun()).registrations;
    });

    it("reads Helm's chart column and the stack's own pins", () => {
        assert.deepEqual(splitChart("cloudnative-pg-0.23.2"), {
            chart: "cloudnative-pg",
            version: "0.23.2",
        });
        assert.deepEqual(splitChart("dragonfly-operator-v1.6.1"), {
            chart: "dragonfly-operator",
            version: "v1.6.1",
        });
        assert.deepEqual(
            stackVersions(regs).map((s) => `${s.configKey}=${s.version}`),
            [
                "dragonfly.operator.chart.version=v1.6.1",
                "cnpg.chart.version=0.29.0",
                "cnpg.barmanCloudPlugin.chart.version=0.7.0",
                "postgres.imageName=16.15-system-trixie",
                "harbor.chart.version=1.19.1",
            ],
        );
    });

    it("reads every live version: helm list, the HelmRelease history, the last attempt (OCI digest cut)", () => {
        const { live } = liveVersions(readInventory(path.join(FIXTURES, "live-above")));
        assert.deepEqual(
            live.filter((l) => l.id === "dragonflyOperator").map((l) => `${l.version} ${l.from}`),
            [
                "v1.6.1 HelmRelease dragonfly-operator-system/dragonfly-operator status.history (revision 2, deployed)",
                "v1.6.1 HelmRelease dragonfly-operator-system/dragonfly-operator status.lastAttemptedRevision",
                "v1.6.1 HelmRelease dragonfly-operator-system/dragonfly-operator spec.chart.spec.version",
            ],
        );
        assert.ok(
            live.some(
                (l) =>
                    l.id === "harbor" &&
                    l.version === "1.19.2" &&
                    l.from.includes("(revision 5, failed)"),
            ),
        );
    });

    it("the seed's Flux setup, behind the pins: adopt at the first step, then one run each", () => {
        const found = versionFindings(regs, readInventory(SEED));
        assert.deepEqual(
            found.conflicts.map(
                (c) => `${c.name}: ${c.problem.split(": that upgrade skips steps")[0] ?? ""}`,
            ),
            [
                "cloudnative-pg: live CloudNativePG operator 0.23.2 (1.25.1), read from helm list: cnpg-system/cloudnative-pg chart cloudnative-pg-0.23.2; the stack installs 0.29.0",
                "harbor: live Harbor 1.16.0 (2.12.0), read from helm list: harbor/harbor chart harbor-1.16.0; the stack installs 1.19.1",
            ],
        );
        assert.match(
            found.conflicts[0]?.problem ?? "",
            /Take it over at cnpg\.chart\.version = 0\.25\.0, then raise it one run at a time: 0\.25\.0 → 0\.26\.1 → 0\.27\.1 → 0\.28\.3 → 0\.29\.0$/,
        );
        assert.match(
            found.conflicts[1]?.problem ?? "",
            /Take it over at harbor\.chart\.version = 1\.18\.4, then raise it one run at a time: 1\.18\.4 → 1\.19\.1$/,
        );
    });

    it("live above the pin on a release the program supports: accepted, the pin raised before the first up", () => {
        const found = versionFindings(
            withRelease(regs, "cloudnative-pg", "0.28.3"),
            readInventory(path.join(FIXTURES, "live-above")),
        );
        assert.deepEqual(found.manual[0], {
            step: "Before the first `pulumi up`: raise cnpg.chart.version from 0.28.3 to 0.29.0 in the stack's settings file (live CloudNativePG operator 0.29.0 (1.30.0), read from helm list: cnpg-system/cloudnative-pg chart cloudnative-pg-0.29.0; the stack installs 0.28.3; the versions table supports it, and the program never downgrades CloudNativePG operator)",
            objects: ["kubernetes:helm.sh/v3:Release::cloudnative-pg"],
            commands: [],
        });
        assert.ok(!found.conflicts.some((c) => c.name === "cloudnative-pg"));
    });

    it("live above anything the program knows (a failed upgrade counts): a conflict naming both versions and the key", () => {
        const found = versionFindings(regs, readInventory(path.join(FIXTURES, "live-above")));
        const harbor = found.conflicts.find((c) => c.name === "harbor");
        assert.match(
            harbor?.problem ?? "",
            /^live Harbor 1\.19\.2, read from helm list: harbor\/harbor chart harbor-1\.19\.2; the stack installs 1\.19\.1: the first `pulumi up` would downgrade it\. 1\.19\.2 is not in the versions table \(components\/versions\/table\.ts\): add its release there, then raise harbor\.chart\.version to 1\.19\.2$/,
        );
    });

    it("a live PostgreSQL above the stack's image is a conflict; the operators at the pin are not", () => {
        const found = versionFindings(regs, readInventory(path.join(FIXTURES, "live-above")));
        assert.deepEqual(
            found.conflicts.map((c) => c.name),
            ["shared-postgres", "harbor"],
        );
        assert.match(
            found.conflicts[0]?.problem ?? "",
            /PostgreSQL 17\.11-system-trixie → 16\.15-system-trixie is a downgrade/,
        );
    });

    it("a HelmRelease range without a status or helm list says the live version is unknown", () => {
        const found = versionFindings(regs, readInventory(path.join(FIXTURES, "range-only")));
        assert.deepEqual(
            found.conflicts.map((c) => c.name),
            ["cloudnative-pg", "harbor"],
        );
        assert.equal(
            found.conflicts[0]?.problem,
            'the live CloudNativePG operator version is unknown: HelmRelease cloudnative-pg asks for ">=0.22.0", a range Flux resolves to the newest chart, so it may run above cnpg.chart.version = 0.29.0; add `helm list -A -o json` (helm.json) or the HelmRelease with its status to the inventory',
        );
        // An exact version in spec.chart.spec.version is what Flux installs: behind the pin by three minors.
        assert.match(
            found.conflicts[1]?.problem ?? "",
            /^live Harbor 1\.16\.4 \(2\.12\.4\), read from HelmRelease harbor\/harbor spec\.chart\.spec\.version/,
        );
    });

    it("the plan carries them: conflicts, and the raise first among the manual steps", () => {
        const plan = buildPlan(
            withRelease(regs, "cloudnative-pg", "0.28.3"),
            readInventory(path.join(FIXTURES, "live-above")),
        );
        assert.ok(
            plan.conflicts.some(
                (c) => c.name === "harbor" && c.problem.includes("harbor.chart.version"),
            ),
        );
        assert.match(
            plan.manual[0]?.step ?? "",
            /^Before the first `pulumi up`: raise cnpg\.chart\.version from 0\.28\.3 to 0\.29\.0/,
        );
        assert.deepEqual(versionFindings(regs, EMPTY_INVENTORY), { conflicts: [], manual: [] });
    });
});

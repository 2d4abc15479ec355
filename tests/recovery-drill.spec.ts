/**
 * A restored cluster's own size and whether it writes into the backup bucket
 * (`postgres.recovery.{instances, resources, storage, walStorage, backups}`): a drill takes no
 * WAL archive and no daily base backup unless asked; a cut-over cluster always backs up.
 * Field names are the CNPG 1.30.0 (as 1.26.1) Cluster CRD's (spec.resources, spec.storage, spec.walStorage,
 * spec.plugins[].isWALArchiver, spec.backup.barmanObjectStore) and the Barman Cloud plugin
 * v0.13.0's (web/docs/usage.md: a Cluster archives only through a plugin entry marked
 * isWALArchiver; recovery reads through externalClusters[].plugin alone).
 */
import { strict as assert } from "node:assert";
import { parseConfig } from "../components/config";
import { buildClusterSpec, buildRecoveredClusterSpec } from "../components/postgres/spec";
import { configProblems, fixtureSettings, runStack, toConfigMap } from "./mocks";

type Settings = Record<string, any>;
const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";

function infraWithRecovery(recovery: Settings): Settings {
    const s = structuredClone(fixtureSettings("infra")) as Settings;
    s["platform:postgres"].recovery = recovery;
    return s;
}
const pgOf = (s: Settings) => parseConfig(toConfigMap(s)).postgres!;

describe("recovery: a drill sized for a drill", () => {
    const base = parseConfig(toConfigMap(infraWithRecovery({ name: "shared-postgres-r1" })));

    it("takes its own instances, resources and volumes, and writes nothing into the bucket", () => {
        const drill = pgOf(
            infraWithRecovery({
                name: "shared-postgres-r1",
                instances: 1,
                resources: { requests: { cpu: "1", memory: "4Gi" } },
                storage: { size: "600Gi", storageClass: "scratch" },
                walStorage: { size: "50Gi" },
            }),
        );
        for (const plugin of [true, false]) {
            const spec = buildRecoveredClusterSpec(drill, base.tenants, plugin) as Settings;
            assert.equal(spec.plugins, undefined);
            assert.equal(spec.backup, undefined);
            // It still reads the backups: the source is there, and in-tree its checksum env.
            assert.equal(spec.externalClusters[0].name, "origin");
            if (!plugin) assert.ok(spec.env);
            assert.equal(spec.instances, 1);
            assert.equal(spec.primaryUpdateMethod, "restart");
            assert.deepEqual(spec.resources, {
                requests: { cpu: "1", memory: "4Gi" },
                limits: {},
            });
            assert.deepEqual(spec.storage, { size: "600Gi", storageClass: "scratch" });
            assert.deepEqual(spec.walStorage, { size: "50Gi" });
        }
    });

    it("unset, each size follows the current cluster's", () => {
        const pg = base.postgres!;
        const current = buildClusterSpec(pg, base.tenants, { plugin: true }) as Settings;
        const same = buildRecoveredClusterSpec(pg, base.tenants, true) as Settings;
        for (const k of ["instances", "resources", "storage", "walStorage"]) {
            assert.deepEqual(same[k], current[k], k);
        }
    });

    it("a drill asked to back up archives under its own server name and gets its daily backup", async () => {
        const s = infraWithRecovery({ name: "shared-postgres-r1", backups: true });
        const spec = buildRecoveredClusterSpec(pgOf(s), base.tenants, true) as Settings;
        assert.equal(spec.plugins[0].parameters.serverName, "shared-postgres-r1");
        const run = await runStack("infra", toConfigMap(s));
        assert.deepEqual(
            run.all(SCHEDULED).map((r) => (run.inputs(SCHEDULED, r.name).spec as Settings).cluster),
            [{ name: "shared-postgres" }, { name: "shared-postgres-r1" }],
        );
        const drill = await runStack(
            "infra",
            toConfigMap(infraWithRecovery({ name: "shared-postgres-r1" })),
        );
        assert.deepEqual(
            drill.all(SCHEDULED).map((r) => r.name),
            ["shared-postgres-daily"],
        );
    });

    it("refuses a cut-over cluster that would not back up", () => {
        assert.deepEqual(
            configProblems(
                toConfigMap(
                    infraWithRecovery({
                        name: "shared-postgres-r1",
                        cutOver: true,
                        backups: false,
                    }),
                ),
            ),
            [
                "platform:postgres.recovery.backups = false: is false with cutOver: true: the restored cluster serves the tenants and would archive no WAL and take no base backup; remove backups (it defaults to true on cut-over)",
            ],
        );
    });
});

/**
 * The rules of the Harbor config section (components/harbor/config.ts): hostname and externalURL,
 * Redis database indexes, volumes and replicas, the database pool and sslmode. The chart values
 * built from it are in harbor-values.spec.ts.
 */
import assert from "node:assert/strict";
import {
    harborDatabaseProblems,
    harborRedisIndexes,
    harborRedisProblems,
    harborSchema,
    harborStorageProblems,
    type HarborConfig,
} from "../components/harbor/config";

const GATEWAY = { name: "envoy-external", namespace: "networking", sectionName: "https" };

function harbor(raw: Record<string, unknown> = {}): HarborConfig {
    return harborSchema.parse({ gateway: GATEWAY, ...raw });
}

describe("harbor config rules", () => {
    it("derives the hostname and requires an https externalURL without a path", () => {
        assert.equal(harbor().hostname, "harbor.monosense.io");
        for (const externalURL of [
            "http://harbor.monosense.io",
            "https://harbor.monosense.io/ui",
        ]) {
            assert.equal(harborSchema.safeParse({ gateway: GATEWAY, externalURL }).success, false);
        }
    });

    it('requires coreDatabaseIndex "0"', () => {
        const problems = harborRedisProblems(harbor({ redis: { coreDatabaseIndex: "3" } }));
        assert.deepEqual(
            problems.map((p) => [p.key, p.value]),
            [["harbor.redis.coreDatabaseIndex", "3"]],
        );
        assert.match(problems[0]?.message ?? "", /^must be "0"/);
    });

    it("requires distinct indexes, including the optional ones", () => {
        const problems = harborRedisProblems(
            harbor({ redis: { trivyAdapterIndex: "2", harborDatabaseIndex: "0" } }),
        );
        assert.deepEqual(
            problems.map((p) => [p.key, p.message]),
            [
                [
                    "harbor.redis.trivyAdapterIndex",
                    "is already used by redis.registryDatabaseIndex; each Harbor component needs its own database",
                ],
                [
                    "harbor.redis.harborDatabaseIndex",
                    'is already used by redis.coreDatabaseIndex; each Harbor component needs its own database (leave harborDatabaseIndex unset to share database 0 with core, or pick a free one such as "6"/"7")',
                ],
            ],
        );
        assert.deepEqual(harborRedisProblems(harbor()), []);
        assert.deepEqual(harborRedisIndexes(harbor()), ["0", "1", "2", "5"]);
    });

    it('accepts indexes only as strings "0".."15"', () => {
        for (const idx of ["16", "-1", 1, "01x"]) {
            const r = harborSchema.safeParse({
                gateway: GATEWAY,
                redis: { jobserviceDatabaseIndex: idx },
            });
            assert.equal(r.success, false, JSON.stringify(idx));
        }
    });

    it("rejects two registry replicas on a ReadWriteOnce volume, offering RWX or s3", () => {
        const problems = harborStorageProblems(
            harbor({ components: { registry: { replicas: 2 } } }),
        );
        assert.deepEqual(
            problems.map((p) => [p.key, p.value]),
            [["harbor.components.registry.replicas", 2]],
        );
        assert.match(problems[0]?.message ?? "", /Multi-Attach/);
        assert.match(problems[0]?.message ?? "", /ReadWriteMany/);
        assert.match(problems[0]?.message ?? "", /storage\.type "s3"/);
        const rwx = harbor({
            storage: {
                filesystem: { accessMode: "ReadWriteMany", storageClass: "ceph-filesystem" },
            },
            components: { registry: { replicas: 3 } },
        });
        assert.deepEqual(harborStorageProblems(rwx), []);
        assert.equal(rwx.updateStrategy, "RollingUpdate");
    });

    it("rejects two jobservice replicas sharing a ReadWriteOnce job-log volume", () => {
        const problems = harborStorageProblems(
            harbor({ components: { jobservice: { jobLoggers: ["file"] } } }),
        );
        assert.deepEqual(
            problems.map((p) => p.key),
            ["harbor.components.jobservice.replicas"],
        );
        assert.match(problems[0]?.message ?? "", /Multi-Attach/);
    });

    it("rejects RollingUpdate while a ReadWriteOnce volume is mounted", () => {
        const problems = harborStorageProblems(harbor({ updateStrategy: "RollingUpdate" }));
        assert.deepEqual(
            problems.map((p) => p.key),
            ["harbor.updateStrategy"],
        );
        assert.equal(harbor().updateStrategy, "Recreate");
    });

    it("requires the s3 section when storage.type is s3", () => {
        const problems = harborStorageProblems(harbor({ storage: { type: "s3" } }));
        assert.deepEqual(
            problems.map((p) => p.key),
            ["harbor.storage.s3"],
        );
    });

    it("keeps maxIdleConns at or below maxOpenConns", () => {
        const problems = harborDatabaseProblems(
            harbor({ database: { maxOpenConns: 5, maxIdleConns: 10 } }),
        );
        assert.deepEqual(
            problems.map((p) => [p.key, p.value]),
            [["harbor.database.maxIdleConns", 10]],
        );
        assert.deepEqual(
            harborDatabaseProblems(harbor({ database: { maxOpenConns: 5, maxIdleConns: 5 } })),
            [],
        );
    });

    // goharbor/harbor-helm v1.19.1 (as v1.16.4) templates/_helpers.tpl (caBundleVolume: a Secret in Harbor's
    // namespace), goharbor/harbor v2.15.1 (as v2.12.4) src/common/dao/pgsql.go (pgx, sslmode passed through),
    // cloudnative-pg v1.30.0 (as v1.26.1) internal/controller/cluster_pki.go (renewCASecret, 90-day CA).
    for (const sslmode of ["verify-ca", "verify-full"]) {
        it(`rejects sslmode ${sslmode}, which Harbor cannot keep verifying against CNPG's CA`, () => {
            assert.deepEqual(harborDatabaseProblems(harbor({ database: { sslmode } })), [
                {
                    key: "harbor.database.sslmode",
                    value: sslmode,
                    message:
                        "cannot be verified: Harbor trusts a database CA only through the chart's caBundleSecretName (a Secret in Harbor's namespace), and CNPG renews its generated CA (shared-postgres-ca in cnpg-system) every 90 days, so a copy would expire between two pulumi up runs and cut Harbor off its database. Use \"require\" (TLS without verification)",
                },
            ]);
        });
    }

    it("accepts sslmode require (the default) and disable", () => {
        assert.equal(harbor().database.sslmode, "require");
        assert.deepEqual(harborDatabaseProblems(harbor({ database: { sslmode: "disable" } })), []);
    });
});

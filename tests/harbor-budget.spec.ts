import assert from "node:assert/strict";
import type { TenantConfig } from "../components/config";
import { harborConnectionBudget, harborConnectionProblems } from "../components/harbor/budget";
import { harborSchema, type HarborConfig } from "../components/harbor/config";

function harbor(raw: Record<string, unknown> = {}): HarborConfig {
    return harborSchema.parse({
        gateway: { name: "envoy-external", namespace: "networking" },
        ...raw,
    });
}

/** The committed harbor tenant: 3 PgBouncer instances of 30 server connections each, role limit 90. */
function tenant(pooler: Partial<TenantConfig["pooler"]> = {}, connectionLimit = 90): TenantConfig {
    return {
        name: "harbor",
        role: "harbor",
        connectionLimit,
        databases: [{ name: "harbor_registry", extensions: [] }],
        sslmode: "require",
        pooler: {
            enabled: true,
            instances: 3,
            type: "rw",
            poolMode: "session",
            parameters: { default_pool_size: "30" },
            ...pooler,
        },
    };
}

describe("harborConnectionProblems", () => {
    it("accepts the committed config: 5 pods × 6 = 30 ≤ one instance's 30 server slots ≤ role limit 90", () => {
        const h = harbor();
        assert.deepEqual(harborConnectionProblems(h, tenant(), 0), []);
        const b = harborConnectionBudget(h, tenant());
        assert.deepEqual(
            [
                b.podCount,
                b.clientConnections,
                b.maxClientConn,
                b.slotsPerInstance,
                b.serverSlots,
                b.serverCapacity,
            ],
            [5, 30, 100, 30, 90, 30],
        );
    });

    it("rejects the seed's 3 × 10: all 30 sessions may land on one instance of 10 slots", () => {
        const problems = harborConnectionProblems(
            harbor(),
            tenant({ parameters: { default_pool_size: "10" } }, 30),
            0,
        );
        assert.deepEqual(problems, [
            {
                key: "harbor.database.maxOpenConns",
                value: 6,
                message:
                    "core 2 + jobservice 2 + exporter 1 = 5 pods × 6 = 30 client connections, but in session mode each holds " +
                    "a server connection and connections land on the harbor pooler's 3 instances at random, so one instance " +
                    "may need them all; one instance has 10 default_pool_size + 0 reserve_pool_size = 10 server slots (role " +
                    "harbor's connectionLimit 30), so 10 usable; connections beyond them queue and fail after " +
                    "query_wait_timeout. Lower maxOpenConns to at most 2, or raise tenants[0].pooler.parameters.default_pool_size " +
                    "to at least 30 (and the role's connectionLimit to instances × that)",
            },
        ]);
    });

    it("rejects the chart default maxOpenConns 900 with the arithmetic", () => {
        const problems = harborConnectionProblems(
            harbor({ database: { maxOpenConns: 900, maxIdleConns: 100 } }),
            tenant(),
            0,
        );
        assert.deepEqual(problems, [
            {
                key: "harbor.database.maxOpenConns",
                value: 900,
                message:
                    "core 2 + jobservice 2 + exporter 1 = 5 pods × 900 = 4500 client connections, more than the harbor " +
                    "pooler's max_client_conn 100; the limit is per PgBouncer instance and connections land on the 3 " +
                    "instances at random, so one may receive them all and refuse the rest. Lower maxOpenConns to at most 20 " +
                    "or raise tenants[0].pooler.parameters.max_client_conn to at least 4500",
            },
            {
                key: "harbor.database.maxOpenConns",
                value: 900,
                message:
                    "core 2 + jobservice 2 + exporter 1 = 5 pods × 900 = 4500 client connections, but in session mode each " +
                    "holds a server connection and connections land on the harbor pooler's 3 instances at random, so one " +
                    "instance may need them all; one instance has 30 default_pool_size + 0 reserve_pool_size = 30 server " +
                    "slots (role harbor's connectionLimit 90), so 30 usable; connections beyond them queue and fail after " +
                    "query_wait_timeout. Lower maxOpenConns to at most 6, or raise tenants[0].pooler.parameters.default_pool_size " +
                    "to at least 4500 (and the role's connectionLimit to instances × that)",
            },
        ]);
    });

    it("caps one instance's slots by the role's connectionLimit and shows both", () => {
        const problems = harborConnectionProblems(
            harbor({ database: { maxOpenConns: 10, maxIdleConns: 2 } }),
            tenant({ parameters: { default_pool_size: "50" } }, 30),
            2,
        );
        assert.equal(problems.length, 1);
        assert.equal(
            problems[0]?.message,
            "core 2 + jobservice 2 + exporter 1 = 5 pods × 10 = 50 client connections, but in session mode each holds " +
                "a server connection and connections land on the harbor pooler's 3 instances at random, so one instance " +
                "may need them all; one instance has 50 default_pool_size + 0 reserve_pool_size = 50 server slots, capped " +
                "by role harbor's connectionLimit 30, so 30 usable; connections beyond them queue and fail after " +
                "query_wait_timeout. Lower maxOpenConns to at most 6, or raise tenants[2].pooler.parameters.default_pool_size " +
                "to at least 50 (and the role's connectionLimit to instances × that)",
        );
    });

    it("counts the exporter only with metrics enabled, and honours max_client_conn/reserve_pool_size", () => {
        const h = harbor({
            metrics: { enabled: false },
            database: { maxOpenConns: 40, maxIdleConns: 2 },
        });
        const t = tenant(
            {
                parameters: {
                    default_pool_size: "140",
                    reserve_pool_size: "10",
                    max_client_conn: "200",
                },
            },
            500,
        );
        const b = harborConnectionBudget(h, t);
        assert.deepEqual(
            [b.pods.exporter, b.podCount, b.clientConnections, b.slotsPerInstance],
            [0, 4, 160, 150],
        );
        const problems = harborConnectionProblems(h, t, 0);
        assert.equal(problems.length, 1);
        assert.match(
            problems[0]?.message ?? "",
            /^core 2 \+ jobservice 2 = 4 pods × 40 = 160 client connections, but in session mode/,
        );
        assert.match(
            problems[0]?.message ?? "",
            /one instance has 140 default_pool_size \+ 10 reserve_pool_size = 150 server slots/,
        );
    });

    it("rejects transaction pooling with the migration lock and prepared statement explanation", () => {
        const problems = harborConnectionProblems(harbor(), tenant({ poolMode: "transaction" }), 1);
        assert.deepEqual(
            problems.map((p) => [p.key, p.value]),
            [["tenants[1].pooler.poolMode", "transaction"]],
        );
        assert.match(problems[0]?.message ?? "", /^must be "session" for Harbor/);
        assert.match(problems[0]?.message ?? "", /pg_advisory_lock/);
        assert.match(problems[0]?.message ?? "", /prepared statements/);
    });

    it("rejects a missing or read-only pooler", () => {
        assert.deepEqual(
            harborConnectionProblems(harbor(), tenant({ enabled: false }), 0).map((p) => p.key),
            ["tenants[0].pooler.enabled"],
        );
        assert.deepEqual(
            harborConnectionProblems(harbor(), tenant({ type: "ro" })).map((p) => p.key),
            ["tenants[name=harbor].pooler.type"],
        );
    });
});

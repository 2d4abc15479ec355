/**
 * `npm run test:integration`: the tenant model on a real PostgreSQL and real PgBouncers (see
 * tier.ts). Needs the Debian packages postgresql, postgresql-contrib, pgbouncer and openssl;
 * `.ci/run` installs them.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { render } from "../../scripts/render";
import type { Registration } from "../../scripts/mock-runtime";
import { fixtureSettings, renderFixture } from "../mocks";
import { runTier, tenantViews, type TierReport } from "./tier";
import { GRANT_TYPE, EXTENSION_TYPE, ROLE_TYPE } from "./provider-sql";
import { POOLER_USER } from "./cnpg-instance";

async function renderInfra(settings?: Record<string, unknown>): Promise<Registration[]> {
    if (!settings) return (await renderFixture("infra")).result.registrations;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-it-config-"));
    const file = path.join(dir, "Pulumi.infra.yaml");
    fs.writeFileSync(file, YAML.stringify({ config: settings }));
    try {
        return (await render({ stack: "infra", configFile: file })).result.registrations;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function summary(r: TierReport): string {
    const b = r.budget;
    return [
        `PostgreSQL ${r.postgres.major}; ${r.pgbouncer.version}`,
        ...r.notes,
        b
            ? `budget: ${Object.entries(b.backends)
                  .map(([u, n]) => `${n} ${u}`)
                  .join(
                      " + ",
                  )} = ${b.total} backends + ${b.superuserReserved} superuser reserve ≤ max_connections ${b.maxConnections}`
            : "",
        `timings (ms): ${JSON.stringify(r.timings)}`,
    ].join("\n    ");
}

const log = (s: string) => process.stdout.write(`    ${s}\n`);

/** The render without the registrations `pick` selects (at least one), dependencies rewired. */
function without(regs: Registration[], pick: (r: Registration) => boolean): Registration[] {
    const gone = regs.filter(pick);
    assert.ok(gone.length > 0, "the alteration matched nothing");
    const refs = new Set(gone.map((r) => `${r.type}::${r.name}`));
    // What depended on a removed resource now depends on what it depended on.
    return regs
        .filter((r) => !pick(r))
        .map((r) => ({
            ...r,
            dependencies: [
                ...new Set(
                    r.dependencies.flatMap((d) =>
                        refs.has(d)
                            ? (gone.find((g) => `${g.type}::${g.name}` === d)?.dependencies ?? [])
                            : [d],
                    ),
                ),
            ],
        }));
}

const input = (r: Registration, k: string): unknown => r.inputs[k];

describe("integration tier: the tenant model on real PostgreSQL and PgBouncer", function () {
    this.timeout(180000);

    it("passes on the shipped infra config", async () => {
        const report = await runTier(await renderInfra());
        log(summary(report));
        assert.deepEqual(report.failures, []);
        assert.ok(report.budget && report.budget.total > 0);
    });

    it("passes on a config with 20 tenants", async () => {
        const settings = fixtureSettings("infra");
        const shipped = settings["platform:tenants"] as Record<string, unknown>[];
        const generated = Array.from({ length: 20 - shipped.length }, (_, i) => {
            const n = String(i + 1).padStart(2, "0");
            const dbs = i % 3 === 0 ? 2 : 1;
            return {
                name: `t${n}`,
                role: `t${n}_app`,
                connectionLimit: 2 * dbs * 2,
                databases: Array.from({ length: dbs }, (_, j) => ({
                    name: `t${n}_db${j}`,
                    ...(i % 4 === 1 ? { extensions: ["pg_trgm"] } : {}),
                })),
                pooler: {
                    instances: 2,
                    poolMode: i % 2 === 0 ? "session" : "transaction",
                    parameters: { default_pool_size: "2", max_client_conn: "50" },
                },
            };
        });
        settings["platform:tenants"] = [...shipped, ...generated];
        const pg = settings["platform:postgres"] as Record<string, unknown>;
        // Room for the cross-tenant probes' idle auth_query connections (pooler × foreign database).
        pg.maxConnections = 1200;
        const regs = await renderInfra(settings);
        assert.equal(tenantViews(regs).length, 20);
        const report = await runTier(regs);
        log(summary(report));
        assert.deepEqual(report.failures, []);
    });

    // PgBouncer (pgbouncer_1_24_1 doc/config.md pool_mode "transaction": "Server is released back
    // to pool after transaction finishes"; the same in the 1.18.0 this tier runs): a session
    // advisory lock stays on a server connection the next client may get.
    it("keeps a migration's advisory lock exclusive through a session-mode pooler, not through the transaction one", async () => {
        const settings = fixtureSettings("infra");
        const gitlab = (settings["platform:tenants"] as Record<string, any>[]).find(
            (t) => t.name === "gitlab",
        )!;
        assert.equal(gitlab.pooler.poolMode, "transaction");
        gitlab.pooler.session = { instances: 1, defaultPoolSize: 5 };
        gitlab.connectionLimit = Number(gitlab.connectionLimit) + 5;
        const pg = settings["platform:postgres"] as Record<string, unknown>;
        pg.maxConnections = Number(pg.maxConnections) + 10;
        const regs = await renderInfra(settings);
        assert.equal(
            tenantViews(regs).find((t) => t.name === "gitlab")?.sessionPooler,
            "gitlab-session-pooler",
        );
        const report = await runTier(regs);
        log(summary(report));
        assert.deepEqual(report.failures, []);
        assert.ok(
            report.notes.includes(
                'advisory lock of tenant "gitlab": a second client took it through gitlab-session-pooler: false; through gitlab-pooler (transaction): true',
            ),
            report.notes.join("\n"),
        );
    });

    // PgBouncer's hba parser reads `all` in the database field as every database
    // (src/hba.c parse_names, the same at pgbouncer_1_18_0 and pgbouncer_1_24_1).
    it("a database named all in a pooler's hba rule lets the tenant into postgres and template1 (why the name is refused)", async () => {
        // The rules poolerHbaRules writes for a tenant whose database is named "all"
        // (components/postgres/hba.ts), on gitlab's pooler of the shipped render.
        const regs = (await renderInfra()).map((r) => {
            if (r.type !== "kubernetes:postgresql.cnpg.io/v1:Pooler" || r.name !== "gitlab-pooler")
                return r;
            const inputs = structuredClone(r.inputs) as any;
            const hba = inputs.spec.pgbouncer.pg_hba as string[];
            inputs.spec.pgbouncer.pg_hba = hba.map((l) =>
                l.replace(/^hostssl gitlabhq_production /, "hostssl all "),
            );
            assert.notDeepEqual(inputs.spec.pgbouncer.pg_hba, hba);
            return { ...r, inputs };
        });
        const report = await runTier(regs);
        log(report.failures.slice(0, 3).join("\n    "));
        const holes = report.failures.filter((f) =>
            /reached database (postgres|template1) through gitlab-pooler/.test(f),
        );
        assert.equal(holes.length, 2, report.failures.join("\n"));
        assert.deepEqual(
            report.failures.filter((f) => !f.includes('"gitlab"')),
            [],
        );
    });

    // The program before SCRAM verifiers: the Role sent the cleartext, which PostgreSQL hashed
    // itself. Logins work either way; only the password checks can tell.
    describe("fails, naming the tenant, on a render whose Role sends the cleartext password", () => {
        let report: TierReport;
        let victim: { name: string; role: string };
        before(async () => {
            const regs = await renderInfra();
            const t = tenantViews(regs)[0]!;
            victim = { name: t.name, role: t.role };
            const altered = regs.map((r) =>
                r.type === ROLE_TYPE && input(r, "name") === t.role
                    ? { ...r, inputs: { ...r.inputs, password: t.password } }
                    : r,
            );
            report = await runTier(altered);
            log(summary(report));
        });

        const mine = (pattern: RegExp) =>
            report.failures.filter((f) => f.includes(`"${victim.name}"`) && pattern.test(f));

        it("as a password that is not a verifier", () => {
            assert.equal(
                mine(/its Role sends PostgreSQL a password that is not a SCRAM-SHA-256/).length,
                1,
            );
        });

        it("in the server log and in pg_stat_statements", () => {
            for (const source of ["the server log", "pg_stat_statements"]) {
                assert.equal(
                    mine(
                        new RegExp(
                            `password audit of ${source}: the cleartext password of role ${victim.role} appears there`,
                        ),
                    ).length,
                    1,
                    report.failures.join("\n"),
                );
            }
        });

        it("and nothing else: its logins and every other tenant pass", () => {
            // The three failures above, and the takeover step's: with a cleartext in state the provider's
            // refresh cannot see that the live password differs, so no update would run.
            const expected = [
                /: role \S+: its Role sends PostgreSQL a password that is not a SCRAM-SHA-256/,
                /: password audit of (the server log|pg_stat_statements): the cleartext password/,
                /: taking over role \S+ with its live password: the refresh saw no difference/,
            ];
            const other = report.failures.filter(
                (f) => !f.includes(`"${victim.name}"`) || !expected.some((e) => e.test(f)),
            );
            assert.deepEqual(other, []);
        });
    });

    // One run of the tier on a render altered three ways, each on its own tenant, so that every
    // failure can only come from its alteration (and the three cost one server start).
    describe("fails, naming the tenant, on a render altered", () => {
        let report: TierReport;
        let victims: { name: string; database: string }[];
        before(async () => {
            let regs = await renderInfra();
            victims = tenantViews(regs)
                .slice(0, 3)
                .map((t) => ({ name: t.name, database: t.databases[0]! }));
            assert.equal(victims.length, 3, "needs three tenants");
            const [noConnect, noRevoke, badExtension] = victims as [
                (typeof victims)[0],
                (typeof victims)[0],
                (typeof victims)[0],
            ];
            // The pooler's CONNECT grant removed from the first tenant's database.
            regs = without(
                regs,
                (r) =>
                    r.type === GRANT_TYPE &&
                    input(r, "database") === noConnect.database &&
                    input(r, "role") === POOLER_USER,
            );
            // The REVOKE from PUBLIC removed from the second's.
            regs = without(
                regs,
                (r) =>
                    r.type === GRANT_TYPE &&
                    input(r, "database") === noRevoke.database &&
                    input(r, "role") === "public",
            );
            // An extension that does not exist in the third's.
            const db = regs.find(
                (r) =>
                    r.type === "postgresql:index/database:Database" &&
                    input(r, "name") === badExtension.database,
            )!;
            const bogus: Registration = {
                ...db,
                type: EXTENSION_TYPE,
                name: `${badExtension.database}-platform_no_such_extension`,
                urn: `${db.urn}-bogus`,
                dependencies: [`${db.type}::${db.name}`],
                inputs: { name: "platform_no_such_extension", database: badExtension.database },
            };
            report = await runTier([...regs, bogus]);
            log(summary(report));
        });

        const expectFailure = (victim: { name: string }, pattern: RegExp) => {
            const mine = report.failures.filter(
                (f) => f.includes(`"${victim.name}"`) && pattern.test(f),
            );
            log(mine.slice(0, 2).join("\n    "));
            assert.ok(
                mine.length > 0,
                `no failure names tenant "${victim.name}" and matches ${String(pattern)}:\n${report.failures.join("\n")}`,
            );
        };

        // With auth_dbname (CNPG ≥ 1.28.0 writes `auth_dbname = postgres`, PgBouncer ≥ 1.19 reads
        // it) auth_query runs in postgres, and the grant on the tenant's database is not used; a
        // PgBouncer without it runs auth_query in the tenant's database, where the grant is needed.
        it("with a pooler's CONNECT grant removed", () => {
            const noAuthDbname = report.notes.some((n) => /no auth_dbname in /.test(n));
            if (noAuthDbname) {
                expectFailure(victims[0]!, /through .*pooler.*permission denied for database/);
            } else {
                const mine = report.failures.filter((f) => f.includes(`"${victims[0]!.name}"`));
                assert.deepEqual(mine, []);
            }
        });

        it("with the REVOKE from PUBLIC removed", () => {
            expectFailure(victims[1]!, /reached database .* of tenant/);
        });

        it("with an extension that does not exist", () => {
            expectFailure(
                victims[2]!,
                /platform_no_such_extension.*(is not available|could not open)/,
            );
        });

        it("and nowhere else: every failure names an altered tenant", () => {
            const names = victims.map((v) => `"${v.name}"`);
            const stray = report.failures.filter((f) => !names.some((n) => f.includes(n)));
            assert.deepEqual(stray, []);
        });
    });
});

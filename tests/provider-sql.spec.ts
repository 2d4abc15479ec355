/**
 * The integration tier's translation of rendered `postgresql:*` resources into the provider's SQL
 * (tests/integration/provider-sql.ts; statements from cyrilgdn/terraform-provider-postgresql at
 * ff936b9548c1076f498523a2bd116915ff977142, the commit @pulumi/postgresql 3.18.1 builds). Pure:
 * no server. The tier itself runs with `npm run test:integration`.
 */
import { strict as assert } from "node:assert";
import type { Registration } from "../scripts/mock-runtime";
import { renderFixture } from "./mocks";
import * as crypto from "node:crypto";
import { scramSha256Verifier } from "../components/postgres/scram";
import {
    planSql,
    refreshedRolePassword,
    rolePasswordUpdateSql,
    translate,
    TranslationError,
    type ProviderSettings,
} from "./integration/provider-sql";

const provider: ProviderSettings = {
    host: "h",
    port: 5432,
    username: "postgres",
    password: "p",
    database: "postgres",
    sslmode: "require",
};

const reg = (type: string, name: string, inputs: Record<string, unknown>): Registration => ({
    type,
    name,
    custom: true,
    dependencies: [],
    protect: false,
    retainOnDelete: false,
    inputs,
    urn: `urn:pulumi:s::p::${type}::${name}`,
});

const texts = (r: Registration) =>
    translate(r, provider).flatMap((s) => s.statements.map((x) => x.text));

describe("provider SQL translation (integration tier)", () => {
    it("creates a role as resourcePostgreSQLRoleCreate does", () => {
        const sql = texts(
            reg("postgresql:index/role:Role", "harbor_app", {
                name: "harbor_app",
                login: true,
                password: "s3cret",
                connectionLimit: 90,
                superuser: false,
                createDatabase: false,
                createRole: false,
                replication: false,
                bypassRowLevelSecurity: false,
            }),
        );
        assert.deepEqual(sql, [
            `CREATE ROLE "harbor_app" WITH ENCRYPTED PASSWORD 's3cret' VALID UNTIL 'infinity' CONNECTION LIMIT 90 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOBYPASSRLS NOREPLICATION`,
            `ALTER ROLE "harbor_app" SET search_path TO DEFAULT`,
        ]);
    });

    it("sends a role's verifier as the literal of the CREATE (create) and of ALTER ROLE … PASSWORD (update)", () => {
        const verifier = scramSha256Verifier("s3cret", Buffer.alloc(16, 1));
        const [create] = texts(
            reg("postgresql:index/role:Role", "harbor_app", {
                name: "harbor_app",
                login: true,
                password: verifier,
            }),
        );
        assert.equal(
            create,
            `CREATE ROLE "harbor_app" WITH ENCRYPTED PASSWORD '${verifier}' VALID UNTIL 'infinity' CONNECTION LIMIT -1 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOBYPASSRLS NOREPLICATION`,
        );
        assert.ok(!create?.includes("s3cret"));
        assert.deepEqual(rolePasswordUpdateSql("harbor_app", verifier), {
            text: `ALTER ROLE "harbor_app" PASSWORD '${verifier}'`,
        });
    });

    // readRolePassword (resource_postgresql_role.go at ff936b95) with a superuser provider.
    it("refreshes a verifier from pg_shadow as it is: unchanged when stable, a diff when it differs", () => {
        const ours = scramSha256Verifier("s3cret", Buffer.alloc(16, 1));
        const theirs = scramSha256Verifier("s3cret", Buffer.alloc(16, 2));
        assert.equal(refreshedRolePassword("r", ours, ours), ours);
        // Same cleartext, another salt (a role set by CNPG or by hand): the update re-sets ours.
        assert.equal(refreshedRolePassword("r", ours, theirs), theirs);
        // A cleartext state value hides any live SCRAM value, even another password's.
        assert.equal(
            refreshedRolePassword("r", "s3cret", scramSha256Verifier("other", Buffer.alloc(16))),
            "s3cret",
        );
        const md5 = `md5${crypto.createHash("md5").update("s3cretr").digest("hex")}`;
        assert.equal(refreshedRolePassword("r", "s3cret", md5), "s3cret");
        assert.equal(refreshedRolePassword("r", "other", md5), md5);
        assert.equal(refreshedRolePassword("r", ours, ""), "");
    });

    it("creates a database as createDatabase does, owner granted to the provider's user around it", () => {
        assert.deepEqual(
            texts(
                reg("postgresql:index/database:Database", "harbor_registry", {
                    name: "harbor_registry",
                    owner: "harbor_app",
                    encoding: "UTF8",
                    template: "template0",
                }),
            ),
            [
                `GRANT "harbor_app" TO "postgres"`,
                `CREATE DATABASE "harbor_registry" OWNER "harbor_app" TEMPLATE "template0" ENCODING 'UTF8'  ALLOW_CONNECTIONS true CONNECTION LIMIT -1 IS_TEMPLATE false`,
                `REVOKE "harbor_app" FROM "postgres"`,
            ],
        );
    });

    it("revokes before granting, and an empty privilege set is a pure REVOKE (from PUBLIC)", () => {
        const revoke = translate(
            reg("postgresql:index/grant:Grant", "db-revoke-public", {
                database: "db",
                role: "public",
                objectType: "database",
                privileges: [],
            }),
            provider,
        );
        assert.equal(revoke[0]?.database, "db");
        assert.equal(revoke[0]?.transaction, true);
        assert.deepEqual(revoke[0]?.statements.slice(-1), [
            { text: `REVOKE ALL PRIVILEGES ON DATABASE "db" FROM "public"` },
        ]);
        const grant = texts(
            reg("postgresql:index/grant:Grant", "db-owner", {
                database: "db",
                role: "owner",
                objectType: "database",
                privileges: ["CONNECT", "CREATE", "TEMPORARY"],
            }),
        );
        assert.deepEqual(grant.slice(-2), [
            `REVOKE ALL PRIVILEGES ON DATABASE "db" FROM "owner"`,
            `GRANT CONNECT,CREATE,TEMPORARY ON DATABASE "db" TO "owner"`,
        ]);
    });

    it("creates an extension in its database", () => {
        const steps = translate(
            reg("postgresql:index/extension:Extension", "db-uuid-ossp", {
                name: "uuid-ossp",
                database: "db",
            }),
            provider,
        );
        assert.deepEqual(steps, [
            {
                database: "db",
                transaction: true,
                statements: [{ text: `CREATE EXTENSION IF NOT EXISTS "uuid-ossp"` }],
            },
        ]);
    });

    it("fails loudly on a resource type it does not translate", () => {
        assert.throws(
            () => translate(reg("postgresql:index/schema:Schema", "s", { name: "s" }), provider),
            (e: unknown) =>
                e instanceof TranslationError &&
                /resource type postgresql:index\/schema:Schema is not translated/.test(e.message),
        );
    });

    it("fails loudly on an input it does not translate", () => {
        assert.throws(
            () =>
                translate(
                    reg("postgresql:index/role:Role", "r", { name: "r", passwordWo: "x" }),
                    provider,
                ),
            (e: unknown) =>
                e instanceof TranslationError &&
                /input "passwordWo" is not translated/.test(e.message),
        );
    });

    it("refuses a privilege the provider refuses", () => {
        assert.throws(
            () =>
                translate(
                    reg("postgresql:index/grant:Grant", "g", {
                        database: "db",
                        role: "r",
                        objectType: "database",
                        privileges: ["SELECT"],
                    }),
                    provider,
                ),
            /SELECT is not an allowed privilege for object type database/,
        );
    });

    it("orders the shipped render's SQL resources after their dependencies", async () => {
        const regs = (await renderFixture("infra")).result.registrations;
        const plan = planSql(regs);
        assert.equal(plan.length, regs.filter((r) => r.type.startsWith("postgresql:")).length);
        const seen = new Set<string>();
        for (const p of plan) {
            for (const d of p.dependencies) assert.ok(seen.has(d), `${p.ref} before ${d}`);
            seen.add(p.ref);
        }
        const harborDb = plan.find(
            (p) =>
                p.type === "postgresql:index/database:Database" && p.database === "harbor_registry",
        );
        assert.equal(harborDb?.tenant, "harbor");
    });
});

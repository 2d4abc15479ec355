/**
 * Passwords after a restore. A restored cluster holds the role passwords of its recovery target;
 * the cut-over run applies the current ones on the cluster that now serves. The tenant Role sends
 * a SCRAM verifier salted by `<tenant>-db-password-salt` (components/postgres/role-password.ts);
 * while a restored cluster serves, the salt's keepers name it, so the cut-over replaces the salt
 * and the Role's `password` changes: terraform-provider-postgresql v1.26.0
 * (postgresql/resource_postgresql_role.go setRolePassword, the provider @pulumi/postgresql 3.18.1
 * bridges) runs `ALTER ROLE … PASSWORD` when `password` changes, through the provider that
 * waits for the serving Cluster. random's RandomBytes replaces on a keepers change
 * (hashicorp/terraform-provider-random, RequiresReplace on keepers).
 *
 * And docs/backup-restore.md "Passwords after a restore" names the Secrets the committed stacks'
 * renders create that hold a database password: every one, and no other.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { render } from "../scripts/render";
import { planDiff, stackFromFiles } from "../scripts/plan-diff";
import {
    fixtureFile,
    fixtureSettings,
    PROJECT_DIR,
    runStack,
    toConfigMap,
    type Run,
} from "./mocks";

type Settings = Record<string, any>;
const ROLE = "postgresql:index/role:Role";
const SALT = "random:index/randomBytes:RandomBytes";
const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SQL_PROVIDER = "pulumi:providers:postgresql";
const ref = (type: string, name: string) => `${type}::${name}`;

function infra(recovery?: Settings): Record<string, string> {
    const s = structuredClone(fixtureSettings("infra")) as Settings;
    if (recovery) s["platform:postgres"].recovery = recovery;
    return toConfigMap(s);
}

describe("passwords after a restore", () => {
    let plain: Run;
    let drill: Run;
    let cut: Run;
    before(async function () {
        this.timeout(60000);
        plain = await runStack("infra", infra());
        drill = await runStack("infra", infra({ name: "shared-postgres-r1" }));
        cut = await runStack("infra", infra({ name: "shared-postgres-r1", cutOver: true }));
    });

    const tenants = ["harbor", "gitlab", "keycloak"];

    it("a stack that never cut over keeps its salts: no servingCluster keeper, drill or not", () => {
        for (const t of tenants) {
            for (const run of [plain, drill]) {
                const keepers = run.inputs(SALT, `${t}-db-password-salt`).keepers as Settings;
                assert.equal(keepers?.servingCluster, undefined, t);
            }
        }
    });

    it("the cut-over makes a new salt per tenant, keyed on the serving cluster, and each Role's password follows it", () => {
        for (const t of tenants) {
            const salt = cut.inputs(SALT, `${t}-db-password-salt`);
            assert.deepEqual(salt.keepers, { servingCluster: "shared-postgres-r1" }, t);
            const role = cut.all(ROLE).find((r) => r.parent?.endsWith(`::${t}`));
            assert.ok(role, t);
            // The verifier is computed from the salt: a new salt is a new `password` input,
            // which the provider applies with ALTER ROLE.
            assert.ok(role.dependencies.includes(ref(SALT, `${t}-db-password-salt`)), t);
            // On the serving cluster: the Role waits for it, its provider connects to it.
            assert.ok(role.dependencies.includes(ref(CLUSTER, "shared-postgres-r1")), t);
        }
        assert.ok(
            cut
                .get(SQL_PROVIDER, "shared-postgres")
                .dependencies.includes(ref(CLUSTER, "shared-postgres-r1")),
        );
        // The cleartext (the Secrets, 1Password) is the same generated password.
        assert.deepEqual(
            cut.inputs("random:index/randomPassword:RandomPassword", "gitlab-db-password"),
            plain.inputs("random:index/randomPassword:RandomPassword", "gitlab-db-password"),
        );
    });

    it("plan-diff says the cut-over re-applies each tenant's password, not that it rotates it", async function () {
        this.timeout(60000);
        const renderOf = async (recovery?: Settings) => {
            const s = structuredClone(fixtureSettings("infra")) as Settings;
            if (recovery) s["platform:postgres"].recovery = recovery;
            const file = path.join(
                fs.mkdtempSync(path.join(os.tmpdir(), "restore-pw-")),
                "Pulumi.x.yaml",
            );
            fs.writeFileSync(file, YAML.stringify({ config: s }));
            return stackFromFiles(
                "infra",
                (await render({ stack: "infra", configFile: file })).files,
            );
        };
        const out = planDiff(
            [await renderOf({ name: "shared-postgres-r1" })],
            [await renderOf({ name: "shared-postgres-r1", cutOver: true })],
        );
        assert.match(
            out,
            /\*\*re-applies the password of Tenant `gitlab`\*\* on the serving cluster \(RandomBytes `gitlab-db-password-salt`, keepers \(none\) → \{"servingCluster":"shared-postgres-r1"\}\)/,
        );
        assert.doesNotMatch(out, /rotates the password/);
    });

    it("a rotation after the cut-over keeps the serving cluster in the keepers", async () => {
        const s = structuredClone(fixtureSettings("infra")) as Settings;
        s["platform:postgres"].recovery = { name: "shared-postgres-r1", cutOver: true };
        s["platform:tenants"][1].passwordRotation = "2026-12";
        const run = await runStack("infra", toConfigMap(s));
        assert.deepEqual(run.inputs(SALT, "gitlab-db-password-salt").keepers, {
            rotation: "2026-12",
            servingCluster: "shared-postgres-r1",
        });
    });

    it("the runbook names every Secret of the seed stacks' renders that holds a database password, and no other", async function () {
        this.timeout(60000);
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "backup-restore.md"), "utf8");
        const section = doc.split("### Passwords after a restore")[1] ?? "";
        const listed = [...section.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|\s*([a-z0-9-]+)\s*\|/gm)].map(
            (m) => `${m[2]}/${m[1]}`,
        );
        assert.ok(listed.length > 0, "no table of Secrets in the runbook");
        const secrets: Settings[] = [];
        let harborSecret: string | undefined;
        for (const stack of ["infra", "apps"]) {
            const { files } = await render({
                stack,
                configFile: fixtureFile(stack),
                infraConfigFile: fixtureFile("infra"),
            });
            for (const d of YAML.parseAllDocuments(files["manifests.yaml"] ?? "")) {
                const o = d.toJS() as Settings;
                if (o?.kind === "Secret") secrets.push(o);
            }
            const harbor = files["releases/harbor.yaml"];
            if (harbor) {
                const v = YAML.parse(harbor) as Settings;
                harborSecret = `${v.namespace}/${v.values.database.external.existingSecret}`;
            }
        }
        const keys = (o: Settings) => Object.keys(o.stringData ?? o.data ?? {});
        const holding = secrets
            .filter(
                (o) =>
                    (o.type === "kubernetes.io/basic-auth" && keys(o).includes("password")) ||
                    keys(o).includes("uri"),
            )
            .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
        if (harborSecret) holding.push(harborSecret);
        assert.deepEqual([...listed].sort(), [...new Set(holding)].sort());
    });
});

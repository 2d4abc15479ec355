/**
 * Takeover from Flux: the plan against a fixture inventory modelled on the seed documents
 * (tests/fixtures/takeover), the render of its `platform:takeover`, the empty inventory, and bad
 * inventory files.
 *
 * Engine and provider behaviour these tests stand in for (read at the pinned versions):
 * - pulumi/pulumi v3.174.0 pkg/resource/deploy/step_generator.go (#19339): an `import` whose
 *   inputs differ is imported, then updated; a resource still carrying an import id is never
 *   replaced ("previously-imported resources that still specify an ID may not be replaced").
 *   Hence MIN_PULUMI_CLI and `retainOnDelete` on every adopted resource.
 * - pulumi-kubernetes provider/pkg/await/await.go (`patchForce`, `UpsertExistingObjects`):
 *   adopted objects carry `pulumi.com/patchForce` so the post-import apply takes Flux's fields.
 * - cyrilgdn/terraform-provider-postgresql ff936b95 (pinned by @pulumi/postgresql 3.18.1):
 *   role/database importers are passthrough (id = name), the extension id is
 *   `<database>.<extension>`.
 * - @1password/pulumi-onepassword 1.1.3 item.d.ts: import id `vaults/<uuid>/items/<uuid>`.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main as takeoverMain, planTakeover } from "../scripts/takeover";
import { buildPlan, type Plan } from "../scripts/takeover-plan";
import { InventoryError, readInventory } from "../scripts/takeover-inventory";
import { ConfigError, formatProblem, parseConfig } from "../components/config";
import { loadStackConfig } from "../scripts/render";
import {
    formattedWithPlanConfig,
    withPlanConfig as writePlanConfig,
} from "../scripts/takeover/stack-file";
import { readStackSettings } from "../components/stack-file";
import {
    fixtureFile,
    fixtureInfraRun,
    runStack,
    fixtureSettings,
    toConfigMap,
    unwrap,
    type Run,
} from "./mocks";
import { scramSha256Verifier } from "../components/postgres/scram";

const FIXTURE = path.join(__dirname, "fixtures", "takeover");
const fixture = (file: string) =>
    JSON.parse(fs.readFileSync(path.join(FIXTURE, file), "utf8")) as unknown;

/** Runs the command in-process, with what it prints. */
async function captured(
    run: () => Promise<number>,
): Promise<{ status: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const write = process.stdout.write.bind(process.stdout);
    const { log, error } = console;
    process.stdout.write = (chunk: string) => ((stdout += chunk), true);
    Object.assign(console, {
        log: (...a: unknown[]) => void (stdout += `${a.join(" ")}\n`),
        error: (...a: unknown[]) => void (stderr += `${a.join(" ")}\n`),
    });
    try {
        return { status: await run(), stdout, stderr };
    } finally {
        process.stdout.write = write;
        Object.assign(console, { log, error });
    }
}

function tmpDir(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "inventory-"));
    for (const [f, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), content);
    return dir;
}

/**
 * The infra fixture settings file with the plan's config written into it by the command's own
 * writer (no hand edits), as the flat config map the program reads.
 */
function withPlanConfig(plan: Plan): Record<string, string> {
    const text = fs.readFileSync(fixtureFile("infra"), "utf8");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "stack-")), "Pulumi.infra.yaml");
    fs.writeFileSync(file, writePlanConfig(file, text, plan.config));
    return loadStackConfig(path.join(__dirname, "..", "Pulumi.yaml"), file).config;
}

describe("takeover from Flux", function () {
    this.timeout(60000);
    let plan: Plan;
    let run: Run;

    before(async () => {
        // The plan command's run is the committed settings' run (it drops any platform:takeover);
        // the shared run saves a program run. The command itself runs in the empty-inventory test.
        const committed = await fixtureInfraRun();
        plan = buildPlan(committed.registrations, readInventory(FIXTURE));
        run = await runStack("infra", withPlanConfig(plan));
    });

    it("adopts every object of the inventory that the stack manages, with the id Pulumi imports it by", () => {
        const ids = (type: string) => plan.adopt.filter((a) => a.type === type).map((a) => a.id);
        assert.deepEqual(ids("kubernetes:core/v1:Namespace").sort(), [
            "cnpg-system",
            "dragonfly",
            "harbor",
        ]);
        assert.deepEqual(ids("kubernetes:postgresql.cnpg.io/v1:Cluster"), [
            "cnpg-system/shared-postgres",
        ]);
        assert.deepEqual(ids("kubernetes:postgresql.cnpg.io/v1:Pooler").sort(), [
            "cnpg-system/gitlab-pooler",
            "cnpg-system/harbor-pooler",
            "cnpg-system/keycloak-pooler",
        ]);
        // The CNPG-made superuser Secret, and the Secrets the plan has Harbor's live values
        // copied into (manual steps) before `up`.
        assert.deepEqual(ids("kubernetes:core/v1:Secret").sort(), [
            "cnpg-system/harbor-db-credentials",
            "cnpg-system/shared-postgres-superuser",
            "dragonfly/dragonfly-auth",
            "harbor/harbor-creds-admin",
            "harbor/harbor-creds-secret-key",
        ]);
        assert.deepEqual(ids("kubernetes:dragonflydb.io/v1alpha1:Dragonfly"), [
            "dragonfly/dragonfly",
        ]);
        assert.deepEqual(ids("kubernetes:helm.sh/v3:Release").sort(), [
            "cnpg-system/cloudnative-pg",
            "harbor/harbor",
        ]);
        // cnpg_pooler_pgbouncer exists because CNPG made it for the live Poolers.
        assert.deepEqual(ids("postgresql:index/role:Role").sort(), [
            "cnpg_pooler_pgbouncer",
            "gitlab_app",
            "harbor_app",
            "keycloak",
        ]);
        assert.deepEqual(ids("postgresql:index/database:Database").sort(), [
            "gitlabhq_production",
            "harbor_registry",
            "keycloak",
        ]);
        assert.deepEqual(ids("postgresql:index/extension:Extension").sort(), [
            "gitlabhq_production.btree_gist",
            "gitlabhq_production.pg_trgm",
            "harbor_registry.uuid-ossp",
        ]);
        const vault = "k7c4qzq3hfbm2vxgq7wz5r3tne";
        assert.deepEqual(plan.config["platform:takeover"].onepassword, {
            "harbor-core": `vaults/${vault}/items/a1harborcore0000000000000a`,
            "harbor-registry": `vaults/${vault}/items/a2harborregistry0000000000`,
            "kubernetes/infra/cloudnative-pg/harbor": `vaults/${vault}/items/a3cnpgharbor00000000000000`,
            "kubernetes/infra/cloudnative-pg/gitlab": `vaults/${vault}/items/a4cnpggitlab00000000000000`,
            "kubernetes/infra/cloudnative-pg/keycloak": `vaults/${vault}/items/a5cnpgkeycloak000000000000`,
            "kubernetes/infra/dragonfly/auth": `vaults/${vault}/items/a6dragonflyauth00000000000`,
            "harbor-robot-synergyflow": `vaults/${vault}/items/a8robotsynergyflow00000000`,
        });
        assert.deepEqual(plan.config["platform:harborProjects.imports"], {
            projects: ["synergyflow"],
            robots: { "synergyflow/synergyflow-puller": 3 },
            gcSchedule: true,
        });
    });

    it("reads every existing secret where the running system reads it: the adopted Secret, else its 1Password field", () => {
        const live = (secret: string, key: string) => ({ kubernetes: { secret, key } });
        assert.deepEqual(plan.config["platform:takeover"].secrets, {
            // Harbor's encryption key and admin password as the running Harbor reads them
            // (harbor-core key secret is the core secret, not the key), copied before `up`.
            "harbor-admin-password": live("harbor/harbor-creds-admin", "HARBOR_ADMIN_PASSWORD"),
            "harbor-secret-key": live("harbor/harbor-creds-secret-key", "secretKey"),
            "harbor-registry-http-secret": { item: "harbor-registry", field: "http_secret" },
            "harbor-db-password": live("cnpg-system/harbor-db-credentials", "password"),
            "gitlab-db-password": {
                item: "kubernetes/infra/cloudnative-pg/gitlab",
                field: "password",
            },
            "keycloak-db-password": {
                item: "kubernetes/infra/cloudnative-pg/keycloak",
                field: "password",
            },
            "dragonfly-auth": live("dragonfly/dragonfly-auth", "password"),
            "shared-postgres-superuser": live("cnpg-system/shared-postgres-superuser", "password"),
        });
        assert.deepEqual(
            plan.manual.find((m) => m.step.startsWith("Copy the values Harbor"))?.commands,
            [
                `kubectl create secret generic harbor-creds-admin -n harbor --from-literal=HARBOR_ADMIN_PASSWORD="$(kubectl get secret harbor-core -n harbor -o jsonpath='{.data.HARBOR_ADMIN_PASSWORD}' | base64 -d)"`,
                `kubectl create secret generic harbor-creds-secret-key -n harbor --from-literal=secretKey="$(kubectl get secret harbor-core -n harbor -o jsonpath='{.data.secretKey}' | base64 -d)"`,
            ],
        );
        assert.deepEqual(plan.values.regenerated.map((v) => v.secret).sort(), [
            "harbor-core-secret",
            "harbor-jobservice-secret",
            "harbor-xsrf-key",
        ]);
    });

    it("reports the managed.roles and ExternalSecret conflicts, and no role-name conflict with the shipped names", () => {
        const problems = plan.conflicts
            .filter((c) => ["cnpg-managed-roles", "external-secret", "version"].includes(c.rule))
            .map((c) => `${c.type} ${c.name}`);
        assert.deepEqual(problems.sort(), [
            "Cluster cnpg-system/shared-postgres",
            "ExternalSecret cnpg-system/harbor-database",
            "ExternalSecret dragonfly/dragonfly-auth",
            // The seed's charts are behind the pins by more than one step (takeover-versions.spec.ts).
            "kubernetes:helm.sh/v3:Release cloudnative-pg",
            "kubernetes:helm.sh/v3:Release harbor",
        ]);
        assert.ok(!plan.conflicts.some((c) => c.rule === "role-name"));
        assert.match(
            plan.conflicts.find((c) => c.rule === "cnpg-managed-roles")?.problem ?? "",
            /spec\.managed\.roles declares harbor_app, gitlab_app/,
        );
    });

    it("reports a configured role that differs from the live one (gitlab_app configured where the cluster has gitlab)", async () => {
        // The committed run registers role gitlab_app; this inventory's cluster has "gitlab".
        const committed = await fixtureInfraRun();
        const inv = readInventory(FIXTURE);
        inv.postgres.roles = inv.postgres.roles.map((r) =>
            r.name === "gitlab_app" ? { ...r, name: "gitlab" } : r,
        );
        inv.postgres.databases = inv.postgres.databases.map((d) =>
            d.owner === "gitlab_app" ? { ...d, owner: "gitlab" } : d,
        );
        const other = buildPlan(committed.registrations, inv);
        const byName = (name: string) => other.conflicts.find((c) => c.name === name)?.problem;
        assert.equal(
            byName("gitlabhq_production"),
            'database "gitlabhq_production" is owned by "gitlab" but the stack configures owner "gitlab_app": set the tenant\'s role to "gitlab" in platform:tenants, or the update would ALTER DATABASE gitlabhq_production OWNER TO gitlab_app (and create a new role "gitlab_app")',
        );
        assert.match(
            byName("gitlab_app") ?? "",
            /^role "gitlab_app" does not exist; the live database "gitlabhq_production" belongs to "gitlab"/,
        );
    });

    it("advises only what the program accepts: a database owned by a reserved role is handed to the tenant's role, not the reverse", async () => {
        const committed = await fixtureInfraRun();
        const inv = readInventory(FIXTURE);
        inv.postgres.databases = inv.postgres.databases.map((d) =>
            d.name === "keycloak" ? { ...d, owner: "postgres" } : d,
        );
        const other = buildPlan(committed.registrations, inv);
        const found = other.conflicts.filter((c) => c.name === "keycloak" || c.name === "postgres");
        assert.deepEqual(
            found.map((c) => `${c.rule} ${c.severity}`),
            ["database-owner risk"],
        );
        assert.doesNotMatch(found[0]?.problem ?? "", /set the tenant's role/);
        assert.match(found[0]?.problem ?? "", /ALTER DATABASE keycloak OWNER TO keycloak;/);
        // The advice the ordinary case gives is a config the program accepts.
        const settings = fixtureSettings("infra");
        const tenants = settings["platform:tenants"] as { name: string; role?: string }[];
        const keycloak = tenants.find((t) => t.name === "keycloak");
        assert.ok(keycloak);
        keycloak.role = "postgres";
        assert.throws(() => parseConfig(toConfigMap(settings)), /reserved/);
    });

    it("reports two 1Password items under one title, and an item of another category, instead of adopting them", async () => {
        const committed = await fixtureInfraRun();
        const inv = readInventory(FIXTURE);
        const core = inv.onepassword.find((i) => i.title === "harbor-core");
        assert.ok(core);
        inv.onepassword.push({ ...core, id: "z9harborcoreduplicate00000" });
        inv.onepassword = inv.onepassword.map((i) =>
            i.title === "harbor-registry" ? { ...i, category: "PASSWORD" } : i,
        );
        const other = buildPlan(committed.registrations, inv);
        const problem = (name: string) =>
            other.conflicts.find((c) => c.name === name && c.rule.startsWith("onepassword"))
                ?.problem ?? "";
        assert.match(
            problem("harbor-core"),
            /^2 1Password items are titled "harbor-core" \(a1harborcore0000000000000a, z9harborcoreduplicate00000\)/,
        );
        assert.ok(!("harbor-core" in other.config["platform:takeover"].onepassword));
        assert.match(
            problem("harbor-registry"),
            /has category PASSWORD; the stack writes a LOGIN item/,
        );
    });

    it("lists the Flux and ExternalSecret steps with the exact objects, in order", () => {
        const steps = plan.manual.map((m) => m.step.split(/[:(,]/)[0]?.trim());
        assert.deepEqual(steps, [
            "Back up first",
            "Freeze Flux",
            "Remove spec.managed.roles from the Cluster",
            "Orphan and delete the ExternalSecrets that write Secrets the stack writes",
            "Copy the values Harbor runs with into the stack's own Secrets",
            "Recreate the adopted Secrets whose type differs",
            "In-tree → plugin backups of Cluster cnpg-system/shared-postgres",
            "In-tree → plugin backups of Cluster cnpg-system/shared-postgres",
            "In-tree → plugin backups of Cluster cnpg-system/shared-postgres",
            "Before any Kustomization runs again",
            "Right after `pulumi up` refreshed the robots' secrets",
            "Then switch the pull secrets no stack writes that use a robot of harbor.monosense.io",
            "After `pulumi up` succeeded",
            "Then delete the suspended HelmReleases",
        ]);
        assert.deepEqual(plan.manual[1]?.objects, [
            "Kustomization flux-system/cluster-infra-harbor",
            "Kustomization flux-system/cluster-infra-infrastructure",
            "HelmRelease cnpg-system/cloudnative-pg",
            "HelmRelease harbor/harbor",
        ]);
        assert.deepEqual(plan.manual[3]?.commands, [
            `kubectl patch externalsecret harbor-database -n cnpg-system --type=merge -p '{"spec":{"target":{"creationPolicy":"Orphan"}}}'`,
            "kubectl delete externalsecret harbor-database -n cnpg-system --cascade=orphan",
            `kubectl patch externalsecret dragonfly-auth -n dragonfly --type=merge -p '{"spec":{"target":{"creationPolicy":"Orphan"}}}'`,
            "kubectl delete externalsecret dragonfly-auth -n dragonfly --cascade=orphan",
        ]);
    });

    it("renders with the plan's config: every inventory object is imported, retained and force-applied, none created", () => {
        const live = (
            fixture("kubernetes.json") as {
                items: { kind: string; metadata: { name: string; namespace?: string } }[];
            }
        ).items;
        for (const r of run.registrations.filter(
            (x) => x.type.startsWith("kubernetes:") && x.custom,
        )) {
            const inputs = unwrap(r.inputs) as {
                kind?: string;
                metadata?: {
                    name?: string;
                    namespace?: string;
                    annotations?: Record<string, string>;
                };
            };
            const held = live.some(
                (o) =>
                    o.kind === inputs.kind &&
                    o.metadata.name === inputs.metadata?.name &&
                    o.metadata.namespace === inputs.metadata?.namespace,
            );
            if (!held) continue;
            const id = inputs.metadata?.namespace
                ? `${inputs.metadata.namespace}/${inputs.metadata.name ?? ""}`
                : inputs.metadata?.name;
            assert.equal(r.importId, id, `${r.type} ${r.name}`);
            assert.equal(r.retainOnDelete, true, `${r.type} ${r.name}`);
            assert.equal(
                inputs.metadata?.annotations?.["pulumi.com/patchForce"],
                "true",
                `${r.type} ${r.name}`,
            );
        }
        for (const a of plan.adopt.filter((x) => !x.type.startsWith("pulumi-nodejs:dynamic/"))) {
            const r = run.get(a.type, a.name);
            assert.equal(r.importId, a.id, `${a.type} ${a.name}`);
            assert.equal(r.retainOnDelete, true);
        }
        // The provider states the takeover settings (they override PULUMI_K8S_* variables).
        const provider = run.inputs("pulumi:providers:kubernetes", "infra");
        assert.equal(provider.upsertExistingObjects, "false");
        assert.equal(provider.enablePatchForce, "false");
    });

    it("generates no secret that exists and uses the item's value for the Secrets and the role", () => {
        for (const name of Object.keys(plan.config["platform:takeover"].secrets)) {
            assert.ok(!run.has("random:index/randomPassword:RandomPassword", name), name);
        }
        assert.equal(
            run.inputs("kubernetes:core/v1:Secret", "harbor-creds-secret-key").stringData &&
                (
                    run.inputs("kubernetes:core/v1:Secret", "harbor-creds-secret-key")
                        .stringData as Record<string, string>
                ).secretKey,
            "render-secret-harbor-secret-key",
        );
        // Read at `up` from the live Secret through the stack's Kubernetes provider (a read).
        const read = run.registrations.find((r) => r.name === "harbor-secret-key-in-use");
        assert.equal(read?.type, "kubernetes:core/v1:Secret");
        // The role gets the verifier of the value in use: the live cleartext keeps working.
        assert.equal(
            run.inputs("postgresql:index/role:Role", "harbor_app").password,
            scramSha256Verifier(
                "render-secret-harbor-db-password",
                Buffer.alloc(16, "render-secret-harbor-db-password-salt"),
            ),
        );
        assert.equal(
            run.inputs("postgresql:index/role:Role", "gitlab_app").password,
            scramSha256Verifier(
                "render-secret-kubernetes/infra/cloudnative-pg/gitlab/password",
                Buffer.alloc(16, "render-secret-gitlab-db-password-salt"),
            ),
        );
        // Still generated: secrets Flux's chart made itself and nothing else holds.
        assert.ok(run.has("random:index/randomPassword:RandomPassword", "harbor-xsrf-key"));
    });

    it("creates no 1Password title twice: every item under an existing title is imported", () => {
        const titles = (fixture("onepassword.json") as { title: string }[]).map((i) => i.title);
        const items = run.all("onepassword:index/item:Item");
        const seen = new Set<string>();
        for (const item of items) {
            const title = (unwrap(item.inputs) as { title: string }).title;
            assert.ok(!seen.has(title), `title ${title} written twice`);
            seen.add(title);
            if (titles.includes(title)) assert.ok(item.importId, `item ${title} would be created`);
        }
    });

    it("a rotation set after the takeover generates a new password again", async () => {
        const settings = fixtureSettings("infra");
        settings["platform:takeover"] = plan.config["platform:takeover"];
        const tenants = settings["platform:tenants"] as {
            name: string;
            passwordRotation?: string;
        }[];
        const harbor = tenants.find((t) => t.name === "harbor");
        assert.ok(harbor);
        harbor.passwordRotation = "2027-01";
        const rotated = await runStack("infra", toConfigMap(settings));
        assert.ok(rotated.has("random:index/randomPassword:RandomPassword", "harbor-db-password"));
        assert.ok(!rotated.has("random:index/randomPassword:RandomPassword", "gitlab-db-password"));
        // The deliberate rotation drops the marker's protection; the others stay protected.
        const marker = (r: Run, name: string) =>
            r.registrations.find(
                (x) =>
                    x.type === "platform:takeover:ValueInUse" && x.name === `${name}-value-in-use`,
            );
        assert.equal(marker(rotated, "harbor-db-password")?.protect, false);
        assert.equal(marker(rotated, "gitlab-db-password")?.protect, true);
    });

    it("marks every value taken over with a protected marker, so removing the setting stops preview instead of generating", () => {
        const markers = run.registrations
            .filter((r) => r.type === "platform:takeover:ValueInUse")
            .map((r) => `${r.name} ${String(r.protect)}`)
            .sort();
        assert.deepEqual(
            markers,
            Object.keys(plan.config["platform:takeover"].secrets)
                .map((n) => `${n}-value-in-use true`)
                .sort(),
        );
    });

    it("an empty inventory gives an empty plan, whose config renders exactly today's stack", async () => {
        const empty = tmpDir({});
        const { plan: none } = await planTakeover({
            stack: "infra",
            inventoryDir: empty,
        });
        assert.deepEqual(none.adopt, []);
        assert.deepEqual(none.conflicts, []);
        assert.deepEqual(none.manual, []);
        const settings = fixtureSettings("infra");
        settings["platform:takeover"] = none.config["platform:takeover"];
        const withEmpty = await runStack("infra", toConfigMap(settings));
        const today = await fixtureInfraRun();
        assert.deepEqual(withEmpty.registrations, today.registrations);
        assert.ok(!withEmpty.registrations.some((r) => r.importId !== undefined));
    });

    it("writes no pulumi import --file document: adoption goes through platform:takeover on up", async () => {
        const out = path.join(tmpDir({}), "plan.json");
        const res = await captured(() =>
            takeoverMain([
                "infra",
                "--inventory",
                FIXTURE,
                "--config",
                path.join(__dirname, "..", "Pulumi.infra.yaml"),
                "--out",
                out,
            ]),
        );
        assert.equal(res.status, 1, res.stderr);
        assert.match(
            res.stderr,
            /^takeover: \d+ blockers open; `pulumi up` would stop or lose data$/m,
        );
        assert.deepEqual(fs.readdirSync(path.dirname(out)), ["plan.json"]);
        const blockersFirst = res.stdout.indexOf("  blockers ");
        assert.ok(blockersFirst >= 0 && blockersFirst < res.stdout.indexOf("  expected: adopt "));
    });

    it("writes its config into the stack file itself: every comment and setting kept, Harbor's imports under platform:harborProjects", async () => {
        const file = fixtureFile("infra");
        const text = fs.readFileSync(file, "utf8");
        const written = await formattedWithPlanConfig(file, text, plan.config);
        const before = text.split("\n");
        const after = written.split("\n");
        // Only lines added: the original file is a subsequence of the written one.
        let i = 0;
        for (const line of after) if (line === before[i]) i++;
        assert.equal(i, before.length, `line ${i + 1} of the stack file changed: ${before[i]}`);
        const settings = readStackSettings(file, written);
        assert.deepEqual(settings["platform:takeover"], plan.config["platform:takeover"]);
        assert.deepEqual(
            (settings["platform:harborProjects"] as { imports?: unknown }).imports,
            plan.config["platform:harborProjects.imports"],
        );
        assert.ok(!("platform:harborProjects.imports" in settings));
        assert.throws(
            () =>
                writePlanConfig("Pulumi.x.yaml", "config:\n  platform:role: infra\n", plan.config),
            /^StackFileWriteError: Pulumi\.x\.yaml: the plan adopts Harbor projects, robots or the GC schedule, but the file has no platform:harborProjects/,
        );
    });

    describe("platform:takeover is validated like every key", () => {
        const problems = (takeover: unknown) => {
            const settings = fixtureSettings("infra");
            settings["platform:takeover"] = takeover;
            try {
                parseConfig(toConfigMap(settings));
                return [];
            } catch (e) {
                assert.ok(e instanceof ConfigError);
                return e.problems.map(formatProblem);
            }
        };
        it("rejects an item id that is not vaults/<uuid>/items/<uuid>", () => {
            assert.deepEqual(problems({ onepassword: { "harbor-core": "abc" } }), [
                'platform:takeover.onepassword.harbor-core = "abc": must be "vaults/<uuid>/items/<uuid>"',
            ]);
        });
        it("rejects a secret read from an item that is not taken over", () => {
            assert.deepEqual(
                problems({
                    secrets: { "harbor-secret-key": { item: "harbor-core", field: "secret_key" } },
                }),
                [
                    'platform:takeover.secrets.harbor-secret-key.item = "harbor-core": names no item in platform:takeover.onepassword (known: none); an existing secret is read from an item that is taken over',
                ],
            );
        });
        it("rejects an unknown setting", () => {
            assert.deepEqual(problems({ namespaces: [] }), [
                "platform:takeover.namespaces: is not a setting (known here: colocatedImports, helm, kubernetes, onepassword, postgres, secrets)",
            ]);
        });
    });

    describe("bad inventory files: one clear error each, naming the file", () => {
        const cases: [string, string, string][] = [
            ["postgres.json", "", "postgres.json: is empty (expected the JSON its command prints)"],
            ["helm.json", "{not json", "helm.json: is not JSON ("],
            [
                "kubernetes.json",
                '{"kind": "Pod", "items": []}',
                "kubernetes.json: not the expected shape: ",
            ],
            [
                "onepassword.json",
                '[{"id": "x", "title": "t", "vault": {"id": "y"}}]',
                "onepassword.json: not the expected shape: must be a 26-character item id at [0].id",
            ],
            [
                "harbor.json",
                '{"projects": [], "robots": [{"name": "robot$a"}]}',
                "harbor.json: not the expected shape: ",
            ],
            [
                "secrets.json",
                "{}",
                "secrets.json: unknown inventory file (known: kubernetes.json, helm.json, onepassword.json, postgres.json, harbor.json, cluster.json)",
            ],
        ];
        for (const [file, content, message] of cases) {
            it(`${file}: ${content === "" ? "empty" : content.slice(0, 30)}`, () => {
                const dir = tmpDir({ [file]: content });
                assert.throws(
                    () => readInventory(dir),
                    (e: unknown) => {
                        assert.ok(e instanceof InventoryError);
                        assert.equal(e.problems.length, 1);
                        assert.ok(e.problems[0]?.startsWith(message), e.problems[0]);
                        assert.ok(!e.message.includes("    at "), "no stack trace");
                        return true;
                    },
                );
            });
        }
        it("a missing inventory directory", () => {
            assert.throws(() => readInventory("/nonexistent/inventory"), {
                message:
                    "invalid inventory (1 problem):\n  - /nonexistent/inventory: no such inventory directory",
            });
        });
        it("two bad files give two errors", () => {
            const dir = tmpDir({ "helm.json": "", "postgres.json": "[]" });
            assert.throws(
                () => readInventory(dir),
                (e: unknown) => e instanceof InventoryError && e.problems.length === 2,
            );
        });
    });
});

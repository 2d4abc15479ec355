/**
 * The takeover plan's rule families, each catching a whole class, on the fixture inventory
 * (tests/fixtures/takeover, in the tools' output formats) and on pure inputs.
 *
 * Upstream behaviour pinned here:
 * - pulumi/pulumi-kubernetes provider/pkg/provider/diff.go (newest stored commit 94977969d,
 *   unchanged since v4.32.0; the project pins 4.34.2): `forceNewProperties`, a Secret's `.type`
 *   always replace-only, `.data`/`.stringData` unless `enableSecretMutable` or `immutable`.
 * - cloudnative-pg v1.26.1 internal/webhook/v1/cluster_webhook.go `validatePluginConfiguration`.
 * - cloudnative-pg/plugin-barman-cloud v0.13.0 web/docs/migration.md (ObjectStore, one atomic
 *   Cluster change, ScheduledBackups to method: plugin).
 * - 1Password/terraform-provider-onepassword v2.1.2 internal/provider/onepassword_item_data_source.go:
 *   custom fields only inside sections.
 * - goharbor/harbor-helm v1.16.4 templates/core/core-secret.yaml: `secretKey` lives in
 *   `<release>-core` unless existingSecretSecretKey; key `secret` is CORE_SECRET.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { buildPlan } from "../scripts/takeover-plan";
import { blockers } from "../scripts/takeover";
import { readInventory } from "../scripts/takeover-inventory";
import { forceNewPaths, valuesAt } from "../scripts/takeover/replace-only";
import { applied, cnpgPluginProblems, keptFields } from "../scripts/takeover/ssa";
import { readableField } from "../scripts/takeover/values";
import type { Plan } from "../scripts/takeover/types";
import { fixtureInfraRun } from "./mocks";

const FIXTURE = path.join(__dirname, "fixtures", "takeover");

describe("takeover rules", function () {
    this.timeout(60000);
    let plan: Plan;
    const byRule = (rule: string) => plan.conflicts.filter((c) => c.rule === rule);

    before(async () => {
        const committed = await fixtureInfraRun();
        plan = buildPlan(committed.registrations, readInventory(FIXTURE));
    });

    describe("replace-only fields (pulumi-kubernetes diff.go)", () => {
        it("a Secret's type is replace-only even with enableSecretMutable; its data only without it", () => {
            const secret = { apiVersion: "v1", kind: "Secret", type: "Opaque" };
            assert.deepEqual(forceNewPaths(secret, true), [
                ".metadata.name",
                ".metadata.namespace",
                ".type",
            ]);
            assert.deepEqual(forceNewPaths(secret, false).slice(2), [
                ".type",
                ".stringData",
                ".data",
            ]);
            assert.deepEqual(forceNewPaths({ ...secret, immutable: true }, true).slice(2), [
                ".type",
                ".stringData",
                ".data",
            ]);
            assert.deepEqual(forceNewPaths({ apiVersion: "v1", kind: "Service" }, true).slice(2), [
                ".spec.clusterIP",
            ]);
            assert.deepEqual(
                forceNewPaths({ apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster" }, true),
                [".metadata.name", ".metadata.namespace"],
            );
            assert.deepEqual(
                valuesAt({ spec: { c: [{ i: 1 }, { i: 2 }] } }, ".spec.c[*].i"),
                [1, 2],
            );
        });

        it("flags every adopted Secret whose live type differs, with the recreate step; none whose type matches", () => {
            const found = byRule("replace-only-field");
            assert.deepEqual(
                found.map((c) => c.name),
                ["cnpg-system/harbor-db-credentials"],
            );
            assert.equal(found[0]?.severity, "blocker");
            assert.match(
                found[0]?.problem ?? "",
                /^\.type live "Opaque", program "kubernetes\.io\/basic-auth"/,
            );
            const step = plan.manual.find((m) => m.step.startsWith("Recreate the adopted Secrets"));
            assert.deepEqual(step?.objects, ["Secret cnpg-system/harbor-db-credentials"]);
            assert.match(step?.commands[0] ?? "", /jq '\.type = "kubernetes\.io\/basic-auth"/);
        });

        it("records, per adopted object, the replace-only paths compared and that none differs but the flagged one", () => {
            const k8s = plan.adopt.filter(
                (a) => a.type.startsWith("kubernetes:") && !a.type.includes("helm.sh"),
            );
            assert.ok(k8s.length > 10);
            for (const a of k8s)
                assert.ok(a.replaceOnly?.checked.includes(".metadata.name"), a.name);
            const differing = k8s.filter((a) => (a.replaceOnly?.differing.length ?? 0) > 0);
            assert.deepEqual(
                differing.map((a) => `${a.id} ${a.replaceOnly?.differing.join(",") ?? ""}`),
                ["cnpg-system/harbor-db-credentials .type"],
            );
        });

        it("without enableSecretMutable every adopted Secret written with stringData would be replaced", async () => {
            const committed = await fixtureInfraRun();
            const regs = committed.registrations.map((r) =>
                r.type === "pulumi:providers:kubernetes"
                    ? { ...r, inputs: { ...r.inputs, enableSecretMutable: "false" } }
                    : r,
            );
            const other = buildPlan(regs, readInventory(FIXTURE));
            const names = other.conflicts
                .filter((c) => c.rule === "replace-only-field")
                .map((c) => c.name)
                .sort();
            assert.deepEqual(names, [
                "cnpg-system/harbor-db-credentials",
                "cnpg-system/shared-postgres-superuser",
                "dragonfly/dragonfly-auth",
            ]);
        });
    });

    describe("server-side apply and the CNPG webhook", () => {
        it("keeps the fields another manager owns that the program does not set", () => {
            const live = {
                apiVersion: "v1",
                kind: "X",
                metadata: {
                    name: "x",
                    managedFields: [
                        {
                            manager: "kustomize-controller",
                            fieldsV1: { "f:spec": { "f:a": {}, "f:b": { "f:c": {} } } },
                        },
                        { manager: "pulumi-kubernetes-abc", fieldsV1: { "f:spec": { "f:z": {} } } },
                    ],
                },
                spec: { a: 1, b: { c: 2 }, z: 3 },
            };
            const ours = { spec: { b: { d: 4 } } };
            assert.deepEqual(keptFields(live, ours), [
                { path: "spec.a", manager: "kustomize-controller" },
                { path: "spec.b.c", manager: "kustomize-controller" },
            ]);
            assert.deepEqual((applied(live, ours) as { spec: unknown }).spec, {
                a: 1,
                b: { c: 2, d: 4 },
                z: 3,
            });
        });

        it("refuses a WAL-archiver plugin beside barmanObjectStore, and two WAL archivers", () => {
            const plugin = (name: string) => ({ name, isWALArchiver: true });
            assert.deepEqual(
                cnpgPluginProblems({
                    spec: { backup: { barmanObjectStore: {} }, plugins: [plugin("a")] },
                }),
                [
                    'spec.plugins: Invalid value: ["a"]: Cannot enable a WAL archiver plugin when barmanObjectStore is configured',
                ],
            );
            assert.deepEqual(
                cnpgPluginProblems({ spec: { plugins: [plugin("a"), plugin("b")] } }),
                [
                    'spec.plugins: Invalid value: ["a","b"]: Cannot enable more than one WAL archiver plugin',
                ],
            );
            assert.deepEqual(
                cnpgPluginProblems({
                    spec: {
                        backup: { barmanObjectStore: {} },
                        plugins: [{ ...plugin("a"), enabled: false }],
                    },
                }),
                [],
            );
        });

        it("flags the adopted Cluster and orders the documented migration: ObjectStore, one atomic patch, in-tree ScheduledBackups", () => {
            const [c] = byRule("cnpg-webhook");
            assert.equal(c?.name, "cnpg-system/shared-postgres");
            assert.match(c?.problem ?? "", /keeps spec\.backup \(kustomize-controller\)/);
            const steps = plan.manual.filter((m) => m.step.startsWith("In-tree → plugin"));
            assert.equal(steps.length, 3);
            assert.match(
                steps[0]?.commands[0] ?? "",
                /^yq 'select\(\.kind == "ObjectStore" and \.metadata\.namespace == "cnpg-system" and \.metadata\.name == "shared-postgres-backups"\)' render\/infra\/manifests\.yaml \| kubectl apply --server-side/,
            );
            const patch = JSON.parse(
                /-p '(.*)'$/.exec(steps[1]?.commands[0] ?? "")?.[1] ?? "[]",
            ) as { op: string; path: string }[];
            assert.deepEqual(
                patch.map((p) => `${p.op} ${p.path}`),
                [
                    "remove /spec/backup/barmanObjectStore",
                    "remove /spec/backup/retentionPolicy",
                    "add /spec/plugins",
                ],
            );
            assert.deepEqual(steps[2]?.commands, [
                "kubectl delete scheduledbackup shared-postgres-backup -n cnpg-system",
                "kubectl delete scheduledbackup shared-postgres-weekly -n cnpg-system",
            ]);
        });
    });

    it("lists live objects of the stack's kinds in adopted namespaces it will not own, with their fate; owned and Helm's own are left out", () => {
        const found = byRule("not-owned-by-stack").map((c) => `${c.severity} ${c.type} ${c.name}`);
        assert.deepEqual(found.sort(), [
            "blocker ScheduledBackup cnpg-system/shared-postgres-backup",
            "blocker ScheduledBackup cnpg-system/shared-postgres-weekly",
            "risk Pooler cnpg-system/harbor-pooler-rw",
            "risk Secret cnpg-system/minio-credentials",
            "risk Secret harbor/harbor-core",
        ]);
    });

    it("Harbor robots: adopting refreshes the secret, so the pull secrets switch right after up, in order", () => {
        const [risk] = byRule("harbor-robot-secret");
        assert.equal(risk?.name, "robot$synergyflow+synergyflow-puller");
        assert.equal(risk?.severity, "risk");
        const steps = plan.manual.map((m) => m.step);
        const apps = steps.findIndex((s) => s.startsWith("Right after `pulumi up` refreshed"));
        const others = steps.findIndex((s) => s.startsWith("Then switch the pull secrets"));
        const flux = steps.findIndex((s) => s.startsWith("After `pulumi up` succeeded"));
        assert.ok(apps >= 0 && apps < others && others < flux, steps.join("\n"));
        // The gitlab pull secret belongs to an ExternalSecret reading the item the stack updates.
        assert.deepEqual(plan.manual[others]?.commands, [
            "kubectl annotate externalsecret harbor-pull -n gitlab force-sync=$(date +%s) --overwrite",
        ]);
    });

    it("1Password: a custom field outside any section is not readable by the provider", () => {
        const item = readInventory(FIXTURE).onepassword.find((i) => i.title === "harbor-core");
        assert.ok(item);
        assert.equal(readableField(item, "secret_key"), "outside-section");
        assert.equal(readableField(item, "admin_password"), "readable");
        assert.equal(readableField(item, "password"), "readable");
        assert.equal(readableField(item, "nope"), "missing");
    });

    it("an inventory of another cluster is a blocker naming both contexts", async () => {
        const committed = await fixtureInfraRun();
        const inv = readInventory(FIXTURE);
        inv.cluster = {
            context: "admin@apps",
            server: "https://10.25.12.10:6443",
            kubeSystemUid: "u",
        };
        const other = buildPlan(committed.registrations, inv);
        const [c] = other.conflicts.filter((x) => x.rule === "inventory-cluster");
        assert.equal(c?.severity, "blocker");
        assert.match(
            c?.problem ?? "",
            /captured with kubeconfig context "admin@apps".*context "admin@infra"/,
        );
    });

    it("the fixture's open blockers are exactly the rules CI expects (--expect-blockers)", () => {
        assert.deepEqual([...new Set(blockers(plan).map((c) => c.rule))].sort(), [
            "cnpg-managed-roles",
            "cnpg-webhook",
            "external-secret",
            "not-owned-by-stack",
            "replace-only-field",
            "version",
        ]);
    });

    it("blockers come first, and the command exits non-zero while one is open", () => {
        const severities = plan.conflicts.map((c) => c.severity);
        assert.deepEqual(severities, [...severities].sort());
        assert.ok(blockers(plan).length > 0);
    });
});

/**
 * No resource may fall back to a default provider: a forgotten Kubernetes provider would deploy
 * to whatever the ambient kubeconfig points at. Pulumi.yaml lists every package the program uses
 * under `pulumi:disable-default-providers` (a namespaced value in the project file is inherited by
 * every stack: pulumi/pulumi sdk/go/common/workspace, TestNamespacedConfigValuesAreInheritedCorrectly;
 * the engine then refuses a resource of a listed package without an explicit provider, pulumi/pulumi#8829),
 * and this spec checks both renders for a custom resource without one.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { fixtureInfraRun, PROJECT_DIR, runStack, type Registration, type Run } from "./mocks";

/** The package of a resource type token (`kubernetes:core/v1:Secret` → kubernetes). */
const pkg = (type: string) => type.split(":")[0] ?? "";

/**
 * Registrations that legitimately have no provider reference: provider resources themselves, the
 * stack, StackReferences (the engine's builtin), and dynamic resources, which always run on the
 * program's own `pulumi-nodejs` provider.
 */
function needsProvider(r: Registration): boolean {
    return (
        r.custom &&
        !r.type.startsWith("pulumi:providers:") &&
        r.type !== "pulumi:pulumi:StackReference" &&
        pkg(r.type) !== "pulumi-nodejs"
    );
}

const missing = (run: Run) =>
    run.registrations
        .filter((r) => needsProvider(r) && !r.provider)
        .map((r) => `${r.type}::${r.name}`);

const INFRA_OUTPUTS = {
    tenants: {
        gitlab: {
            host: "gitlab-pooler.cnpg-system.svc",
            port: 5432,
            role: "gitlab",
            databases: ["gitlabhq_production"],
            password: "render-secret-gitlab",
            global: true,
            service: "gitlab-pooler",
            namespace: "cnpg-system",
            sslmode: "require",
        },
    },
    harbor: { hostname: "harbor.monosense.io" },
    harborProjects: {
        projects: ["synergyflow", "kubekloud"],
        robotItems: {
            "synergyflow/synergyflow-puller": "harbor-robot-synergyflow",
            "kubekloud/kubekloud-puller": "harbor-robot-kubekloud",
        },
        pushRobots: [],
    },
};

describe("explicit providers", () => {
    let infra: Run;
    let apps: Run;
    before(async () => {
        infra = await fixtureInfraRun();
        apps = await runStack("apps", undefined, {
            "organization/platform/infra": INFRA_OUTPUTS,
        });
    });

    it("disables the default provider of every package the program uses, in Pulumi.yaml", () => {
        const project = YAML.parse(
            fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"),
        ) as { config: Record<string, { value?: string[] }> };
        // Namespaced keys in Pulumi.yaml take `value` (sdk/go/common/workspace/project.go refuses
        // a `default` or `type` on a key outside the project's namespace).
        const disabled = project.config["pulumi:disable-default-providers"]?.value ?? [];
        const used = new Set(
            [...infra.registrations, ...apps.registrations]
                .filter(needsProvider)
                .map((r) => pkg(r.type)),
        );
        assert.deepEqual([...used].sort(), [
            "kubernetes",
            "onepassword",
            "postgresql",
            "random",
            "tls",
        ]);
        assert.deepEqual([...disabled].sort(), [...used].sort());
        // Not "*": that would also deny pulumi-nodejs, the provider dynamic resources run on.
        assert.ok(!disabled.includes("*"));
    });

    it("gives every custom resource of the infra stack an explicit provider", () => {
        assert.deepEqual(missing(infra), []);
    });

    it("gives every custom resource of the apps stack an explicit provider", () => {
        assert.deepEqual(missing(apps), []);
    });

    it("passes an explicit provider to every provider function call", () => {
        for (const run of [infra, apps]) {
            const calls = run.result.invocations.filter((i) => !i.token.startsWith("pulumi:"));
            assert.ok(calls.length > 0);
            assert.deepEqual(
                calls.filter((i) => !i.provider).map((i) => i.token),
                [],
            );
        }
    });
});

/**
 * No resource may fall back to a default provider: a forgotten Kubernetes provider would deploy
 * to whatever the ambient kubeconfig points at. Pulumi.yaml lists every package the program uses
 * under `pulumi:disable-default-providers` (a namespaced value in the project file is inherited by
 * every stack: pulumi/pulumi sdk/go/common/workspace, TestNamespacedConfigValuesAreInheritedCorrectly;
 * the engine then refuses a resource of a listed package without an explicit provider, pulumi/pulumi#8829),
 * and this spec checks both renders for a custom resource without one, and that each one's provider
 * is the stack's explicit provider of its package.
 *
 * Components get the providers on their options (`providers`), never in their Args; children
 * registered with `parent` inherit them. @pulumi/pulumi 3.270.0 resource.js, Resource constructor:
 * a child starts from its parent's `__providers`, adds its own `providers`/`provider`, and a custom
 * resource without `provider` takes the entry of its package (the type token's first part), else
 * `parent.getProvider(type)`; runtime/invoke.js getProvider: an invoke without `provider` takes
 * `parent.getProvider(token)`. The first describe pins that behaviour.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { runProgram } from "../scripts/mock-runtime";
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

/**
 * `<type>::<name>` of the provider a registration or call points at: its reference is
 * `urn:pulumi:<stack>::<project>::<parent types$>type::<name>::<id>`.
 */
function providerOf(r: { provider?: string }): string {
    const parts = (r.provider ?? "").split("::");
    if (parts.length < 5) return "";
    return `${(parts[2] ?? "").split("$").pop() ?? ""}::${parts[3] ?? ""}`;
}

describe("providers by options (the SDK's inheritance, pinned)", () => {
    class Outer extends pulumi.ComponentResource {
        constructor(name: string, opts: pulumi.ComponentResourceOptions) {
            super("platform:test:Outer", name, {}, opts);
            new Inner(`${name}-inner`, { parent: this });
            new k8s.core.v1.ConfigMap(`${name}-cm`, {}, { parent: this });
            void onepassword.getVaultOutput({ name: "Infra" }, { parent: this });
            this.registerOutputs({});
        }
    }
    class Inner extends pulumi.ComponentResource {
        constructor(name: string, opts: pulumi.ComponentResourceOptions) {
            super("platform:test:Inner", name, {}, opts);
            new onepassword.Item(`${name}-item`, { vault: "v", title: "t" }, { parent: this });
            this.registerOutputs({});
        }
    }

    it("a component's providers reach every custom resource and invoke below it, by package", async () => {
        const result = await runProgram(
            () => {
                const k = new k8s.Provider("cluster", {});
                const op = new onepassword.Provider("op", {});
                new Outer("outer", { providers: [k, op] });
                return {};
            },
            { stack: "infra", config: {} },
        );
        const byName = (name: string) => result.registrations.find((r) => r.name === name);
        assert.equal(providerOf(byName("outer-cm") ?? {}), "pulumi:providers:kubernetes::cluster");
        assert.equal(
            providerOf(byName("outer-inner-item") ?? {}),
            "pulumi:providers:onepassword::op",
        );
        const vault = result.invocations.find((i) => i.token.startsWith("onepassword:"));
        assert.equal(providerOf(vault ?? {}), "pulumi:providers:onepassword::op");
    });

    it("no component's Args carries a provider", () => {
        const found: string[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const file = path.join(dir, e.name);
                if (e.isDirectory()) walk(file);
                else if (file.endsWith(".ts")) {
                    const text = fs.readFileSync(file, "utf8");
                    for (const m of text.matchAll(/interface (\w+Args)\b[^{]*\{([^}]*)\}/g)) {
                        if (/\bProvider(Resource)?\b/.test(m[2] ?? ""))
                            found.push(`${file}: ${m[1]}`);
                    }
                }
            }
        };
        walk(path.join(PROJECT_DIR, "components"));
        assert.deepEqual(found, []);
    });

    it("without them, a child has no explicit provider (which the engine refuses)", async () => {
        const result = await runProgram(
            () => {
                new Outer("bare", {});
                return {};
            },
            { stack: "infra", config: {} },
        );
        assert.equal(result.registrations.find((r) => r.name === "bare-cm")?.provider ?? "", "");
    });
});

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

    it("each custom resource and call uses the stack's provider of its package", () => {
        const expected = (role: string): Record<string, string> => ({
            kubernetes: `pulumi:providers:kubernetes::${role}`,
            onepassword: "pulumi:providers:onepassword::onepassword",
            postgresql: "pulumi:providers:postgresql::shared-postgres",
            random: "pulumi:providers:random::random",
            tls: "pulumi:providers:tls::tls",
        });
        for (const [role, run] of [
            ["infra", infra],
            ["apps", apps],
        ] as const) {
            const wrong = [
                ...run.registrations.filter(needsProvider),
                ...run.result.invocations.filter((i) => !i.token.startsWith("pulumi:")),
            ]
                .map((r) => {
                    const name = "type" in r ? `${r.type}::${r.name}` : r.token;
                    const want = expected(role)[pkg("type" in r ? r.type : r.token)];
                    return providerOf(r) === want ? "" : `${name}: ${providerOf(r)}, not ${want}`;
                })
                .filter((w) => w !== "");
            assert.deepEqual(wrong, [], role);
            // Each of those providers is registered once.
            const providers = run.registrations.filter((r) =>
                r.type.startsWith("pulumi:providers:"),
            );
            assert.equal(
                new Set(providers.map((r) => `${r.type}::${r.name}`)).size,
                providers.length,
            );
        }
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

// Builds the HarborConfig component under Pulumi's mock runtime and checks its wiring: type
// tokens, parents, dependsOn, and that robot secrets only ever travel as secrets.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { HarborConfig, HarborConfigArgs } from "../components/harbor-api";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

interface Transformed {
    type: string;
    name: string;
    opts: pulumi.CustomResourceOptions;
}

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) =>
        output.apply((value) => {
            resolve(value);
        }),
    );
}

/** Resolves once every child resource of the component has been registered. */
async function settled(component: HarborConfig): Promise<void> {
    await Promise.all([
        ...Object.values(component.projects).map((p) => valueOf(p.id)),
        ...Object.values(component.robots).flatMap((r) => [valueOf(r.fullName), valueOf(r.secret)]),
        ...Object.values(component.retentionPolicies).map((p) => valueOf(p.id)),
        valueOf(component.gcSchedule.id),
        valueOf(component.urn),
    ]);
}

function secretFor(inputs: Record<string, unknown>): string {
    return `generated-secret-${String(inputs.project)}-${String(inputs.name)}`;
}

function configArgs(overrides: Partial<HarborConfigArgs> = {}): HarborConfigArgs {
    return {
        apiUrl: "https://harbor.monosense.io/api/v2.0",
        username: "admin",
        password: pulumi.secret("admin-password"),
        gc: { schedule: "0 0 2 * * *" },
        projects: [
            {
                name: "synergyflow",
                public: false,
                storageQuotaGiB: 50,
                autoScan: true,
                preventVulnerable: { severity: "critical" },
                cosignEnforced: true,
                retention: { keepLatest: 10, schedule: "0 0 3 * * *" },
                robots: [
                    { name: "synergyflow-puller", permissions: ["pull"], expiresInDays: -1 },
                    {
                        name: "synergyflow-ci",
                        permissions: ["pull", "push"],
                        expiresInDays: 90,
                        rotation: "2025-01",
                    },
                ],
            },
            {
                name: "library",
                public: true,
                autoScan: true,
                cosignEnforced: false,
                robots: [],
            },
        ],
        ...overrides,
    };
}

class Dependency extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:Dependency", name, {});
    }
}

/** Records the options each child resource is constructed with (the component itself excluded). */
function recordChildren(into: Transformed[]): pulumi.ResourceTransformation {
    return (args) => {
        if (args.type !== "platform:harbor:Configuration") {
            into.push({
                type: args.type,
                name: args.name,
                opts: args.opts,
            });
        }
        return undefined;
    };
}

describe("HarborConfig (Pulumi mocks)", function () {
    this.timeout(20000);

    const registered: Registered[] = [];
    const transformed: Transformed[] = [];
    let config: HarborConfig;
    let dependency: pulumi.CustomResource;

    before(async () => {
        registered.length = 0;
        transformed.length = 0;
        await pulumi.runtime.setMocks(
            {
                newResource(args: pulumi.runtime.MockResourceArgs) {
                    const inputs = args.inputs as Record<string, unknown>;
                    registered.push({ type: args.type, name: args.name, inputs });
                    const state: Record<string, unknown> = { ...inputs };
                    if (args.type === "pulumi-nodejs:dynamic/harbor:Robot") {
                        state.robotId = 7;
                        state.fullName = `robot$${String(inputs.project)}+${String(inputs.name)}`;
                        state.secret = secretFor(inputs);
                        state.expiresAt = -1;
                    }
                    if (args.type === "pulumi-nodejs:dynamic/harbor:Project") {
                        state.projectId = 3;
                    }
                    const id =
                        args.type === "pulumi-nodejs:dynamic/harbor:Project"
                            ? String(inputs.name)
                            : `${args.name}-id`;
                    return { id, state };
                },
                call() {
                    return {};
                },
            },
            "platform",
            "harbor-mocks",
            false,
        );

        dependency = new Dependency("harbor-core");
        config = new HarborConfig("harbor", configArgs(), {
            dependsOn: [dependency],
            transformations: [recordChildren(transformed)],
        });
        await settled(config);
    });

    it("registers the dynamic resources under harbor type tokens", () => {
        const types = registered.map((r) => `${r.type} ${r.name}`).sort();
        assert.deepEqual(types, [
            "platform:harbor:Configuration harbor",
            "pulumi-nodejs:dynamic/harbor:GcSchedule harbor-gc",
            "pulumi-nodejs:dynamic/harbor:Project harbor-library",
            "pulumi-nodejs:dynamic/harbor:Project harbor-synergyflow",
            "pulumi-nodejs:dynamic/harbor:RetentionPolicy harbor-synergyflow-retention",
            "pulumi-nodejs:dynamic/harbor:Robot harbor-synergyflow-synergyflow-ci",
            "pulumi-nodejs:dynamic/harbor:Robot harbor-synergyflow-synergyflow-puller",
            "test:index:Dependency harbor-core",
        ]);
    });

    it("maps the project spec onto provider inputs", () => {
        const project = registered.find((r) => r.name === "harbor-synergyflow")!;
        assert.equal(project.inputs.storageQuotaBytes, 50 * 1024 ** 3);
        assert.equal(project.inputs.preventVulnerable, true);
        assert.equal(project.inputs.severity, "critical");
        assert.equal(project.inputs.cosignEnforced, true);
        assert.equal(project.inputs.apiUrl, "https://harbor.monosense.io/api/v2.0");
        const library = registered.find((r) => r.name === "harbor-library")!;
        assert.equal(library.inputs.storageQuotaBytes, -1);
        assert.equal(library.inputs.preventVulnerable, false);
        assert.equal(library.inputs.public, true);
        const ci = registered.find((r) => r.name === "harbor-synergyflow-synergyflow-ci")!;
        assert.deepEqual(ci.inputs.access, [
            { resource: "repository", action: "pull" },
            { resource: "repository", action: "push" },
        ]);
        assert.equal(ci.inputs.durationDays, 90);
        assert.equal(ci.inputs.rotation, "2025-01");
        assert.equal(ci.inputs.project, "synergyflow");
        const gc = registered.find((r) => r.name === "harbor-gc")!;
        assert.equal(gc.inputs.schedule, "0 0 2 * * *");
        const retention = registered.find((r) => r.name === "harbor-synergyflow-retention")!;
        assert.equal(retention.inputs.keepLatest, 10);
        assert.equal(retention.inputs.schedule, "0 0 3 * * *");
    });

    it("exposes robot full names and secrets keyed by project/robot", async () => {
        assert.deepEqual(Object.keys(config.robots).sort(), [
            "synergyflow/synergyflow-ci",
            "synergyflow/synergyflow-puller",
        ]);
        const puller = config.robots["synergyflow/synergyflow-puller"]!;
        assert.equal(await valueOf(puller.fullName), "robot$synergyflow+synergyflow-puller");
        assert.equal(await pulumi.isSecret(puller.fullName), false);
        assert.equal(
            await valueOf(puller.secret),
            "generated-secret-synergyflow-synergyflow-puller",
        );
    });

    it("keeps every robot secret a secret output", async () => {
        for (const robot of Object.values(config.robots)) {
            assert.equal(await pulumi.isSecret(robot.secret), true);
        }
    });

    it("never puts a robot secret into any resource's inputs", () => {
        const secrets = registered
            .filter((r) => r.type === "pulumi-nodejs:dynamic/harbor:Robot")
            .map((r) => secretFor(r.inputs));
        assert.equal(secrets.length, 2);
        for (const r of registered) {
            const text = JSON.stringify(r.inputs);
            for (const secret of secrets) {
                assert.ok(!text.includes(secret), `${r.name} carries a robot secret in its inputs`);
            }
        }
    });

    it("asks the engine to store robot secrets and the admin password as secrets", () => {
        const robots = transformed.filter((t) => t.type === "pulumi-nodejs:dynamic/harbor:Robot");
        assert.equal(robots.length, 2);
        for (const robot of robots) {
            assert.deepEqual(robot.opts.additionalSecretOutputs, ["secret", "password"]);
        }
        for (const t of transformed) {
            assert.ok(t.opts.additionalSecretOutputs?.includes("password"), t.name);
        }
    });

    it("parents every resource to the component and passes dependsOn through", () => {
        assert.equal(transformed.length, 6);
        for (const t of transformed) {
            assert.equal(t.opts.parent, config, t.name);
            assert.deepEqual(t.opts.dependsOn, [dependency], t.name);
        }
    });

    it("sets adopt (never the import option) for declared imports", async () => {
        const imported: Transformed[] = [];
        const adopted = new HarborConfig(
            "adopt",
            configArgs({
                imports: {
                    projects: ["synergyflow"],
                    robots: { "synergyflow/synergyflow-puller": 12 },
                    retentions: { synergyflow: 4 },
                    gcSchedule: true,
                },
            }),
            {
                transformations: [recordChildren(imported)],
            },
        );
        await settled(adopted);
        assert.ok(imported.every((t) => t.opts.import === undefined));
        const adopt = Object.fromEntries(
            registered
                .filter((r) => r.name.startsWith("adopt-"))
                .map((r) => [r.name, [r.inputs.adopt, r.inputs.adoptId]]),
        );
        assert.deepEqual(adopt, {
            "adopt-synergyflow": [true, undefined],
            "adopt-synergyflow-synergyflow-puller": [true, 12],
            "adopt-synergyflow-synergyflow-ci": [false, undefined],
            "adopt-synergyflow-retention": [true, 4],
            "adopt-library": [false, undefined],
            "adopt-gc": [true, undefined],
        });
    });

    it("rejects invalid specs before registering anything", () => {
        assert.throws(
            () => new HarborConfig("bad-gc", configArgs({ gc: { schedule: "0 2 * * *" } })),
            {
                message:
                    'Harbor GC schedule: "0 2 * * *" has 5 fields, but Harbor cron expressions ' +
                    'have 6 fields with seconds first; did you mean "0 0 2 * * *"?',
            },
        );
        assert.throws(
            () =>
                new HarborConfig(
                    "bad-projects",
                    configArgs({
                        projects: [
                            {
                                name: "a",
                                public: false,
                                autoScan: true,
                                cosignEnforced: false,
                                robots: [],
                            },
                            {
                                name: "a",
                                public: false,
                                autoScan: true,
                                cosignEnforced: false,
                                robots: [],
                            },
                        ],
                    }),
                ),
            { message: 'Harbor project "a" is declared more than once' },
        );
    });
});

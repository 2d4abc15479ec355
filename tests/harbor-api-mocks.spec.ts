// Builds the HarborConfig component under the project's mock runtime (scripts/mock-runtime.ts)
// and checks its wiring: type tokens, inputs, parents, dependsOn, secret outputs and adoption.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
    HarborConfig,
    HarborConfigArgs,
    HARBOR_SECRET_OUTPUTS,
    ROBOT_SECRET_OUTPUTS,
} from "../components/harbor-api";
import {
    SECRET_PREFIX,
    isSecretMarker,
    runProgram,
    unwrap,
    type Registration,
    type RunResult,
} from "../scripts/mock-runtime";

const COMPONENT = "platform:harbor:Configuration";
const PROJECT = "pulumi-nodejs:dynamic/harbor:Project";
const ROBOT = "pulumi-nodejs:dynamic/harbor:Robot";
const GC = "pulumi-nodejs:dynamic/harbor:GcSchedule";
const RETENTION = "pulumi-nodejs:dynamic/harbor:RetentionPolicy";
const DEPENDENCY = "test:index:Dependency";

/** Resource options a child resource is constructed with (recorded by a transformation). */
interface ChildOptions {
    type: string;
    name: string;
    opts: pulumi.CustomResourceOptions;
}

function configArgs(overrides: Partial<HarborConfigArgs> = {}): HarborConfigArgs {
    return {
        apiUrl: "https://harbor.monosense.io/api/v2.0",
        username: "admin",
        // Plain on purpose: the Harbor resources must mark it secret themselves.
        password: "admin-password",
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
        super(DEPENDENCY, name, {});
    }
}

interface Built {
    run: RunResult;
    children: ChildOptions[];
}

/** Runs a program that builds HarborConfig "harbor" (after a dependency) and exports its outputs. */
async function build(args: HarborConfigArgs): Promise<Built> {
    const children: ChildOptions[] = [];
    const run = await runProgram(
        () => {
            const dependency = new Dependency("harbor-core");
            const config = new HarborConfig("harbor", args, {
                dependsOn: [dependency],
                transformations: [
                    (t) => {
                        if (t.type !== COMPONENT) {
                            children.push({ type: t.type, name: t.name, opts: t.opts });
                        }
                        return undefined;
                    },
                ],
            });
            return { robots: config.robots, gcSchedule: config.gcSchedule.schedule };
        },
        { stack: "test", config: {} },
    );
    return { run, children };
}

function find(run: RunResult, type: string, name: string): Registration {
    const found = run.registrations.find((r) => r.type === type && r.name === name);
    assert.ok(found, `${type}::${name} was not registered`);
    return found;
}

function inputsOf(run: RunResult, type: string, name: string): Record<string, unknown> {
    return unwrap(find(run, type, name).inputs) as Record<string, unknown>;
}

describe("HarborConfig (mock runtime)", function () {
    this.timeout(20000);

    let built: Built;
    let run: RunResult;
    let harbor: Registration[];

    before(async () => {
        built = await build(configArgs());
        run = built.run;
        harbor = run.registrations.filter((r) =>
            r.type.startsWith("pulumi-nodejs:dynamic/harbor:"),
        );
    });

    it("registers the dynamic resources under harbor type tokens", () => {
        const types = run.registrations
            .filter((r) => r.type !== "pulumi:pulumi:Stack")
            .map((r) => `${r.type} ${r.name}`)
            .sort();
        assert.deepEqual(types, [
            `${COMPONENT} harbor`,
            `${GC} harbor-gc`,
            `${PROJECT} harbor-library`,
            `${PROJECT} harbor-synergyflow`,
            `${RETENTION} harbor-synergyflow-retention`,
            `${ROBOT} harbor-synergyflow-synergyflow-ci`,
            `${ROBOT} harbor-synergyflow-synergyflow-puller`,
            `${DEPENDENCY} harbor-core`,
        ]);
    });

    it("maps the project spec onto provider inputs", () => {
        const project = inputsOf(run, PROJECT, "harbor-synergyflow");
        assert.equal(project.name, "synergyflow");
        assert.equal(project.storageQuotaBytes, 50 * 1024 ** 3);
        assert.equal(project.preventVulnerable, true);
        assert.equal(project.severity, "critical");
        assert.equal(project.cosignEnforced, true);
        assert.equal(project.apiUrl, "https://harbor.monosense.io/api/v2.0");
        assert.equal(project.username, "admin");
        assert.equal(project.password, "admin-password");
        const library = inputsOf(run, PROJECT, "harbor-library");
        assert.equal(library.storageQuotaBytes, -1);
        assert.equal(library.preventVulnerable, false);
        assert.equal(library.public, true);
        const ci = inputsOf(run, ROBOT, "harbor-synergyflow-synergyflow-ci");
        assert.deepEqual(ci.access, [
            { resource: "repository", action: "pull" },
            { resource: "repository", action: "push" },
        ]);
        assert.equal(ci.durationDays, 90);
        assert.equal(ci.rotation, "2025-01");
        assert.equal(ci.project, "synergyflow");
        assert.equal(ci.description, "Managed by Pulumi (pull+push)");
        const gc = inputsOf(run, GC, "harbor-gc");
        assert.equal(gc.schedule, "0 0 2 * * *");
        const retention = inputsOf(run, RETENTION, "harbor-synergyflow-retention");
        assert.equal(retention.project, "synergyflow");
        assert.equal(retention.keepLatest, 10);
        assert.equal(retention.schedule, "0 0 3 * * *");
    });

    it("adopts nothing without imports", () => {
        assert.equal(harbor.length, 6);
        for (const r of harbor) {
            assert.equal(r.inputs.adopt, false, r.name);
            assert.equal(r.inputs.adoptId, undefined, r.name);
        }
    });

    it("registers the admin password as a secret input of every Harbor resource", () => {
        for (const r of harbor) {
            assert.ok(isSecretMarker(r.inputs.password), r.name);
        }
    });

    it("exports each robot's full name and secret keyed by project/robot", () => {
        const robots = run.outputs.robots as Record<string, { fullName: unknown; secret: unknown }>;
        assert.deepEqual(Object.keys(robots).sort(), [
            "synergyflow/synergyflow-ci",
            "synergyflow/synergyflow-puller",
        ]);
        for (const [key, robot] of Object.entries(robots)) {
            const [project, name] = key.split("/");
            assert.equal(robot.fullName, `robot$${project}+${name}`);
            // The mock gives each Robot resource the secret output render-secret-<resource name>.
            assert.equal(unwrap(robot.secret), `${SECRET_PREFIX}harbor-${project}-${name}`);
        }
    });

    it("asks the engine to store robot secrets and the admin password as secrets", () => {
        assert.equal(built.children.length, 6);
        for (const child of built.children) {
            assert.deepEqual(
                child.opts.additionalSecretOutputs,
                child.type === ROBOT ? [...ROBOT_SECRET_OUTPUTS] : [...HARBOR_SECRET_OUTPUTS],
                child.name,
            );
        }
    });

    it("parents every resource to the component and passes dependsOn through", () => {
        for (const r of harbor) {
            assert.equal(r.parent, `${COMPONENT}::harbor`, r.name);
            assert.ok(r.dependencies.includes(`${DEPENDENCY}::harbor-core`), r.name);
        }
        // Robots and retention wait for their project (its name is an input).
        for (const name of [
            "harbor-synergyflow-synergyflow-ci",
            "harbor-synergyflow-synergyflow-puller",
        ]) {
            assert.ok(
                find(run, ROBOT, name).dependencies.includes(`${PROJECT}::harbor-synergyflow`),
            );
        }
        assert.ok(
            find(run, RETENTION, "harbor-synergyflow-retention").dependencies.includes(
                `${PROJECT}::harbor-synergyflow`,
            ),
        );
    });

    it("sets adopt (never the import option) for declared imports", async () => {
        const adopted = await build(
            configArgs({
                imports: {
                    projects: ["synergyflow"],
                    robots: { "synergyflow/synergyflow-puller": 12 },
                    retentions: { synergyflow: 4 },
                    gcSchedule: true,
                },
            }),
        );
        assert.equal(adopted.children.length, 6);
        for (const child of adopted.children) {
            assert.equal(child.opts.import, undefined, child.name);
        }
        const adopt = Object.fromEntries(
            adopted.run.registrations
                .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/harbor:"))
                .map((r) => [r.name, [r.inputs.adopt, r.inputs.adoptId]]),
        );
        assert.deepEqual(adopt, {
            "harbor-synergyflow": [true, undefined],
            "harbor-synergyflow-synergyflow-puller": [true, 12],
            "harbor-synergyflow-synergyflow-ci": [false, undefined],
            "harbor-synergyflow-retention": [true, 4],
            "harbor-library": [false, undefined],
            "harbor-gc": [true, undefined],
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

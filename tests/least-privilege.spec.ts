/**
 * Least privilege in the config: pull-only robots behind pull secrets, per-application pull
 * secrets and ServiceAccounts, Pod Security levels.
 */
import { strict as assert } from "node:assert";
import { parseConfig } from "../components/config";
import { podSecurityLabels } from "../components/namespace";
import { pushRobots } from "../components/harbor/projects";
import { buildColocatedClusterSpec } from "../components/apps/spec";
import { onePasswordTransportWarning } from "../components/providers";
import {
    fixtureInfraRun,
    configProblems,
    runStack,
    fixtureConfig,
    fixtureSettings,
    toConfigMap,
} from "./mocks";

type Settings = Record<string, any>;

function problems(stack: string, edit: (s: Settings) => void): string[] {
    const s = structuredClone(fixtureSettings(stack)) as Settings;
    edit(s);
    return configProblems(toConfigMap(s));
}

const apps = (s: Settings) => s["platform:applications"] as Settings[];

describe("least privilege: Harbor robots", () => {
    it("refuses a project whose pull robot (its first) can push, as the seed's synergyflow-puller could", () => {
        assert.deepEqual(
            problems("infra", (s) => {
                s["platform:harborProjects"].projects[0].robots = [
                    { name: "synergyflow-puller", permissions: ["pull", "push"] },
                ];
            }),
            [
                'platform:harborProjects.projects[0].robots[0].permissions = ["pull","push"]: robot "synergyflow-puller" is project synergyflow\'s pull robot (item harbor-robot-synergyflow, the apps\' pull secrets) and must be [pull] only; declare a separate robot after it for CI pushes',
            ],
        );
    });

    it("ships a pull-only puller and a separate CI robot, and exports which robots can push", () => {
        const hp = parseConfig(fixtureConfig("infra")).harborProjects!;
        const synergyflow = hp.projects[0]!;
        assert.deepEqual(
            synergyflow.robots.map((r) => [r.name, r.permissions]),
            [
                ["synergyflow-puller", ["pull"]],
                ["synergyflow-ci", ["pull", "push"]],
            ],
        );
        assert.deepEqual(pushRobots(hp), ["synergyflow/synergyflow-ci"]);
    });

    it("exports the push robots so the apps stack never turns one into a pull secret", async () => {
        const run = await fixtureInfraRun();
        const hp = run.outputs.harborProjects as Record<string, unknown>;
        assert.deepEqual(hp.pushRobots, ["synergyflow/synergyflow-ci"]);
        assert.deepEqual(hp.robotItems, {
            "synergyflow/synergyflow-puller": "harbor-robot-synergyflow",
            "synergyflow/synergyflow-ci": "harbor-robot-synergyflow-synergyflow-ci",
            "kubekloud/kubekloud-puller": "harbor-robot-kubekloud",
        });
    });
});

describe("least privilege: pull secrets and ServiceAccounts per application", () => {
    it("defaults to harbor-pull on the default ServiceAccount and ships the seeds' names", () => {
        const cfg = parseConfig(fixtureConfig("apps"));
        const byName = Object.fromEntries(cfg.applications.map((a) => [a.name, a.pullSecret]));
        assert.deepEqual(byName.gitlab, { name: "harbor-pull", serviceAccounts: ["default"] });
        assert.deepEqual(byName.synergyflow, {
            name: "harbor-registry-secret",
            serviceAccounts: ["default"],
        });
        assert.deepEqual(byName["kubekloud-api"], {
            name: "harbor-regcred",
            serviceAccounts: ["kubekloud-api-sa"],
        });
    });

    it("rejects a bad secret name and an empty ServiceAccount list", () => {
        assert.deepEqual(
            problems("apps", (s) => {
                apps(s)[1]!.pullSecret = { name: "Harbor_Secret", serviceAccounts: [] };
            }),
            [
                "platform:applications[1].pullSecret.name = \"Harbor_Secret\": must be a Kubernetes object name: lowercase letters, digits, '-' and '.'",
                "platform:applications[1].pullSecret.serviceAccounts = []: must name at least one ServiceAccount",
            ],
        );
    });
});

describe("least privilege: Pod Security per application", () => {
    it("takes a level (warn and audit restricted) or {enforce, warn, audit}", () => {
        const cfg = parseConfig(
            toConfigMap(
                (() => {
                    const s = structuredClone(fixtureSettings("apps")) as Settings;
                    apps(s)[1]!.podSecurity = {
                        enforce: "baseline",
                        warn: "restricted",
                        audit: "baseline",
                    };
                    return s;
                })(),
            ),
        );
        assert.deepEqual(cfg.applications[0]?.podSecurity, {
            enforce: "baseline",
            warn: "restricted",
            audit: "restricted",
        });
        assert.deepEqual(cfg.applications[1]?.podSecurity, {
            enforce: "baseline",
            warn: "restricted",
            audit: "baseline",
        });
        // Shipped: the seeds' KubeKloud pods set no security context (seed 004).
        assert.deepEqual(cfg.applications[2]?.podSecurity, {
            enforce: "baseline",
            warn: "restricted",
            audit: "restricted",
        });
        const bare = parseConfig(
            toConfigMap({
                "platform:role": "apps",
                "platform:infraStack": "org/platform/infra",
                "platform:applications": [{ name: "web" }],
            }),
        );
        assert.deepEqual(bare.applications[0]?.podSecurity, {
            enforce: "restricted",
            warn: "restricted",
            audit: "restricted",
        });
    });

    it("labels audit separately from warn", () => {
        const l = podSecurityLabels("baseline", "restricted", "baseline");
        assert.equal(l["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(l["pod-security.kubernetes.io/warn"], "restricted");
        assert.equal(l["pod-security.kubernetes.io/audit"], "baseline");
    });

    it("refuses to enforce privileged on an application namespace", () => {
        const out = problems("apps", (s) => {
            apps(s)[1]!.podSecurity = { enforce: "privileged" };
        });
        assert.equal(out.length, 1);
        assert.match(out[0]!, /^platform:applications\[1\]\.podSecurity/);
    });
});

describe("availability: PodDisruptionBudgets of co-located clusters", () => {
    // CNPG 1.30.0 (as 1.26.1) internal/controller/cluster_create.go (reconcilePodDisruptionBudget): a primary
    // PDB with minAvailable 1 whenever enablePDB is true (default), so a single instance blocks drains.
    const cfg = parseConfig(fixtureConfig("apps"));
    const kubekloud = cfg.applications.find((a) => a.name === "kubekloud-api")!;
    const spec = (over: Record<string, unknown>) =>
        buildColocatedClusterSpec({
            ...kubekloud,
            postgres: { ...kubekloud.postgres!, ...over },
        });

    it("turns the PDB off for the shipped single-instance cluster so node drains proceed", () => {
        assert.equal(kubekloud.postgres?.instances, 1);
        assert.equal(buildColocatedClusterSpec(kubekloud).enablePDB, false);
    });

    it("keeps it from two instances on, and lets enablePDB override", () => {
        assert.equal(spec({ instances: 2 }).enablePDB, true);
        assert.equal(spec({ instances: 3 }).enablePDB, true);
        assert.equal(spec({ instances: 1, enablePDB: true }).enablePDB, true);
        assert.equal(spec({ instances: 3, enablePDB: false }).enablePDB, false);
    });
});

describe("secrets in transit", () => {
    it("warns when 1Password Connect is reached over plain HTTP, as the seed's http://opconnect.monosense.dev", () => {
        assert.equal(
            onePasswordTransportWarning("http://opconnect.monosense.dev"),
            "1Password Connect is reached over plain HTTP (http://opconnect.monosense.dev): its token can read and write the whole vault and every secret pushed crosses the network unencrypted; use https:// (TLS in front of Connect) or onepassword:serviceAccountToken / OP_SERVICE_ACCOUNT_TOKEN",
        );
        assert.equal(onePasswordTransportWarning("https://opconnect.monosense.dev"), undefined);
        assert.equal(onePasswordTransportWarning(undefined), undefined);
    });

    const admin = (over: Record<string, unknown>) => (s: Settings) => {
        Object.assign(s["platform:postgres"].admin, over);
    };

    it("requires the cluster's CA for verify-ca / verify-full, and a DNS name for verify-full", () => {
        assert.deepEqual(problems("infra", admin({ sslmode: "verify-full" })), [
            "platform:postgres.admin.sslrootcert: is required with sslmode verify-full: the path of the cluster's CA, e.g. kubectl -n cnpg-system get secret shared-postgres-ca -o jsonpath='{.data.ca\\.crt}' | base64 -d > shared-postgres-ca.crt",
            "platform:postgres.admin.host = \"127.0.0.1\": is an IP address, which CNPG's server certificate never names; with verify-full use a DNS name (e.g. localhost for a port-forward, or the LoadBalancer's name), which is added to the certificate",
        ]);
        assert.equal(problems("infra", admin({ sslmode: "verify-ca" })).length, 1);
    });

    it("connects verify-full with the CA file and puts the admin host into the server certificate", async () => {
        const s = structuredClone(fixtureSettings("infra")) as Settings;
        admin({ sslmode: "verify-full", host: "localhost", sslrootcert: "/etc/platform/ca.crt" })(
            s,
        );
        const run = await runStack("infra", toConfigMap(s));
        const p = run.inputs("pulumi:providers:postgresql", "shared-postgres");
        assert.equal(p.sslmode, "verify-full");
        assert.equal(p.sslrootcert, "/etc/platform/ca.crt");
        assert.equal(p.host, "localhost");
        const spec = run.inputs("kubernetes:postgresql.cnpg.io/v1:Cluster", "shared-postgres")
            .spec as Record<string, any>;
        assert.ok((spec.certificates.serverAltDNSNames as string[]).includes("localhost"));
    });
});

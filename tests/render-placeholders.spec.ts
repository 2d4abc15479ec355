/**
 * The apps render without infra outputs: its placeholders are what the infra stack would write for
 * the infra settings file (scripts/render.ts placeholderInfraOutputs, the same builder as
 * buildInfra), so a tenant and a Harbor project added on infra are usable by an application on
 * apps at once; a failure against them names the file they come from.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { buildInfraOutputs } from "../components/contract/infra-outputs-build";
import { infraOutputsSchema, type InfraOutputs } from "../components/contract/infra-outputs";
import { parseConfig } from "../components/config";
import { PlaceholderError, placeholderInfraOutputs, render } from "../scripts/render";
import {
    fixtureConfig,
    fixtureFile,
    fixtureInfraRun,
    fixtureSettings,
    PROJECT_DIR,
    unwrap,
} from "./mocks";

type Settings = Record<string, any>;
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), "placeholders-"));
const write = (name: string, settings: Settings) => {
    const file = path.join(DIR, name);
    fs.writeFileSync(file, YAML.stringify({ config: settings }));
    return file;
};

/** The infra fixture with tenant wiki (global pooler) and Harbor project wiki, budget raised. */
function infraWithWiki(): Settings {
    const s = structuredClone(fixtureSettings("infra")) as Settings;
    s["platform:tenants"].push({
        name: "wiki",
        role: "wiki_app",
        connectionLimit: 20,
        databases: [{ name: "wiki" }],
        pooler: { instances: 2, global: true, parameters: { default_pool_size: "10" } },
        clients: { appsNamespaces: ["wiki"] },
    });
    s["platform:harborProjects"].projects.push({
        name: "wiki",
        robots: [{ name: "wiki-puller", permissions: ["pull"] }],
    });
    s["platform:postgres"].maxConnections = 413;
    return s;
}

function appsWithWiki(): Settings {
    const s = structuredClone(fixtureSettings("apps")) as Settings;
    s["platform:knownTenants"].push("wiki");
    s["platform:applications"].push({ name: "wiki", tenant: "wiki", harborProject: "wiki" });
    return s;
}

describe("apps render placeholders from the infra settings", () => {
    it("are what the infra stack writes, with placeholder passwords", async () => {
        const placeholders = JSON.parse(
            JSON.stringify(placeholderInfraOutputs(PROJECT_DIR, fixtureFile("infra"))),
        ) as InfraOutputs;
        const run = await fixtureInfraRun();
        const written = infraOutputsSchema.parse(unwrap(run.result.outputs));
        const gitlab = placeholders.tenants.gitlab;
        assert.equal(gitlab?.password, "render-secret-infra-tenant-gitlab-password");
        assert.deepEqual(
            {
                ...placeholders,
                tenants: { ...placeholders.tenants, gitlab: { ...gitlab, password: "" } },
            },
            {
                ...written,
                tenants: {
                    ...written.tenants,
                    gitlab: { ...written.tenants.gitlab, password: "" },
                },
            },
        );
        assert.deepEqual(
            infraOutputsSchema.parse(
                buildInfraOutputs(parseConfig(fixtureConfig("infra")), () => "x"),
            ).harborProjects,
            placeholders.harborProjects,
        );
    });

    it("let an app use a tenant and a Harbor project just added on infra", async () => {
        const apps = await render({
            stack: "apps",
            configFile: write("Pulumi.apps.yaml", appsWithWiki()),
            infraConfigFile: write("Pulumi.infra.yaml", infraWithWiki()),
        });
        const docs = YAML.parseAllDocuments(apps.files["manifests.yaml"] ?? "").map(
            (d) => d.toJS() as Settings,
        );
        const secret = docs.find((d) => d.kind === "Secret" && d.metadata.name === "wiki-database");
        assert.equal(secret?.stringData.host, "wiki-pooler.cnpg-system.svc.cluster.local");
        assert.ok(
            docs.some(
                (d) =>
                    d.kind === "Service" &&
                    d.metadata.namespace === "cnpg-system" &&
                    d.metadata.name === "wiki-pooler",
            ),
        );
    });

    it("a tenant missing from the infra settings: the error says the outputs are placeholders from that file", async () => {
        const infraFile = write("Pulumi.infra.yaml", fixtureSettings("infra"));
        const appsFile = write("Pulumi.apps.yaml", appsWithWiki());
        await assert.rejects(
            render({
                stack: "apps",
                configFile: appsFile,
                infraConfigFile: infraFile,
            }),
            (e: unknown) =>
                e instanceof PlaceholderError &&
                e.message ===
                    "invalid configuration (2 problems):\n" +
                        `  - ${appsFile}:74:7: platform:applications[3] (wiki).harborProject = "wiki": is not a Harbor project of the infra stack "organization/platform/infra"; its projects: synergyflow, kubekloud (add it to platform:harborProjects on infra)\n` +
                        `  - ${appsFile}:73:7: platform:applications[3] (wiki).tenant = "wiki": is not a tenant of the infra stack "organization/platform/infra"; its tenants: gitlab, harbor, keycloak\n` +
                        `(no --infra-outputs: the infra stack "organization/platform/infra" above stands for placeholder outputs built from ${path.relative(process.cwd(), infraFile)}; add what is missing there, or render against real outputs with --infra-outputs)`,
        );
    });

    it("an invalid infra settings file is named as the cause, not the apps stack", () => {
        const bad = fixtureSettings("infra") as Settings;
        bad["platform:postgres"].maxConnections = 100;
        const file = write("Pulumi.bad-infra.yaml", bad);
        assert.throws(
            () => placeholderInfraOutputs(PROJECT_DIR, file),
            (e: unknown) =>
                e instanceof PlaceholderError &&
                e.message.startsWith(
                    `render: the apps stack's placeholder infra outputs come from ${path.relative(process.cwd(), file)}, which is not a valid infra config:\ninvalid configuration (1 problem):\n  - ${file}:48:5: platform:postgres.maxConnections = 100: `,
                ),
        );
        assert.throws(
            () => placeholderInfraOutputs(PROJECT_DIR, path.join(DIR, "Pulumi.none.yaml")),
            /which does not exist; pass --infra-outputs <json> or --infra-config <file>$/,
        );
    });
});

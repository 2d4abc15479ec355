/**
 * CI guard (.ci/run): `node --require ts-node/register/transpile-only scripts/ci-add-tenant.ts <dir>`
 *
 * Edits the stack files in <dir> (a copy of the checkout, never the checkout itself) as a user adds
 * a tenant and an application (docs/running.md "Add a tenant / an application"): tenant `wiki` with a
 * global pooler reached from the apps namespace `wiki`, a Harbor project `wiki` with a pull robot,
 * max_connections raised to what the program's budget asks, and on apps an application on that
 * tenant and project. Only the stack files change: an example is an overlay that holds only what
 * it adds (examples/restore-drill.yaml), so it needs no edit. `npm test` must then still pass: a
 * test that depends on the committed tenant or application list fails CI.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { requiredMaxConnections } from "./budget-required";
import { loadStackConfig } from "./render";

const TENANT = "wiki";

function edit(file: string, change: (doc: YAML.Document) => void): void {
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    change(doc);
    fs.writeFileSync(file, doc.toString({ flowCollectionPadding: false }));
}

function append(doc: YAML.Document, keys: string[], value: unknown): void {
    const list = doc.getIn(keys);
    if (!YAML.isSeq(list)) throw new Error(`${keys.join(".")} is not a list`);
    list.add(doc.createNode(value));
}

function addToInfra(doc: YAML.Document): void {
    const tenants = doc.getIn(["config", "platform:tenants"]);
    if (YAML.isSeq(tenants) && tenants.items.some((t) => YAML.isMap(t) && t.get("name") === TENANT))
        throw new Error(`tenant ${TENANT} exists already`);
    append(doc, ["config", "platform:tenants"], {
        name: TENANT,
        role: `${TENANT}_app`,
        connectionLimit: 20,
        databases: [{ name: TENANT }],
        pooler: {
            instances: 2,
            poolMode: "transaction",
            global: true,
            parameters: { default_pool_size: "10" },
        },
        clients: { appsNamespaces: [TENANT] },
    });
    if (doc.hasIn(["config", "platform:harborProjects", "projects"])) {
        append(doc, ["config", "platform:harborProjects", "projects"], {
            name: TENANT,
            public: false,
            robots: [{ name: `${TENANT}-puller`, permissions: ["pull"] }],
        });
    }
}

/** max_connections the program's budget asks for the edited file (the number its error names). */
function requiredConnections(projectDir: string, file: string): number {
    return requiredMaxConnections(
        loadStackConfig(path.join(projectDir, "Pulumi.yaml"), file).config,
    );
}

function raiseBudget(projectDir: string, file: string, doc: YAML.Document): void {
    const key = ["config", "platform:postgres", "maxConnections"];
    const current = Number(doc.getIn(key));
    const needed = requiredConnections(projectDir, file);
    if (needed > current) doc.setIn(key, needed);
}

function main(dir: string): void {
    const projectDir = path.resolve(dir);
    const infra = path.join(projectDir, "Pulumi.infra.yaml");
    edit(infra, addToInfra);
    edit(infra, (doc) => {
        raiseBudget(projectDir, infra, doc);
    });
    edit(path.join(projectDir, "Pulumi.apps.yaml"), (doc) => {
        const known = doc.getIn(["config", "platform:knownTenants"]);
        if (YAML.isSeq(known) && known.items.length > 0) known.add(doc.createNode(TENANT));
        append(doc, ["config", "platform:applications"], {
            name: TENANT,
            tenant: TENANT,
            database: TENANT,
            harborProject: TENANT,
        });
    });
    console.log(`ci-add-tenant: added tenant and application "${TENANT}" in ${dir}`);
}

const dir = process.argv[2];
if (!dir) {
    console.error("usage: scripts/ci-add-tenant.ts <directory of a copy of the checkout>");
    process.exit(2);
}
main(dir);

/**
 * The committed resource lists (stacks/<stack>.resources, scripts/resources.ts): one line per URN as
 * the engine forms it. The chain follows `createUrn` in pulumi/pulumi sdk/nodejs/resource.ts
 * (v3.259.0 source; the same in @pulumi/pulumi 3.270.0's resource.js): parent types joined by `$`,
 * the root Stack left out. The lists themselves are compared with a render in CI
 * (`npm run resources -- --check`), not here: adding a tenant is a change to them, and `npm test`
 * must stay green on a copy of the checkout with one added.
 */
import { strict as assert } from "node:assert";
import { listChanges, resourceLines, type ResourceRow } from "../scripts/resources";

const STACK = { type: "pulumi:pulumi:Stack", name: "platform-infra" };
const rows = (clusterParent: string): ResourceRow[] => [
    { ...STACK, parent: null },
    {
        type: "platform:postgres:Postgres",
        name: "postgres",
        parent: "pulumi:pulumi:Stack::platform-infra",
    },
    {
        type: "platform:postgres:Cluster",
        name: "shared",
        parent: "platform:postgres:Postgres::postgres",
    },
    {
        type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
        name: "shared-postgres",
        parent: clusterParent,
        protect: true,
    },
];

describe("resource list", () => {
    it("spells each URN with its parent types, the Stack left out, and marks protected ones", () => {
        assert.deepEqual(resourceLines(rows("platform:postgres:Cluster::shared")), [
            "platform:postgres:Postgres$platform:postgres:Cluster$kubernetes:postgresql.cnpg.io/v1:Cluster::shared-postgres [protect]",
            "platform:postgres:Postgres$platform:postgres:Cluster::shared",
            "platform:postgres:Postgres::postgres",
        ]);
    });

    it("shows a protected resource moved under another component as a removed and an added line", () => {
        const before = resourceLines(rows("platform:postgres:Cluster::shared"));
        const after = resourceLines(rows("platform:postgres:Postgres::postgres"));
        assert.deepEqual(listChanges(before, after), {
            removed: [
                "platform:postgres:Postgres$platform:postgres:Cluster$kubernetes:postgresql.cnpg.io/v1:Cluster::shared-postgres [protect]",
            ],
            added: [
                "platform:postgres:Postgres$kubernetes:postgresql.cnpg.io/v1:Cluster::shared-postgres [protect]",
            ],
        });
    });

    it("finds no change between a list and itself", () => {
        const lines = resourceLines(rows("platform:postgres:Cluster::shared"));
        assert.deepEqual(listChanges(lines, lines), { removed: [], added: [] });
    });
});

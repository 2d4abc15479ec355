/**
 * What `npm ci` says about engines. npm 11.19.1 (@npmcli/arborist 9.x,
 * lib/arborist/build-ideal-tree.js #checkEngineAndPlatform, with npm-install-checks checkEngine)
 * checks every non-optional package of the tree, the root included, against the Node that runs
 * npm (`process.version`; there is no setting for another) and warns EBADENGINE for each miss;
 * optional packages are skipped silently. npm may run on any Node the root's `engines` admits;
 * the project runs on the Node of the pinned `node` devDependency (node_modules/.bin).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { PROJECT_DIR } from "./mocks";

interface LockPackage {
    version?: string;
    optional?: boolean;
    engines?: { node?: string } | string[];
}

const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
const pkg = JSON.parse(read("package.json")) as {
    engines: { node: string };
    devDependencies: Record<string, string>;
};
const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, LockPackage> };

/** The packages npm warns about (EBADENGINE) when it runs on Node `version`. */
function warnedOn(version: string): string[] {
    const names: string[] = [];
    for (const [where, p] of Object.entries(lock.packages)) {
        const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
        if (p.optional || !range) continue;
        if (!semver.satisfies(version, range)) {
            names.push(where === "" ? "(root)" : where.replace(/^.*node_modules\//, ""));
        }
    }
    return names.sort();
}

describe("npm ci and engines", () => {
    const runtime = pkg.devDependencies.node ?? "";

    it("the Node that runs the project satisfies every package's engines", () => {
        assert.ok(semver.valid(runtime), `devDependencies.node is pinned: ${runtime}`);
        assert.deepEqual(warnedOn(runtime), []);
        assert.equal(
            lock.packages[""]?.engines && !Array.isArray(lock.packages[""].engines)
                ? lock.packages[""].engines.node
                : undefined,
            pkg.engines.node,
        );
    });

    it("npm on the oldest Node 22 the root admits is quiet", () => {
        assert.equal(pkg.engines.node, "^20.19.0 || >=22.13.0");
        assert.deepEqual(warnedOn("22.13.0"), []);
    });

    it("npm on the oldest Node 20 it admits warns once, for @pulumi/pulumi, as the README and CI say", () => {
        assert.deepEqual(warnedOn("20.19.0"), ["@pulumi/pulumi"]);
        // Older Nodes are outside the root's range: npm names the project itself first.
        assert.ok(warnedOn("20.18.0").includes("(root)"));
        assert.match(read("README.md"), /Node\.js 20\.19/);
        assert.match(read("README.md"), /`@pulumi\/pulumi`/);
        assert.match(read(".ci/run"), /EBADENGINE warning for @pulumi\/pulumi/);
    });
});

// The Harbor providers as Pulumi's dynamic-provider host runs them: serialized with their
// closures (pulumi.runtime.serializeFunction), loaded back and driven against an in-process
// fake Harbor API (tests/fake-harbor/).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { robotProvider } from "../components/harbor-api";
import { fake, rejectsWith, robotInputs, useFakeHarbor } from "./harbor-api-helpers";

describe("Harbor API providers (fake Harbor)", function () {
    this.timeout(10000);
    useFakeHarbor();

    describe("serialized provider", () => {
        it("still works after Pulumi serializes it with its closure", async function () {
            this.timeout(20000);
            fake.seedProject("synergyflow");
            // Same call as pulumi.dynamic.Resource makes for its provider argument.
            const original = robotProvider;
            const serialized = await pulumi.runtime.serializeFunction(() => original, {
                allowSecrets: true,
            });
            assert.doesNotMatch(serialized.text, /require\("@pulumi\/pulumi"\)/);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-provider-"));
            try {
                const file = path.join(dir, "provider.js");
                fs.writeFileSync(file, serialized.text);
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const loaded = require(file) as { handler: () => typeof robotProvider };
                const provider = loaded.handler();
                const created = await provider.create(robotInputs());
                assert.equal(created.outs!.fullName, "robot$synergyflow+synergyflow-puller");
                await rejectsWith(
                    provider.create(robotInputs()),
                    /already exists\. To adopt it instead of creating it, add it to platform:harborProjects\.imports/,
                );
                const adopted = await provider.create(robotInputs({ adopt: true }));
                assert.equal(adopted.id, created.id);
                assert.notEqual(adopted.outs!.secret, created.outs!.secret);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});

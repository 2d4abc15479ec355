/**
 * The infra stack the apps stack reads follows the organization it is deployed in: a bare stack
 * name in `platform:infraStack` is qualified with the running stack's organization and project
 * (`pulumi.getOrganization()`, `getProject()`), so the workflows' `vars.PULUMI_ORG` decides it
 * and the committed config names no organization.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { qualifiedInfraStack } from "../components/apps/config";
import { MOCK_ORGANIZATION } from "../scripts/mock-runtime";
import { render } from "../scripts/render";
import { PROJECT_DIR } from "./mocks";

describe("platform:infraStack", () => {
    it("a bare stack name takes the organization and project; longer names are used as written", () => {
        assert.equal(
            qualifiedInfraStack("infra", "monosense", "platform"),
            "monosense/platform/infra",
        );
        assert.equal(qualifiedInfraStack("acme/infra", "monosense", "platform"), "acme/infra");
        assert.equal(
            qualifiedInfraStack("acme/platform/infra-staging", "monosense", "platform"),
            "acme/platform/infra-staging",
        );
    });

    it("the shipped apps config names no organization: the StackReference takes the stack's", async () => {
        const settings = YAML.parse(
            fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.apps.yaml"), "utf8"),
        ) as {
            config: Record<string, unknown>;
        };
        assert.equal(settings.config["platform:infraStack"], "infra");
        const { result } = await render({ stack: "apps" });
        const refs = result.registrations.filter((r) => r.type === "pulumi:pulumi:StackReference");
        assert.deepEqual(
            refs.map((r) => r.name),
            [`${MOCK_ORGANIZATION}/platform/infra`],
        );
    });

    it("the workflows name every stack in the organization vars.PULUMI_ORG", () => {
        const dir = path.join(PROJECT_DIR, ".github", "workflows");
        for (const f of fs.readdirSync(dir)) {
            const names = [
                ...fs.readFileSync(path.join(dir, f), "utf8").matchAll(/stack-name: (.*)$/gm),
            ].map((m) => m[1]);
            for (const n of names)
                assert.match(n ?? "", /^\$\{\{ vars\.PULUMI_ORG \}\}\/platform\//, f);
        }
    });
});

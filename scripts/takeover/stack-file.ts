/**
 * Writes the plan's config into the stack settings file itself, keeping every comment and the
 * order of what is there (the `yaml` package's Document API edits the parsed document in place):
 * `platform:takeover` is set as a whole, and Harbor's adoption goes where the program reads it,
 * `platform:harborProjects` → `imports` (a top-level `platform:harborProjects.imports` would be an
 * unknown setting).
 */
import * as path from "node:path";
import * as prettier from "prettier";
import * as YAML from "yaml";
import type { Plan } from "./types";

export class StackFileWriteError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileWriteError";
    }
}

/** The stack file's text with the plan's config in it. */
export function withPlanConfig(file: string, text: string, config: Plan["config"]): string {
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0)
        throw new StackFileWriteError(`${file}: ${doc.errors[0]?.message ?? "is not YAML"}`);
    if (!YAML.isMap(doc.contents) && doc.contents !== null)
        throw new StackFileWriteError(`${file}: must be a map with a "config:" key`);
    if (!doc.has("config")) doc.set("config", doc.createNode({}));
    doc.setIn(["config", "platform:takeover"], doc.createNode(config["platform:takeover"]));
    const imports = config["platform:harborProjects.imports"];
    if (imports) {
        if (!doc.hasIn(["config", "platform:harborProjects"]))
            throw new StackFileWriteError(
                `${file}: the plan adopts Harbor projects, robots or the GC schedule, but the file has no platform:harborProjects to put them under (imports)`,
            );
        doc.setIn(["config", "platform:harborProjects", "imports"], doc.createNode(imports));
    }
    return doc.toString({ lineWidth: 0 });
}

/** `withPlanConfig`, then formatted as the project formats YAML (Prettier, its config). */
export async function formattedWithPlanConfig(
    file: string,
    text: string,
    config: Plan["config"],
): Promise<string> {
    // The file's own Prettier config, else the project's (a stack file kept elsewhere).
    const options =
        (await prettier.resolveConfig(file)) ??
        (await prettier.resolveConfig(path.join(__dirname, "..", "..", "Pulumi.yaml"))) ??
        {};
    return prettier.format(withPlanConfig(file, text, config), { ...options, parser: "yaml" });
}

/**
 * Takeover plan: `npm run takeover -- <stack> --inventory <dir> [--config <file>] [--out <file>]`
 *
 * Reads the inventory of the live system (scripts/takeover-inventory.ts), runs the stack's program
 * under the mock runtime exactly as the render does (with any `platform:takeover` removed, so the
 * run shows what would be created), and writes the plan JSON (`--out`, default
 * render/<stack>/takeover-plan.json), a `pulumi import --file` document beside it
 * (`<out>.import.json`), and a readable summary on stdout.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, parseConfig } from "../components/config";
import { describedError } from "../components/stack-file";
import { MIN_PULUMI_CLI } from "../components/takeover/config";
import { ProgramError, runProgram } from "./mock-runtime";
import { infraStackOutputs, loadStackConfig } from "./render";
import { buildPlan, type Plan } from "./takeover-plan";
import { InventoryError, readInventory } from "./takeover-inventory";
import { formattedWithPlanConfig, StackFileWriteError } from "./takeover/stack-file";

export async function planTakeover(opts: {
    stack: string;
    inventoryDir: string;
    configFile?: string;
    projectDir?: string;
}): Promise<{ plan: Plan }> {
    const projectDir = opts.projectDir ?? path.resolve(__dirname, "..");
    const inventory = readInventory(opts.inventoryDir);
    const stackFile = opts.configFile ?? path.join(projectDir, `Pulumi.${opts.stack}.yaml`);
    const { config, secretKeys, locate } = loadStackConfig(
        path.join(projectDir, "Pulumi.yaml"),
        stackFile,
    );
    config["platform:takeover"] = "{}";
    let cfg;
    try {
        cfg = parseConfig(config);
    } catch (e) {
        throw e instanceof ConfigError ? describedError(e, config, locate) : e;
    }
    const { stackOutputs } = infraStackOutputs(projectDir, cfg.infraStack);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(path.join(projectDir, "index")) as () => unknown;
    const result = await runProgram(program, {
        stack: opts.stack,
        config,
        secretKeys,
        stackOutputs,
    });
    const plan = buildPlan(result.registrations, inventory);
    return { plan };
}

/** Open blockers: `npm run takeover` exits 1 while there is one. */
export function blockers(plan: Plan): Plan["conflicts"] {
    return plan.conflicts.filter((c) => c.severity === "blocker");
}

/** The review: risks first (blockers, then risks), then values, then the expected adoptions. */
export function summary(plan: Plan): string {
    const risks = plan.conflicts.filter((c) => c.severity === "risk");
    const row = (c: Plan["conflicts"][number]) =>
        `    [${c.rule}] ${c.type} ${c.name}: ${c.problem}`;
    const lines = [
        `takeover plan (needs Pulumi CLI >= ${MIN_PULUMI_CLI}):`,
        `  blockers ${blockers(plan).length} (resolve, capture again, plan again):`,
        ...blockers(plan).map(row),
        `  risks ${risks.length}:`,
        ...risks.map(row),
        `  values kept ${plan.values.kept.length}:`,
        ...plan.values.kept.map((v) => `    ${v.secret} <- ${v.source}`),
        `  values regenerated ${plan.values.regenerated.length}:`,
        ...plan.values.regenerated.map((v) => `    ${v.secret}: ${v.blastRadius}`),
        `  expected: adopt ${plan.adopt.length}:`,
        ...plan.adopt.map((a) => `    ${a.type} ${a.name} <- ${a.id}`),
        `  manual steps ${plan.manual.length}:`,
        ...plan.manual.flatMap((m, i) => [
            `    ${i + 1}. ${m.step}`,
            ...m.commands.map((c) => `       $ ${c}`),
        ]),
    ];
    return `${lines.join("\n")}\n`;
}

/** The command; returns its exit code. */
export async function main(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            inventory: { type: "string" },
            config: { type: "string" },
            out: { type: "string" },
            "expect-blockers": { type: "string" },
            "write-config": { type: "boolean" },
            help: { type: "boolean", short: "h" },
        },
    });
    const stack = positionals[0];
    if (values.help || !stack || positionals.length > 1 || !values.inventory) {
        console.error(
            "usage: npm run takeover -- <stack> --inventory <dir> [--config <file>] [--out <file>] [--write-config] [--expect-blockers <rule,...>]",
        );
        return values.help ? 0 : 2;
    }
    const configFile = path.resolve(values.config ?? `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(configFile)) {
        console.error(`takeover: no stack settings file ${configFile} (pass --config <file>)`);
        return 2;
    }
    const { plan } = await planTakeover({
        stack,
        inventoryDir: values.inventory,
        configFile,
    });
    const out = path.resolve(values.out ?? path.join("render", stack, "takeover-plan.json"));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(plan, null, 2)}\n`);
    process.stdout.write(summary(plan));
    if (values["write-config"]) {
        // Into the stack file itself, comments kept; review it with `git diff` before `pulumi up`.
        const text = fs.readFileSync(configFile, "utf8");
        fs.writeFileSync(configFile, await formattedWithPlanConfig(configFile, text, plan.config));
        console.log(`wrote the plan's config into ${path.relative(process.cwd(), configFile)}`);
    }
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
    const open = blockers(plan).length;
    if (values["expect-blockers"] !== undefined) {
        // CI on a fixture with known blockers: exactly these rules are open, no other.
        const expected = [...new Set(values["expect-blockers"].split(",").filter(Boolean))].sort();
        const actual = [...new Set(blockers(plan).map((c) => c.rule))].sort();
        if (expected.join(",") === actual.join(",")) return 0;
        console.error(
            `takeover: open blockers are from rules ${actual.join(",") || "none"}, expected ${expected.join(",") || "none"}`,
        );
        return 1;
    }
    if (open > 0) {
        console.error(
            `takeover: ${open} blocker${open > 1 ? "s" : ""} open; \`pulumi up\` would stop or lose data`,
        );
        return 1;
    }
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            if (
                err instanceof InventoryError ||
                err instanceof ConfigError ||
                err instanceof StackFileWriteError
            )
                console.error(err.message);
            else if (err instanceof ProgramError)
                console.error(`takeover: the program failed:\n${err.message}`);
            else console.error(err instanceof Error ? err.message : String(err));
            process.exit(1);
        },
    );
}

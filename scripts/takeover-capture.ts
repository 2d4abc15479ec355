/**
 * Captures the takeover inventory from the live system with the standard tools:
 *
 *   npm run takeover:capture -- --context <kube context> --out <dir> \
 *     [--vault Infra] [--postgres cnpg-system/shared-postgres] \
 *     [--harbor-api https://harbor.monosense.io/api/v2.0 --harbor-password-ref op://Infra/harbor-core/admin_password]
 *
 * Needs kubectl (with the cnpg plugin), helm, op (signed in), jq-free. Writes kubernetes.json,
 * cluster.json, helm.json, onepassword.json, postgres.json and harbor.json into `--out`; no
 * secret value is written (scripts/takeover/capture.ts).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { capture, type Runner } from "./takeover/capture";

const run: Runner = (cmd, args, input) =>
    execFileSync(cmd, args, {
        encoding: "utf8",
        input,
        maxBuffer: 512 * 1024 * 1024,
        stdio: ["pipe", "pipe", "inherit"],
    });

function main(argv: string[]): number {
    const { values } = parseArgs({
        args: argv,
        options: {
            context: { type: "string" },
            out: { type: "string" },
            vault: { type: "string", default: "Infra" },
            postgres: { type: "string", default: "cnpg-system/shared-postgres" },
            "harbor-api": { type: "string" },
            "harbor-password-ref": { type: "string" },
        },
    });
    if (!values.context || !values.out) {
        console.error(
            "usage: npm run takeover:capture -- --context <kube context> --out <dir> [--vault <vault>] [--postgres <ns>/<cluster>] [--harbor-api <url> --harbor-password-ref <op://...>]",
        );
        return 2;
    }
    const files = capture(run, {
        context: values.context,
        vault: values.vault,
        postgres: values.postgres,
        harborApi: values["harbor-api"],
        harborPasswordRef: values["harbor-password-ref"],
    });
    fs.mkdirSync(values.out, { recursive: true });
    for (const [name, text] of Object.entries(files))
        fs.writeFileSync(path.join(values.out, name), text);
    console.log(`wrote ${Object.keys(files).join(", ")} to ${values.out}`);
    return 0;
}

if (require.main === module) {
    try {
        process.exit(main(process.argv.slice(2)));
    } catch (err) {
        console.error(`takeover:capture: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    }
}

/**
 * Render benchmark: `npm run bench [-- --runs <n>] [--sizes 3,50,200] [--apps 3,50,200]`
 *
 * Writes stack settings with more tenants (infra) and more applications (apps) than the committed
 * files, renders each in a fresh process exactly as `npm run render` does, and prints the median
 * CPU time (user + system, so that other load on the machine does not count) and wall time per
 * size, with each size's ratio to the smallest. The smallest size is the committed file itself.
 * Not a test: timings depend on the machine; the ratios are what to compare.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as YAML from "yaml";
import { requiredMaxConnections } from "./budget-required";

const PROJECT_DIR = path.resolve(__dirname, "..");

interface Settings {
    config: Record<string, unknown>;
}

function committed(stack: string): Settings {
    return YAML.parse(
        fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"),
    ) as Settings;
}

const pad = (i: number) => String(i).padStart(3, "0");

/**
 * The committed infra settings with tenants added up to `count`: each `bench<i>` has one database
 * and a 2-instance session pooler of 5 server connections per instance (within its limit of 10),
 * and max_connections grows with them so that the connection budget holds.
 */
export function infraSettings(count: number): Settings {
    const doc = committed("infra");
    const tenants = [...(doc.config["platform:tenants"] as Record<string, unknown>[])];
    const extra = Math.max(0, count - tenants.length);
    for (let i = 1; i <= extra; i++) {
        tenants.push({
            name: `bench${pad(i)}`,
            role: `bench${pad(i)}_app`,
            connectionLimit: 10,
            databases: [{ name: `bench${pad(i)}` }],
            pooler: {
                instances: 2,
                poolMode: "session",
                parameters: { default_pool_size: "5", max_client_conn: "50" },
            },
        });
    }
    const postgres = { ...(doc.config["platform:postgres"] as Record<string, unknown>) };
    const config = { ...doc.config, "platform:tenants": tenants, "platform:postgres": postgres };
    // max_connections as the program's own budget asks for it (components/postgres/budget.ts).
    postgres.maxConnections = Math.max(
        Number(postgres.maxConnections),
        requiredMaxConnections(toRaw(config)),
    );
    return { config };
}

/** The settings as the Pulumi runtime gives them: each `platform:<key>` a JSON string. */
function toRaw(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

/** The committed apps settings with applications added up to `count` (each pulls from Harbor). */
export function appsSettings(count: number): Settings {
    const doc = committed("apps");
    const apps = [...(doc.config["platform:applications"] as Record<string, unknown>[])];
    const extra = Math.max(0, count - apps.length);
    for (let i = 1; i <= extra; i++) {
        apps.push({ name: `bench-app${pad(i)}`, harborProject: "synergyflow" });
    }
    return { config: { ...doc.config, "platform:applications": apps } };
}

interface Sample {
    cpu: number;
    wall: number;
}

const CHILD_FLAG = "--bench-child";

/** Renders `stack` with `configFile` in a fresh process; the child reports its own CPU time. */
function renderOnce(stack: string, configFile: string, out: string): Sample {
    const started = process.hrtime.bigint();
    const child = spawnSync(
        process.execPath,
        [
            "--require",
            "ts-node/register/transpile-only",
            __filename,
            CHILD_FLAG,
            stack,
            configFile,
            out,
        ],
        { cwd: PROJECT_DIR, encoding: "utf8" },
    );
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.status !== 0) {
        throw new Error(`render of ${configFile} failed:\n${child.stderr}${child.stdout}`);
    }
    const cpu = Number(/^bench-cpu (\S+)$/m.exec(child.stdout)?.[1]);
    return { cpu, wall };
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

function sizes(text: string | undefined, fallback: number[]): number[] {
    if (!text) return fallback;
    return text.split(",").map((s) => {
        const n = Number.parseInt(s, 10);
        if (!Number.isInteger(n) || n < 1) throw new Error(`bench: bad size ${s}`);
        return n;
    });
}

function main(argv: string[]): number {
    const { values } = parseArgs({
        args: argv,
        options: {
            runs: { type: "string", default: "3" },
            sizes: { type: "string" },
            apps: { type: "string" },
            keep: { type: "string" },
        },
    });
    const runs = Number.parseInt(values.runs, 10);
    const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-"));
    const plans: {
        stack: string;
        label: string;
        sizes: number[];
        make: (n: number) => Settings;
    }[] = [
        {
            stack: "infra",
            label: "tenants",
            sizes: sizes(values.sizes, [3, 50, 200]),
            make: infraSettings,
        },
        {
            stack: "apps",
            label: "apps",
            sizes: sizes(values.apps, [3, 50, 200]),
            make: appsSettings,
        },
    ];
    const cases = plans.flatMap((p) =>
        p.sizes.map((n) => {
            const file = path.join(dir, `Pulumi.${p.stack}-${n}.yaml`);
            fs.writeFileSync(file, YAML.stringify(p.make(n)));
            return { ...p, n, file, samples: [] as Sample[] };
        }),
    );
    // Interleaved rounds, so that a change of load on the machine hits every size alike.
    for (let round = 0; round < runs; round++) {
        for (const c of cases) {
            c.samples.push(renderOnce(c.stack, c.file, path.join(dir, `render-${c.stack}-${c.n}`)));
        }
    }
    console.log(`median of ${runs} renders each (CPU = user + system of the render process)`);
    for (const p of plans) {
        const mine = cases.filter((c) => c.stack === p.stack);
        const base = mine[0];
        if (!base) continue;
        const baseCpu = median(base.samples.map((s) => s.cpu));
        for (const c of mine) {
            const cpu = median(c.samples.map((s) => s.cpu));
            const wall = median(c.samples.map((s) => s.wall));
            console.log(
                `${p.stack.padEnd(5)} ${String(c.n).padStart(4)} ${p.label.padEnd(7)} cpu ${cpu.toFixed(2).padStart(6)} s` +
                    `  wall ${wall.toFixed(2).padStart(6)} s  ×${(cpu / baseCpu).toFixed(2)} of ${base.n}`,
            );
        }
    }
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`settings and renders kept in ${dir}`);
    return 0;
}

/** Child: one render as `npm run render` does it, then its own CPU time. */
async function child(stack: string, configFile: string, out: string): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { render, findLeaks } = require("./render") as typeof import("./render");
    const { files } = await render({ stack, configFile });
    const leaks = findLeaks(files);
    if (leaks.length > 0) throw new Error(`secret values leaked:\n${leaks.join("\n")}`);
    fs.rmSync(out, { recursive: true, force: true });
    for (const [file, content] of Object.entries(files)) {
        const target = path.join(out, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
    }
    const usage = process.cpuUsage();
    console.log(`bench-cpu ${((usage.user + usage.system) / 1e6).toFixed(3)}`);
}

if (require.main === module) {
    const argv = process.argv.slice(2);
    if (argv[0] === CHILD_FLAG) {
        const [, stack = "", configFile = "", out = ""] = argv;
        child(stack, configFile, out).then(
            () => process.exit(0),
            (err: unknown) => {
                console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
                process.exit(1);
            },
        );
    } else {
        process.exit(main(argv));
    }
}

/**
 * The takeover capture on outputs recorded from the real tools (tests/fixtures/takeover-capture):
 * kubectl's JSON Lists with Secret data and a last-applied annotation, `op item get` with field
 * values, psql output recorded through a terminal (`\r\n`, as `kubectl cnpg psql` prints with its
 * default `--tty`: cloudnative-pg v1.26.1 internal/cmd/plugin/psql/cmd.go), Harbor API v2.0 JSON.
 * The files it writes are a valid inventory and hold none of the recorded secret values.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { capture, outputLines, psqlJson, type Runner } from "../scripts/takeover/capture";
import { readInventory } from "../scripts/takeover-inventory";

const REC = path.join(__dirname, "fixtures", "takeover-capture");
const recorded = (f: string) => fs.readFileSync(path.join(REC, f), "utf8");

/** Answers each command the capture runs with its recorded output; records the calls. */
function replay(): { run: Runner; calls: { cmd: string; args: string[]; input?: string }[] } {
    const calls: { cmd: string; args: string[]; input?: string }[] = [];
    const run: Runner = (cmd, args, input) => {
        calls.push({ cmd, args, input });
        const line = [cmd, ...args].join(" ");
        if (line.includes("config view")) return recorded("kubectl-config-view.json");
        if (line.includes("namespace kube-system")) return recorded("kube-system-uid.txt");
        if (cmd === "kubectl" && args.includes("cnpg")) {
            const db = args[args.indexOf("-d") + 1] ?? "";
            const query = args[args.length - 1] ?? "";
            if (query.includes("json_build_object(\n")) return recorded("psql-roles.txt");
            if (query.startsWith("SELECT datname")) return recorded("psql-datnames.txt");
            return recorded(`psql-ext-${db}.txt`);
        }
        if (cmd === "kubectl" && args.includes("get")) return recorded("kubectl-get.json");
        if (cmd === "helm") return recorded("helm-list.json");
        if (line.startsWith("op item list")) return recorded("op-item-list.json");
        if (line.startsWith("op item get")) return recorded(`op-item-get-${args[2] ?? ""}.json`);
        if (line.startsWith("op read")) return recorded("op-read.txt");
        if (cmd === "curl") {
            const url = args[args.length - 1] ?? "";
            if (url.includes("/projects")) return recorded("harbor-projects.json");
            if (url.includes("/robots")) return recorded("harbor-robots.json");
            return recorded("harbor-gc-schedule.json");
        }
        throw new Error(`unexpected command: ${line}`);
    };
    return { run, calls };
}

const OPTIONS = {
    context: "admin@infra",
    vault: "Infra",
    postgres: "cnpg-system/shared-postgres",
    harborApi: "https://harbor.monosense.io/api/v2.0",
    harborPasswordRef: "op://Infra/harbor-core/admin_password",
};

describe("takeover capture", () => {
    it("reads psql output recorded through a terminal: \\r\\n line ends removed", () => {
        assert.deepEqual(outputLines(recorded("psql-datnames.txt")), [
            "app",
            "harbor_registry",
            "postgres",
        ]);
        assert.deepEqual(psqlJson(recorded("psql-ext-harbor_registry.txt")), [
            { database: "harbor_registry", name: "plpgsql" },
            { database: "harbor_registry", name: "uuid-ossp" },
        ]);
        assert.throws(() => psqlJson("a\r\nb\r\n"), /psql printed 2 lines where one JSON value/);
    });

    it("writes an inventory the plan reads, with every extension of every database", () => {
        const { run } = replay();
        const files = capture(run, OPTIONS);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capture-"));
        for (const [name, text] of Object.entries(files))
            fs.writeFileSync(path.join(dir, name), text);
        const inv = readInventory(dir);
        assert.deepEqual(inv.cluster, {
            context: "admin@infra",
            server: "https://10.25.11.10:6443",
            kubeSystemUid: "2b7d6f1e-8c3a-4e5f-9a0b-1c2d3e4f5a6b",
        });
        assert.deepEqual(
            inv.postgres.extensions.map((e) => `${e.database}.${e.name}`),
            [
                "app.plpgsql",
                "harbor_registry.plpgsql",
                "harbor_registry.uuid-ossp",
                "postgres.plpgsql",
            ],
        );
        assert.deepEqual(
            inv.kubernetes.find((o) => o.metadata.name === "harbor-db-credentials")?.data,
            { password: "", username: "" },
        );
        const core = inv.onepassword.find((i) => i.title === "harbor-core");
        assert.equal(core?.fields?.find((f) => f.label === "secret_key")?.section, undefined);
        assert.equal(inv.harbor.robots[0]?.name, "robot$synergyflow+synergyflow-puller");
    });

    it("writes none of the recorded secret values, and passes Harbor's password on stdin only", () => {
        const { run, calls } = replay();
        const text = Object.values(capture(run, OPTIONS)).join("\n");
        for (const value of [
            "harbor-db-live-password",
            Buffer.from("harbor-db-live-password").toString("base64"),
            "minio-secret-live-value",
            Buffer.from("minio-secret-live-value").toString("base64"),
            "op-live-admin-password",
            "op-live-core-secret",
        ]) {
            assert.ok(!text.includes(value), `${value} written`);
        }
        const curl = calls.filter((c) => c.cmd === "curl");
        assert.equal(curl.length, 3);
        for (const c of curl) {
            assert.ok(!c.args.join(" ").includes("op-live-admin-password"));
            assert.equal(c.input, 'user = "admin:op-live-admin-password"\n');
        }
    });

    it("runs psql without a TTY or stdin, against the given context and cluster", () => {
        const { run, calls } = replay();
        capture(run, OPTIONS);
        const psql = calls.filter((c) => c.args[0] === "cnpg");
        assert.equal(psql.length, 5);
        for (const c of psql) {
            assert.deepEqual(c.args.slice(0, 9), [
                "cnpg",
                "psql",
                "--context",
                "admin@infra",
                "shared-postgres",
                "-n",
                "cnpg-system",
                "--tty=false",
                "--stdin=false",
            ]);
        }
        assert.ok(
            calls
                .filter((c) => c.cmd === "kubectl" && c.args[0] !== "cnpg")
                .every((c) => c.args[0] === "--context" && c.args[1] === "admin@infra"),
        );
    });
});

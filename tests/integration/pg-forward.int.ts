/**
 * .ci/pg-forward, the port-forward deploy.yml and drift.yml open for the SQL provider, against a
 * real PostgreSQL with CNPG's TLS layout (this tier's instance: its own CA, server certificate)
 * and a stand-in `kubectl` that hands out a CA and relays the port as `kubectl port-forward`
 * would (after a delay, so the wait is exercised). It runs on a copy of the checkout, whose stack
 * file it pins: verify-ca with the fetched CA. A listener whose certificate another CA signed is
 * refused, which is what keeps the superuser login from whatever else holds that port.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { PROJECT_DIR, renderFixture } from "../mocks";
import { clusterView, startInstance, type Instance } from "./cnpg-instance";
import { freePorts } from "./processes";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const answers = (port: number) =>
    new Promise<boolean>((resolve) => {
        const c = net.connect(port, "127.0.0.1");
        c.on("connect", () => {
            c.destroy();
            resolve(true);
        });
        c.on("error", () => resolve(false));
    });

const RELAY = `
const net = require("node:net");
const [local, target] = process.argv.slice(2).map(Number);
setTimeout(() => {
    net.createServer((c) => {
        const s = net.connect(target, "127.0.0.1");
        c.pipe(s).pipe(c);
        c.on("error", () => s.destroy());
        s.on("error", () => c.destroy());
    }).listen(local, "127.0.0.1");
}, 1500);
`;

const KUBECTL = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_DIR/kubectl.log"
case "$*" in
    *" get secret "*) base64 -w0 < "$FAKE_CA" ;;
    *" port-forward "*) exec node "$FAKE_DIR/relay.js" "\${5%%:*}" "$FAKE_TARGET" ;;
    *) echo "unexpected: $*" >&2; exit 1 ;;
esac
`;

describe("integration tier: the port-forward to PostgreSQL (.ci/pg-forward)", function () {
    this.timeout(120000);
    let instance: Instance;
    let work: string;
    let copy: string;
    let port: number;

    before(async () => {
        const { result } = await renderFixture("infra");
        instance = await startInstance(clusterView(result.registrations), "app-password");
        work = fs.mkdtempSync(path.join(os.tmpdir(), "pg-forward-"));
        copy = path.join(work, "checkout");
        const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: PROJECT_DIR }).toString();
        for (const f of tracked.split("\0").filter(Boolean)) {
            if (!fs.existsSync(path.join(PROJECT_DIR, f))) continue;
            fs.mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
            fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(copy, f));
        }
        fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(copy, "node_modules"));
        [port] = (await freePorts(1)) as [number];
        const stackFile = path.join(copy, "Pulumi.infra.yaml");
        const doc = YAML.parseDocument(fs.readFileSync(stackFile, "utf8"));
        doc.setIn(["config", "platform:postgres", "admin", "port"], port);
        fs.writeFileSync(stackFile, doc.toString());
        fs.mkdirSync(path.join(work, "bin"));
        fs.writeFileSync(path.join(work, "bin", "kubectl"), KUBECTL, { mode: 0o755 });
        fs.writeFileSync(path.join(work, "relay.js"), RELAY);
    });
    after(() => {
        instance?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    const run = (args: string[], ca: string, state: string, wait = "10") =>
        spawnSync("bash", [path.join(copy, ".ci", "pg-forward"), ...args], {
            cwd: copy,
            encoding: "utf8",
            env: {
                ...process.env,
                PATH: `${path.join(work, "bin")}:${path.join(copy, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
                FAKE_DIR: work,
                FAKE_CA: ca,
                FAKE_TARGET: String(instance.port),
                PG_FORWARD_DIR: state,
                PG_FORWARD_WAIT: wait,
            },
        });

    it("forwards, waits until PostgreSQL answers with a certificate of the cluster's CA, pins verify-ca, stops", async () => {
        const state = path.join(work, "state-ok");
        const res = run(["start", "infra"], path.join(instance.certDir, "ca.crt"), state);
        assert.equal(res.status, 0, res.stdout + res.stderr);
        assert.match(
            res.stdout,
            new RegExp(
                `pg-forward: cnpg-system/shared-postgres-rw on 127\\.0\\.0\\.1:${port}, certificate verified with cnpg-system/shared-postgres-ca`,
            ),
        );
        assert.deepEqual(
            fs.readFileSync(path.join(work, "kubectl.log"), "utf8").trim().split("\n"),
            [
                "-n cnpg-system get secret shared-postgres-ca -o jsonpath={.data.ca\\.crt}",
                `-n cnpg-system port-forward svc/shared-postgres-rw ${port}:5432 --address 127.0.0.1`,
            ],
        );
        const admin = YAML.parse(fs.readFileSync(path.join(copy, "Pulumi.infra.yaml"), "utf8"))
            .config["platform:postgres"].admin;
        assert.deepEqual(admin, {
            host: "127.0.0.1",
            port,
            sslmode: "verify-ca",
            sslrootcert: path.join(state, "shared-postgres-ca.crt"),
        });
        const stop = run(["stop"], "", state);
        assert.equal(stop.status, 0, stop.stderr);
        assert.equal(stop.stdout.trim(), "pg-forward: stopped");
        assert.ok(!fs.existsSync(path.join(state, "forward.pid")));
        // Nothing listens there any more.
        for (let i = 0; i < 20 && (await answers(port)); i++) await sleep(100);
        assert.equal(await answers(port), false);
    });

    it("refuses a server whose certificate another CA signed", () => {
        const other = path.join(work, "other-ca");
        fs.mkdirSync(other);
        execFileSync("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path.join(other, "ca.key"), "-out", path.join(other, "ca.crt"),
            "-days", "1", "-subj", "/CN=shared-postgres",
        ], { stdio: "ignore" }); // prettier-ignore
        const state = path.join(work, "state-bad");
        const res = run(["start", "infra"], path.join(other, "ca.crt"), state, "3");
        assert.equal(res.status, 1, res.stdout);
        assert.match(
            res.stderr,
            new RegExp(
                `^pg-forward: PostgreSQL did not answer with a certificate of cnpg-system/shared-postgres-ca on 127\\.0\\.0\\.1:${port}$`,
                "m",
            ),
        );
        run(["stop"], "", state);
    });
});

/**
 * Process plumbing for the integration tier: PostgreSQL and PgBouncer refuse to run as root, so
 * when the tier runs as root (CI) they run as the `postgres` OS user (runuser) in a temporary
 * directory owned by it; otherwise as the current user. Everything listens on 127.0.0.1 only.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const IS_ROOT = process.getuid?.() === 0;
/** The OS user that owns the data directory and runs the servers. */
export const SERVER_USER = IS_ROOT ? "postgres" : os.userInfo().username;

function ids(): { uid: number; gid: number } | undefined {
    if (!IS_ROOT) return undefined;
    const out = spawnSync("id", ["-u", SERVER_USER], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", SERVER_USER], { encoding: "utf8" });
    if (out.status !== 0) {
        throw new Error(
            `running as root needs the OS user "${SERVER_USER}" (the postgresql package creates it)`,
        );
    }
    return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** A fresh directory owned by the server user. */
export function serverDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const owner = ids();
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    return dir;
}

/** Writes a file owned by the server user (keys: mode 0600, as PostgreSQL requires). */
export function writeServerFile(file: string, content: string, mode = 0o644): void {
    fs.writeFileSync(file, content, { mode });
    fs.chmodSync(file, mode);
    const owner = ids();
    if (owner) fs.chownSync(file, owner.uid, owner.gid);
}

export function chownToServer(target: string): void {
    const owner = ids();
    if (!owner) return;
    const walk = (p: string) => {
        fs.chownSync(p, owner.uid, owner.gid);
        if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    };
    walk(target);
}

function asServer(cmd: string, args: string[]): [string, string[]] {
    return IS_ROOT ? ["runuser", ["-u", SERVER_USER, "--", cmd, ...args]] : [cmd, args];
}

/** Runs a command as the server user; throws with its output when it fails. */
export function runAsServer(
    cmd: string,
    args: string[],
    opts: { input?: string; cwd?: string } = {},
): string {
    const [c, a] = asServer(cmd, args);
    const res = spawnSync(c, a, { encoding: "utf8", input: opts.input, cwd: opts.cwd });
    if (res.error) throw res.error;
    if (res.status !== 0) {
        throw new Error(
            `${cmd} ${args.join(" ")} exited ${res.status}:\n${res.stdout}${res.stderr}`.trim(),
        );
    }
    return res.stdout;
}

/** Starts a long-running command as the server user; its output is collected. */
export function spawnAsServer(
    cmd: string,
    args: string[],
    cwd: string,
): { child: ChildProcess; output: () => string } {
    const [c, a] = asServer(cmd, args);
    const child = spawn(c, a, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    return { child, output: () => out };
}

/** `n` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(n: number): Promise<number[]> {
    const servers: net.Server[] = [];
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
        const s = net.createServer();
        await new Promise<void>((resolve, reject) => {
            s.once("error", reject);
            s.listen(0, "127.0.0.1", resolve);
        });
        servers.push(s);
        ports.push((s.address() as net.AddressInfo).port);
    }
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
}

/** Resolves once 127.0.0.1:port accepts a TCP connection; rejects when `alive()` turns false. */
export async function waitForPort(
    port: number,
    alive: () => boolean,
    timeoutMs = 15000,
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const sock = net.connect(port, "127.0.0.1");
            sock.once("connect", () => {
                sock.destroy();
                resolve(true);
            });
            sock.once("error", () => resolve(false));
        });
        if (ok) return;
        if (!alive()) throw new Error(`process for port ${port} exited`);
        if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

/** The newest PostgreSQL major under /usr/lib/postgresql (Debian's layout). */
export function postgresBinDir(): { bin: string; major: number } {
    const root = "/usr/lib/postgresql";
    const majors = fs.existsSync(root)
        ? fs
              .readdirSync(root)
              .map(Number)
              .filter(
                  (n) =>
                      Number.isInteger(n) &&
                      fs.existsSync(path.join(root, String(n), "bin", "postgres")),
              )
              .sort((a, b) => b - a)
        : [];
    const major = majors[0];
    if (major === undefined) {
        throw new Error(
            "no PostgreSQL server under /usr/lib/postgresql/*/bin: apt-get install postgresql postgresql-contrib",
        );
    }
    return { bin: path.join(root, String(major), "bin"), major };
}

export function commandExists(cmd: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

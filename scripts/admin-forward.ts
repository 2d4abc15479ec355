/**
 * The port-forward to PostgreSQL that the deploy and drift jobs open for the SQL provider
 * (.ci/pg-forward; docs/running.md "Reaching PostgreSQL for the SQL provider").
 *
 *   npm run --silent admin-forward -- <stack>                 the forward's facts, as key=value lines
 *   npm run --silent admin-forward -- <stack> --pin-ca <file> and the stack file set to verify-ca
 *
 * The facts come from the stack's own config (the cluster's name and namespace, admin.host and
 * admin.port), parsed as the program parses them: the Service `<cluster>-rw`, the CA Secret
 * `<cluster>-ca` (CNPG's self-signed CA, key `ca.crt`). `forward=false` when the admin host is not
 * the loopback address (a LoadBalancer, or a stack without PostgreSQL): nothing to forward.
 *
 * `--pin-ca` rewrites `platform:postgres.admin` of this checkout's stack file (comments kept) to
 * `sslmode: verify-ca` with `sslrootcert: <absolute path of file>`, so the provider takes the
 * superuser login only to a server whose certificate the cluster's CA signed. The provider
 * (terraform-provider-postgresql v1.26.0, bridged by @pulumi/postgresql 3.18.1) passes both as
 * parameters of its connection URL to lib/pq v1.10.9 (`postgresql/config.go` connParams), which
 * opens sslrootcert as a path from the provider's own process: hence an absolute one. verify-ca, not verify-full: the forward
 * arrives on 127.0.0.1, which CNPG's certificates do not name, and adding it would change the
 * Cluster's spec from CI.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { parseStackConfig } from "../components/stack-file";
import { loadStackConfig } from "./render";

export interface ForwardFacts {
    forward: boolean;
    namespace: string;
    service: string;
    caSecret: string;
    port: number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** What the forward needs, from a stack's settings file. */
export function forwardFacts(projectDir: string, stack: string): ForwardFacts {
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    const { config, secretKeys } = loadStackConfig(path.join(projectDir, "Pulumi.yaml"), stackFile);
    const cfg = parseStackConfig(config, (k) => secretKeys.includes(k));
    const pg = cfg.role === "infra" ? cfg.postgres : undefined;
    if (!pg) return { forward: false, namespace: "", service: "", caSecret: "", port: 0 };
    return {
        forward: LOOPBACK.has(pg.admin.host),
        namespace: pg.namespace,
        service: `${pg.name}-rw`,
        caSecret: `${pg.name}-ca`,
        port: pg.admin.port,
    };
}

/**
 * The stack file with `platform:postgres.admin` set to verify the server with `caFile`: only
 * those two values are written (or their lines added), the rest of the text stays as it is.
 */
export function pinCa(stackFileText: string, caFile: string): string {
    const admin = ["config", "platform:postgres", "admin"];
    const scalar = (v: string) => (/^[\w./@-]+$/.test(v) ? v : JSON.stringify(v));
    let text = stackFileText;
    for (const [key, value] of [
        ["sslmode", "verify-ca"],
        ["sslrootcert", caFile],
    ] as const) {
        const doc = YAML.parseDocument(text);
        const map = doc.getIn(admin, true);
        if (!YAML.isMap(map) || !map.range) {
            throw new Error("admin-forward: the stack file has no platform:postgres.admin");
        }
        const node = doc.getIn([...admin, key], true);
        if (YAML.isScalar(node) && node.range) {
            text = text.slice(0, node.range[0]) + scalar(value) + text.slice(node.range[1]);
            continue;
        }
        const lineStart = text.lastIndexOf("\n", map.range[0]) + 1;
        const indent = text.slice(lineStart, map.range[0]);
        const end = text.indexOf("\n", map.range[1] - 1);
        const at = end === -1 ? text.length : end;
        text = `${text.slice(0, at)}\n${indent}${key}: ${scalar(value)}${text.slice(at)}`;
    }
    return text;
}

function main(argv: string[]): number {
    const [stack, flag, caFile, ...rest] = argv;
    if (!stack || (flag !== undefined && (flag !== "--pin-ca" || !caFile)) || rest.length > 0) {
        console.error("usage: npm run admin-forward -- <stack> [--pin-ca <CA file>]");
        return 2;
    }
    const projectDir = path.join(__dirname, "..");
    const facts = forwardFacts(projectDir, stack);
    if (caFile) {
        if (!facts.forward)
            throw new Error(`admin-forward: stack ${stack} has no port-forward to pin`);
        const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, pinCa(fs.readFileSync(file, "utf8"), path.resolve(caFile)));
    }
    for (const [k, v] of Object.entries(facts)) process.stdout.write(`${k}=${String(v)}\n`);
    return 0;
}

if (require.main === module) {
    try {
        process.exit(main(process.argv.slice(2)));
    } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
    }
}

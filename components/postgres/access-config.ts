/**
 * Config rules for who may reach the shared cluster: the admin LoadBalancer's source ranges and the
 * TLS the server and poolers require (./hba.ts). Reported in the config module's format.
 */
import { BlockList, isIP, isIPv6 } from "node:net";
import type { Problem } from "../problems";
import type { PostgresConfig, TenantConfig } from "./config";

function block(cidr: string): { list: BlockList; addr: string; family: "ipv4" | "ipv6" } {
    const [addr = "", prefix = "0"] = cidr.split("/");
    const family = isIPv6(addr) ? "ipv6" : "ipv4";
    const list = new BlockList();
    list.addSubnet(addr, Number(prefix), family);
    return { list, addr, family };
}

/** Whether two CIDRs share an address (one block always contains the other's first address). */
export function cidrsOverlap(a: string, b: string): boolean {
    const x = block(a);
    const y = block(b);
    if (x.family !== y.family) return false;
    return x.list.check(y.addr, y.family) || y.list.check(x.addr, x.family);
}

/**
 * The admin LoadBalancer must not admit the addresses in-cluster traffic comes from: pod egress to
 * a LoadBalancer IP is masqueraded to the node's address, and ClusterMesh routes pod addresses
 * between the clusters, so a source range covering a node or pod CIDR admits every pod.
 */
export function adminAccessProblems(pg: PostgresConfig): Problem[] {
    const problems: Problem[] = [];
    const svc = pg.adminService;
    if (!svc.enabled) return problems;
    svc.sourceRanges.forEach((range, i) => {
        const hit = svc.clusterRanges.find((c) => cidrsOverlap(range, c));
        if (hit !== undefined) {
            problems.push({
                key: `postgres.adminService.sourceRanges[${i}]`,
                value: range,
                message: `overlaps clusterRanges entry ${hit}: pods reach the LoadBalancer from node and pod addresses, so this would admit every pod; name the operators' machines or the runner's egress address`,
            });
        }
    });
    return problems;
}

/** Server and poolers reject plain TCP, so a tenant told to connect without TLS could not log in. */
export function tenantTlsProblems(tenants: TenantConfig[]): Problem[] {
    return tenants.flatMap((t, i) =>
        t.sslmode === "disable"
            ? [
                  {
                      key: `tenants[${i}].sslmode`,
                      value: t.sslmode,
                      message:
                          "the server and the poolers reject connections without TLS (hostnossl … reject); use require, verify-ca or verify-full",
                  },
              ]
            : [],
    );
}

/**
 * `sslmode=require` encrypts but trusts any certificate, so a relay on the LAN could sit between
 * Pulumi and the primary. verify-ca needs the cluster's CA; verify-full also needs a DNS name the
 * certificate carries: CNPG 1.30.0 (as 1.26.1) issues server certificates with DNS names only
 * (api/v1/cluster_funcs.go GetClusterAltDNSNames: the Services plus `serverAltDNSNames`), so an IP
 * address can never match, and the admin host is added to `serverAltDNSNames` (./spec.ts).
 */
export function adminTlsProblems(pg: PostgresConfig): Problem[] {
    const problems: Problem[] = [];
    const admin = pg.admin;
    if (admin.sslmode !== "require" && !admin.sslrootcert) {
        problems.push({
            key: "postgres.admin.sslrootcert",
            message: `is required with sslmode ${admin.sslmode}: the path of the cluster's CA, e.g. kubectl -n ${pg.namespace} get secret ${pg.name}-ca -o jsonpath='{.data.ca\\.crt}' | base64 -d > ${pg.name}-ca.crt`,
        });
    }
    if (admin.sslmode === "verify-full" && isIP(admin.host) !== 0) {
        problems.push({
            key: "postgres.admin.host",
            value: admin.host,
            message:
                "is an IP address, which CNPG's server certificate never names; with verify-full use a DNS name (e.g. localhost for a port-forward, or the LoadBalancer's name), which is added to the certificate",
        });
    }
    return problems;
}

/** The admin host when the server certificate must name it (verify-full with a DNS name). */
export function adminCertificateName(pg: PostgresConfig): string | undefined {
    return pg.admin.sslmode === "verify-full" && isIP(pg.admin.host) === 0
        ? pg.admin.host
        : undefined;
}

const LOOPBACK = new Set(["localhost", "::1"]);

/** Whether a host is this machine: where `kubectl port-forward` listens. */
function isLoopback(host: string): boolean {
    return LOOPBACK.has(host.toLowerCase()) || (isIP(host) === 4 && host.startsWith("127."));
}

/**
 * An admin host no path of the config provides: the SQL provider reaches the primary either
 * through a local port-forward (a loopback host) or through the admin LoadBalancer
 * (`adminService`, at `loadBalancerIP` or a DNS name for it). Any other address is likely a
 * leftover (the seed's 10.25.11.210 with the LoadBalancer off), and `pulumi up` would hang on it;
 * a warning, since a DNS name or a route this program cannot see may still be right.
 */
export function adminHostWarnings(pg: PostgresConfig): Problem[] {
    const { host } = pg.admin;
    const svc = pg.adminService;
    if (isLoopback(host)) return [];
    if (svc.enabled && (host === svc.loadBalancerIP || isIP(host) === 0)) return [];
    const message = svc.enabled
        ? `is neither the admin LoadBalancer's address (adminService.loadBalancerIP ${svc.loadBalancerIP ?? "unset"}) nor a local port-forward (127.0.0.1); the SQL provider may not reach PostgreSQL there`
        : `is not reached by any path of this config: adminService is disabled, so PostgreSQL is reached only through a local port-forward; set admin.host to 127.0.0.1 (kubectl port-forward to admin.port, docs/running.md), or enable adminService${svc.loadBalancerIP ? ` (loadBalancerIP ${svc.loadBalancerIP})` : ""}`;
    return [{ key: "postgres.admin.host", value: host, message }];
}

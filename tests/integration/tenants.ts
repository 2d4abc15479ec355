/**
 * The tenants as the render declares them: the `platform:postgres:Tenant` components and their
 * children (Role, Databases, Extensions, Pooler, the credentials Secret whose password clients
 * log in with), and the tenant Harbor's release connects to.
 */
import { unwrap, type Registration } from "../../scripts/mock-runtime";
import { DATABASE_TYPE, EXTENSION_TYPE, ROLE_TYPE } from "./provider-sql";

export interface TenantView {
    name: string;
    role: string;
    /** The cleartext clients use: the tenant's Kubernetes Secret's `password`. */
    password: string;
    /** What the Role sends PostgreSQL as the password (a SCRAM verifier). */
    rolePassword: string;
    connectionLimit: number;
    databases: string[];
    extensions: Record<string, string[]>;
    pooler?: string;
}

const TENANT_TYPE = "platform:postgres:Tenant";
const ref = (r: Registration) => `${r.type}::${r.name}`;

export function tenantViews(regs: Registration[]): TenantView[] {
    return regs
        .filter((r) => r.type === TENANT_TYPE)
        .map((t) => {
            const children = regs.filter((r) => r.parent === ref(t));
            const roles = children.filter((r) => r.type === ROLE_TYPE);
            if (roles.length !== 1) {
                throw new Error(`tenant "${t.name}": expected one Role, found ${roles.length}`);
            }
            const role = unwrap(roles[0]!.inputs) as any;
            const databases = children
                .filter((r) => r.type === DATABASE_TYPE)
                .map((r) => String((unwrap(r.inputs) as any).name));
            const extensions: Record<string, string[]> = {};
            for (const e of children.filter((r) => r.type === EXTENSION_TYPE)) {
                const x = unwrap(e.inputs) as any;
                (extensions[x.database] ??= []).push(String(x.name));
            }
            const secrets = children.filter(
                (r) =>
                    r.type === "kubernetes:core/v1:Secret" &&
                    (unwrap(r.inputs) as any).stringData?.username === role.name,
            );
            if (secrets.length !== 1) {
                throw new Error(
                    `tenant "${t.name}": expected one Secret with username ${String(role.name)}, found ${secrets.length}`,
                );
            }
            const pooler = children.find(
                (r) => r.type === "kubernetes:postgresql.cnpg.io/v1:Pooler",
            );
            return {
                name: t.name,
                role: String(role.name),
                password: String((unwrap(secrets[0]!.inputs) as any).stringData.password ?? ""),
                rolePassword: String(role.password ?? ""),
                connectionLimit: Number(role.connectionLimit ?? -1),
                databases,
                extensions,
                pooler: pooler ? String((unwrap(pooler.inputs) as any).metadata.name) : undefined,
            };
        });
}

/** The tenant and database Harbor's release connects to, through which pooler. */
export function harborTarget(
    regs: Registration[],
    tenants: TenantView[],
): { tenant: TenantView; database: string } | undefined {
    for (const r of regs.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
        const v = unwrap(r.inputs) as any;
        if (v.chart !== "harbor") continue;
        const ext = v.values?.database?.external;
        const host = typeof ext?.host === "string" ? ext.host : "";
        const tenant = tenants.find((t) => t.pooler && host.split(".")[0] === t.pooler);
        if (tenant) return { tenant, database: String(ext.coreDatabase) };
    }
    return undefined;
}

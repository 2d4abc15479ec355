/**
 * One tenant of the shared cluster: a generated password, its login role (whose password reaches
 * PostgreSQL as a SCRAM-SHA-256 verifier, ./role-password.ts), its databases (owned by
 * the role, protected), the grants that close them to everybody else, its extensions, its
 * credentials in Kubernetes and 1Password, and its PgBouncer `Pooler`.
 *
 * Statements that touch one database's ACL run one after another (role → database → revoke
 * PUBLIC → grant owner → grant pooler → extensions): PostgreSQL raises "tuple concurrently
 * updated" when two GRANTs on one database run at once.
 *
 * The role is the SQL provider's, not a CloudNativePG `DatabaseRole` (new in 1.30.0): one writer
 * per role. A DatabaseRole adopting an existing role forces every attribute it omits back to the
 * default (memberships, connectionLimit) and holds no database grants
 * (docs/src/declarative_role_management.md at v1.30.0); see docs/upgrades.md "Decisions".
 */
import * as k8s from "@pulumi/kubernetes";
import * as onepassword from "@1password/pulumi-onepassword";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { itemTitle, type OnePasswordConfig } from "../onepassword";
import type { PostgresConfig, TenantConfig } from "./config";
import { tenantItemName, TENANT_LABEL } from "../contract/names";
import { MANAGED_BY } from "../namespace";
import { basicAuthSecret, generatedPassword } from "../credentials";
import { credentialItem } from "../onepassword";
import { POOLER_AUTH_ROLE } from "./cluster";
import { roleVerifier } from "./role-password";
import { buildPoolerSpec, CNPG_API_VERSION } from "./spec";
import { tenantEndpoint, type PoolerNode, type Topology } from "./topology";

export interface TenantArgs {
    tenant: TenantConfig;
    postgres: PostgresConfig;
    /** The stack's model: the tenant's host, its pooler and the cluster that pooler targets. */
    topology: Topology;
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Input<string>;
    /** The cluster's namespace: the tenant's Secret lives there. */
    namespace: pulumi.Resource;
    /** The Cluster CR (Ready) and the operator release. */
    cluster: pulumi.Resource;
    operator: pulumi.Resource;
    poolerAuthRole: postgresql.Role;
}

/** Privileges the owning role keeps on its database after `REVOKE ALL ... FROM PUBLIC`. */
export const OWNER_DATABASE_PRIVILEGES = ["CONNECT", "CREATE", "TEMPORARY"];

export function tenantSecretName(tenant: TenantConfig): string {
    return `${tenant.name}-db-credentials`;
}

export class Tenant extends pulumi.ComponentResource {
    public readonly role: postgresql.Role;
    public readonly databases: postgresql.Database[];
    public readonly pooler?: k8s.apiextensions.CustomResource;
    /** The session-mode Pooler beside a transaction one (`pooler.session`). */
    public readonly sessionPooler?: k8s.apiextensions.CustomResource;
    public readonly secret: k8s.core.v1.Secret;
    public readonly item: onepassword.Item;
    public readonly password: pulumi.Output<string>;
    /** Host clients use: the pooler's Service when there is one, else the cluster's -rw Service. */
    public readonly host: string;
    public readonly port = 5432;
    /** The last statement of each database's chain; dependents of "tenant ready" wait for these. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: TenantArgs, opts: pulumi.ComponentResourceOptions) {
        super("platform:postgres:Tenant", name, {}, opts);
        const t = args.tenant;
        const pg = args.postgres;
        const sqlOpts = { parent: this };
        const k8sOpts = { parent: this };
        const endpoint = tenantEndpoint(args.topology, t.name);
        this.host = endpoint.host;

        const generated = generatedPassword(`${t.name}-db-password`, this, {
            rotation: t.passwordRotation,
        });
        this.password = generated.value;
        // PostgreSQL receives the SCRAM verifier only; the Secret and the item keep the cleartext.
        const verifier = roleVerifier(
            `${t.name}-db-password-salt`,
            {
                role: t.role,
                password: this.password,
                rotation: t.passwordRotation,
                source: generated.source,
                // After a cut-over the restored cluster serves with the passwords of its recovery
                // target: a new salt makes a new verifier, which the provider applies there.
                servingCluster:
                    args.topology.serving.name === pg.name ? undefined : args.topology.serving.name,
            },
            this,
        );

        this.role = new postgresql.Role(
            t.role,
            {
                name: t.role,
                login: true,
                password: verifier,
                connectionLimit: t.connectionLimit,
                superuser: false,
                createDatabase: false,
                createRole: false,
                replication: false,
                bypassRowLevelSecurity: false,
            },
            { ...sqlOpts, dependsOn: [args.cluster] },
        );

        this.databases = [];
        this.ready = [];
        for (const db of t.databases) {
            const database = new postgresql.Database(
                db.name,
                { name: db.name, owner: this.role.name, encoding: "UTF8", template: "template0" },
                { ...sqlOpts, protect: true },
            );
            this.databases.push(database);
            const revokePublic = new postgresql.Grant(
                `${db.name}-revoke-public`,
                { database: database.name, role: "public", objectType: "database", privileges: [] },
                { ...sqlOpts, dependsOn: [database] },
            );
            const grantOwner = new postgresql.Grant(
                `${db.name}-${t.role}`,
                {
                    database: database.name,
                    role: this.role.name,
                    objectType: "database",
                    privileges: OWNER_DATABASE_PRIVILEGES,
                },
                { ...sqlOpts, dependsOn: [revokePublic] },
            );
            let last: pulumi.Resource = new postgresql.Grant(
                `${db.name}-${POOLER_AUTH_ROLE}`,
                {
                    database: database.name,
                    role: args.poolerAuthRole.name,
                    objectType: "database",
                    privileges: ["CONNECT"],
                },
                { ...sqlOpts, dependsOn: [grantOwner] },
            );
            for (const ext of db.extensions) {
                last = new postgresql.Extension(
                    `${db.name}-${ext}`,
                    { name: ext, database: database.name },
                    { ...sqlOpts, dependsOn: [last] },
                );
            }
            this.ready.push(last);
        }

        this.secret = basicAuthSecret(
            tenantSecretName(t),
            {
                namespace: pg.namespace,
                username: t.role,
                password: this.password,
                labels: { [TENANT_LABEL]: t.name },
            },
            { ...k8sOpts, dependsOn: [args.namespace] },
        );

        const firstDb = t.databases[0]?.name ?? t.name;
        this.item = credentialItem(
            `${t.name}-db`,
            {
                vault: args.vaultUuid,
                title: itemTitle(args.onepassword, tenantItemName(t.name)),
                username: t.role,
                password: this.password,
                section: "connection",
                fields: {
                    host: this.host,
                    port: String(this.port),
                    database: firstDb,
                    sslmode: t.sslmode,
                    // Where session features work (migrations' advisory lock), when it has one.
                    ...(endpoint.session ? { sessionHost: endpoint.session.host } : {}),
                },
            },
            { parent: this },
        );

        const pooler = (node: PoolerNode) =>
            new k8s.apiextensions.CustomResource(
                node.name,
                {
                    apiVersion: CNPG_API_VERSION,
                    kind: "Pooler",
                    metadata: {
                        name: node.name,
                        namespace: node.namespace,
                        labels: { ...MANAGED_BY, [TENANT_LABEL]: t.name },
                    },
                    spec: buildPoolerSpec(pg, t, node),
                },
                // After the auth_query role exists: CNPG would otherwise create it itself as soon as
                // it sees a Pooler, racing the Role below ("role already exists").
                { ...k8sOpts, dependsOn: [args.operator, args.cluster, args.poolerAuthRole] },
            );
        if (endpoint.pooler) this.pooler = pooler(endpoint.pooler);
        if (endpoint.session) this.sessionPooler = pooler(endpoint.session);

        this.registerOutputs({
            host: this.host,
            port: this.port,
            username: t.role,
            password: this.password,
            databases: t.databases.map((d) => d.name),
            secretName: tenantSecretName(t),
            sessionHost: endpoint.session?.host,
        });
    }
}

/**
 * The allow/deny table of tests/network-policies.spec.ts through a restore: with
 * `postgres.recovery`, every cluster of the topology (components/postgres/topology.ts) is policed,
 * the poolers reach only the serving one, and nothing else reaches either. CNPG labels pooler
 * pods with the cluster of the Pooler's spec.cluster (pkg/specs/pgbouncer/deployments.go at
 * v1.26.1 and v1.30.0), so after a cut-over they carry the restored cluster's name.
 */
import assert from "node:assert/strict";
import { allowed } from "./policy-eval";
import {
    APPS,
    asPolicies,
    harborCore,
    INFRA,
    ip,
    operator,
    pod,
    settingsWith,
    type Row,
} from "./policy-table";

describe("network policies follow the topology through a restore", () => {
    const RESTORED = "shared-postgres-r1";
    const member = (cluster: string, n: number, from = INFRA) =>
        pod(from, "cnpg-system", {
            "cnpg.io/cluster": cluster,
            "cnpg.io/podRole": "instance",
            "cnpg.io/instanceName": `${cluster}-${n}`,
        });
    // CNPG labels pooler pods with the cluster in the Pooler's spec.cluster
    // (pkg/specs/pgbouncer/deployments.go, v1.26.1 and v1.30.0).
    const poolerOf = (tenant: string, cluster: string) =>
        pod(INFRA, "cnpg-system", {
            "cnpg.io/cluster": cluster,
            "cnpg.io/podRole": "pooler",
            "cnpg.io/poolerName": `${tenant}-pooler`,
        });
    const withRecovery = (cutOver: boolean) =>
        asPolicies(
            settingsWith((s) => {
                s["platform:postgres"].recovery = { name: RESTORED, instances: 2, cutOver };
            }),
        );

    const CUT_OVER: Row[] = [
        ["harbor pooler → restored instance 5432", poolerOf("harbor", RESTORED), member(RESTORED, 1), 5432, "allow"],
        ["gitlab pooler → restored instance 5432", poolerOf("gitlab", RESTORED), member(RESTORED, 1), 5432, "allow"],
        ["harbor pooler → old instance 5432", poolerOf("harbor", RESTORED), member("shared-postgres", 1), 5432, "deny"],
        ["pooler pod still labelled for the old cluster → old instance", poolerOf("harbor", "shared-postgres"), member("shared-postgres", 1), 5432, "deny"],
        ["harbor → harbor pooler 5432 (clients keep their host)", harborCore, poolerOf("harbor", RESTORED), 5432, "allow"],
        ["apps gitlab → gitlab pooler (ClusterMesh)", pod(APPS, "gitlab"), poolerOf("gitlab", RESTORED), 5432, "allow"],
        ["apps gitlab → restored instance 5432", pod(APPS, "gitlab"), member(RESTORED, 1), 5432, "deny"],
        ["apps CNPG operator → restored instance manager", operator(APPS), member(RESTORED, 1), 8000, "deny"],
        ["default namespace → restored instance 5432", pod(INFRA, "default"), member(RESTORED, 1), 5432, "deny"],
        ["harbor pod → restored instance (bypassing its pooler)", harborCore, member(RESTORED, 1), 5432, "deny"],
        ["operator → restored instance manager 8000", operator(INFRA), member(RESTORED, 1), 8000, "allow"],
        ["restored replica → restored primary 5432", member(RESTORED, 2), member(RESTORED, 1), 5432, "allow"],
        ["restored instance → old instance 5432", member(RESTORED, 1), member("shared-postgres", 1), 5432, "deny"],
        ["old instance → restored instance 5432", member("shared-postgres", 1), member(RESTORED, 1), 5432, "deny"],
        ["old replica → old primary 5432 (still a cluster)", member("shared-postgres", 2), member("shared-postgres", 1), 5432, "allow"],
        ["restored instance → MinIO 10.25.11.3:9000", member(RESTORED, 1), ip("10.25.11.3"), 9000, "allow"],
        ["monitoring → restored metrics 9187", pod(INFRA, "monitoring"), member(RESTORED, 1), 9187, "allow"],
        ["apps pod labelled as a restored instance → restored 5432", member(RESTORED, 2, APPS), member(RESTORED, 1), 5432, "deny"],
    ]; // prettier-ignore

    const DRILL: Row[] = [
        ["harbor pooler → current instance 5432", poolerOf("harbor", "shared-postgres"), member("shared-postgres", 1), 5432, "allow"],
        ["harbor pooler → drill instance 5432", poolerOf("harbor", "shared-postgres"), member(RESTORED, 1), 5432, "deny"],
        ["apps gitlab → drill instance 5432", pod(APPS, "gitlab"), member(RESTORED, 1), 5432, "deny"],
        ["default namespace → drill instance 5432", pod(INFRA, "default"), member(RESTORED, 1), 5432, "deny"],
        ["operator → drill instance manager 8000", operator(INFRA), member(RESTORED, 1), 8000, "allow"],
        ["drill replica → drill primary 5432", member(RESTORED, 2), member(RESTORED, 1), 5432, "allow"],
        ["drill instance → current instance 5432", member(RESTORED, 1), member("shared-postgres", 1), 5432, "deny"],
        ["drill instance → MinIO 10.25.11.3:9000 (reads the backups)", member(RESTORED, 1), ip("10.25.11.3"), 9000, "allow"],
        ["drill instance → the internet", member(RESTORED, 1), ip("1.1.1.1"), 443, "deny"],
    ]; // prettier-ignore

    for (const [label, cutOver, rows] of [
        ["a cut-over", true, CUT_OVER],
        ["a drill", false, DRILL],
    ] as const) {
        describe(label, () => {
            const policies = withRecovery(cutOver);
            for (const defaultLocalCluster of [false, true]) {
                for (const [name, from, to, port, want] of rows) {
                    it(`${want}: ${name} (${defaultLocalCluster ? "local" : "all"} clusters default)`, () => {
                        const got = allowed(policies, from, to, port, {
                            localCluster: INFRA,
                            defaultLocalCluster,
                        });
                        assert.equal(got ? "allow" : "deny", want);
                    });
                }
            }
        });
    }
});

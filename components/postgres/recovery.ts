/**
 * What a recovery leaves to people, printed by the program (pulumi.log.warn) on every run that
 * has a `recovery` block. The docs/backup-restore.md "Restoring" runbook says the same, at length.
 */
import type { RecoveryPlan } from "./spec";

export interface RecoveryInstructionsArgs {
    /** The configured (old) cluster. */
    current: string;
    namespace: string;
    plan: RecoveryPlan;
    cutOver: boolean;
    /** What follows the restored cluster on cut-over, e.g. "the poolers (a, b), the admin LoadBalancer and the SQL provider". */
    followers: string;
    /** The config key of the recovery block, e.g. "platform:postgres.recovery". */
    configKey: string;
}

export function recoveryInstructions(a: RecoveryInstructionsArgs): string {
    const p = a.plan;
    const ns = a.namespace;
    const head =
        `${a.configKey}: Cluster "${p.name}" in ${ns} is restored from server "${p.sourceServerName}" ` +
        `at ${p.source.destinationPath} and archives under server name "${p.archiveServerName}". `;
    const verify =
        `Verify it: kubectl -n ${ns} wait --for=condition=Ready cluster/${p.name} --timeout=1h; ` +
        `kubectl -n ${ns} exec ${p.name}-1 -c postgres -- psql -c "select pg_is_in_recovery(), pg_last_xact_replay_timestamp(), now()" ` +
        `and the queries in docs/backup-restore.md "Restoring: verify". `;
    if (!a.cutOver) {
        return (
            head +
            `Nothing uses it (a drill): "${a.current}" keeps serving. ` +
            verify +
            `To cut over set cutOver: true. To drop the drill: remove the block, ` +
            `pulumi state unprotect the Cluster "${p.name}", pulumi up (its backups under "${p.archiveServerName}" stay in the bucket).`
        );
    }
    return (
        head +
        `Cut over: ${a.followers} use "${p.name}". By hand: ` +
        `(1) point anything that connects to ${a.current}-rw/-ro/-r directly (DNS names, bookmarks, ` +
        `other stacks) at ${p.name}-rw/-ro/-r; ` +
        `(2) once the new cluster serves, stop the old one from taking writes: ` +
        `kubectl -n ${ns} annotate cluster ${a.current} cnpg.io/hibernation=on; ` +
        `(3) rollback: set cutOver: false and pulumi up (poolers go back to "${a.current}"; ` +
        `remove the hibernation annotation first). ` +
        verify
    );
}

/**
 * The takeover's rule families, run in this order by buildPlan. A rule is a pure function of the
 * registrations, the inventory and the adoptions (types.ts `TakeoverRule`); one more family (for
 * example a version check) is one more entry here.
 */
import { backupPathRule, cnpgWebhookRule } from "./ssa";
import { replaceOnlyRule } from "./replace-only";
import type { TakeoverRule } from "./types";
import { unownedRule } from "./unowned";
import { onepasswordFieldRule, valuesInUseRule } from "./values";
import { clusterIdentityRule } from "./cluster";
import { harborRobotRule } from "./robots";
import { colocatedImportRule } from "./colocated";

export const TAKEOVER_RULES: TakeoverRule[] = [
    clusterIdentityRule,
    valuesInUseRule,
    onepasswordFieldRule,
    replaceOnlyRule,
    cnpgWebhookRule,
    backupPathRule,
    unownedRule,
    harborRobotRule,
    colocatedImportRule,
];

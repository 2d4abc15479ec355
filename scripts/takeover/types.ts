/**
 * The takeover plan's shapes, and the contract of a rule: a pure function of the registrations,
 * the inventory and what is adopted, returning findings and the manual steps they need.
 */
import type { TakeoverConfig } from "../../components/takeover/config";
import type { Registration } from "../mock-runtime";
import type { Inventory, KubernetesObject } from "../takeover-inventory";

/** A blocker stops `npm run takeover` (exit 1); a risk is shown first in the review but passes. */
export type Severity = "blocker" | "risk";

export interface Conflict {
    /** The rule that found it (one rule catches a whole class). */
    rule: string;
    severity: Severity;
    type: string;
    name: string;
    /** What happens, then what to do about it. */
    problem: string;
}

export interface ManualStep {
    step: string;
    objects: string[];
    commands: string[];
}

/** A generated secret whose value in use is kept, and where `pulumi up` reads it. */
export interface KeptValue {
    secret: string;
    source: string;
}

/** A generated secret that gets a new value on the first `up`, and what that does. */
export interface RegeneratedValue {
    secret: string;
    blastRadius: string;
}

export interface HarborImports {
    projects?: string[];
    robots?: Record<string, number>;
    retentions?: Record<string, number>;
    gcSchedule?: boolean;
}

export interface Plan {
    adopt: {
        type: string;
        name: string;
        id: string;
        /** Kubernetes objects: the replace-only paths compared with the live object, and those that differ. */
        replaceOnly?: { checked: string[]; differing: string[] };
    }[];
    conflicts: Conflict[];
    manual: ManualStep[];
    values: { kept: KeptValue[]; regenerated: RegeneratedValue[] };
    config: {
        "platform:takeover": TakeoverConfig;
        "platform:harborProjects.imports"?: HarborImports;
    };
}

/** An adopted Kubernetes object: what the program applies and what is live. */
export interface AdoptedObject {
    reg: Registration;
    /** The program's object (unwrapped inputs). */
    inputs: Record<string, unknown>;
    live: KubernetesObject;
    id: string;
}

export interface RuleContext {
    regs: Registration[];
    inv: Inventory;
    adopted: AdoptedObject[];
    plan: Plan;
}

export interface RuleResult {
    conflicts?: Conflict[];
    /** Steps after the Flux freeze and before `pulumi up`, in order. */
    beforeUp?: ManualStep[];
    /** Steps after `pulumi up`, before Flux's objects leave Git. */
    afterUp?: ManualStep[];
}

/** One family of checks; the plan runs every rule of TAKEOVER_RULES in order. */
export type TakeoverRule = (ctx: RuleContext) => RuleResult;

// Harbor project robot account (robot v2 API): the dynamic provider (permissions, secret
// rotation, adoption) and the HarborRobot resource.
//
// The provider object is serialized with its closure into the Pulumi state: it may use this
// file's helpers and ./base.ts, ./client.ts (Node built-ins only), never @pulumi/pulumi at runtime;
// only the resource class at the bottom touches @pulumi/pulumi.
import * as pulumi from "@pulumi/pulumi";
import {
    ADOPT_KEYS,
    AdoptInputs,
    adoptIdMismatch,
    adoptionOf,
    alreadyExists,
    changedKeys,
    clientFor,
    CONNECTION_KEYS,
    connectionOf,
    getProjectOrThrow,
    isKnown,
    pick,
} from "./base";
import { HarborClient, HarborConnection, isHarborStatus } from "./client";
import { connectionInputs, HarborConnectionArgs, withSecretOutputs } from "./resource";

export interface RobotAccess {
    resource: string;
    action: string;
}

export interface RobotProviderInputs extends HarborConnection, AdoptInputs {
    /** Project (name) the robot belongs to. */
    project: string;
    /** Short robot name; Harbor names it `robot$<project>+<name>`. */
    name: string;
    description: string;
    /** Lifetime in days; -1 = never expires. */
    durationDays: number;
    access: RobotAccess[];
    disabled: boolean;
    /** Any change of this value refreshes the robot's secret in place. */
    rotation: string;
}

export interface RobotProviderOutputs extends RobotProviderInputs {
    robotId: number;
    /** Robot name as Harbor reports it, e.g. `robot$synergyflow+synergyflow-puller`. */
    fullName: string;
    secret: string;
    /** Expiry as Unix seconds; -1 = never. */
    expiresAt: number;
}

interface HarborRobotBody {
    id: number;
    name: string;
    description?: string;
    secret?: string;
    level?: string;
    duration?: number | null;
    disable?: boolean;
    expires_at?: number;
    permissions?: { kind?: string; namespace?: string; access?: RobotAccess[] }[];
}

const ROBOT_INPUT_KEYS = [
    ...CONNECTION_KEYS,
    ...ADOPT_KEYS,
    "project",
    "name",
    "description",
    "durationDays",
    "access",
    "disabled",
    "rotation",
];
const ROBOT_EDITABLE_KEYS = ["description", "durationDays", "access", "disabled"];

function robotPermissions(inputs: RobotProviderInputs): HarborRobotBody["permissions"] {
    return [
        {
            kind: "project",
            namespace: inputs.project,
            access: inputs.access.map((a) => ({ resource: a.resource, action: a.action })),
        },
    ];
}

function rotationOf(value: unknown): string {
    return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

function assertRobotId(id: string): void {
    if (!/^[0-9]+$/.test(id)) {
        throw new Error(
            `Harbor robot id must be the numeric robot id (see GET /robots), got "${id}"`,
        );
    }
}

/** Finds a project robot by short name, following `/robots` pagination. */
export async function findProjectRobot(
    client: HarborClient,
    project: string,
    name: string,
): Promise<HarborRobotBody | undefined> {
    const projectBody = await getProjectOrThrow(client, project);
    const suffix = `${project}+${name}`;
    const matches = (robot: HarborRobotBody): boolean =>
        robot.name.endsWith(suffix) && !robot.name.slice(0, -suffix.length).includes("+");
    const robots = await client.listAll<HarborRobotBody>(
        "/robots",
        { q: `Level=project,ProjectID=${projectBody.project_id}` },
        matches,
    );
    return robots.find(matches);
}

/** The robot as Harbor has it, in provider terms (`previous` supplies connection and secret). */
function robotState(
    robot: HarborRobotBody,
    previous: Partial<RobotProviderOutputs>,
): RobotProviderOutputs {
    const permission = (robot.permissions ?? []).find((p) => p.kind === "project");
    const project = permission?.namespace ?? previous.project ?? "";
    const marker = `${project}+`;
    const at = robot.name.indexOf(marker);
    const name =
        at >= 0 ? robot.name.slice(at + marker.length) : (robot.name.split("+").pop() ?? "");
    return {
        ...connectionOf(previous as HarborConnection),
        ...adoptionOf(previous),
        project,
        name,
        description: robot.description ?? "",
        durationDays: robot.duration ?? -1,
        access: (permission?.access ?? []).map((a) => ({
            resource: a.resource,
            action: a.action,
        })),
        disabled: robot.disable ?? false,
        rotation: rotationOf(previous.rotation),
        robotId: robot.id,
        fullName: robot.name,
        // Harbor never returns a secret after creation; keep the one we have (if any).
        secret: previous.secret ?? "",
        expiresAt: robot.expires_at ?? -1,
    };
}

/** PUTs description, duration, disabled and permissions (Harbor needs the full robot body). */
async function putRobot(
    client: HarborClient,
    current: HarborRobotBody,
    news: RobotProviderInputs,
): Promise<void> {
    const body: HarborRobotBody = {
        ...current,
        description: news.description,
        duration: news.durationDays,
        disable: news.disabled,
        permissions: robotPermissions(news),
    };
    delete body.secret;
    await client.request("PUT", `/robots/${current.id}`, { body });
}

/** Asks Harbor for a new random secret (PATCH with an empty secret) and returns it. */
async function refreshRobotSecret(client: HarborClient, id: number | string): Promise<string> {
    const response = await client.request<{ secret?: string }>("PATCH", `/robots/${id}`, {
        body: {},
    });
    const fresh = response.body.secret;
    if (typeof fresh !== "string" || fresh === "") {
        throw new Error(`Harbor refreshed robot ${id} but returned no secret`);
    }
    return fresh;
}

/**
 * Adopts an existing project robot: checks the id from the config (if given), updates whatever
 * differs from `inputs` and refreshes the secret. Harbor only ever reveals a robot's secret when
 * it creates or refreshes it, so the old secret is unknowable: adoption rotates it, and whatever
 * used the old secret must switch to the new one (a secret output of this resource).
 */
async function adoptRobot(client: HarborClient, inputs: RobotProviderInputs) {
    const found = await findProjectRobot(client, inputs.project, inputs.name);
    if (found === undefined) {
        throw new Error(
            `Harbor reported robot "${inputs.name}" in project "${inputs.project}" as existing, ` +
                `but it is not among the project's robots (GET ${client.url("/robots")})`,
        );
    }
    if (inputs.adoptId !== undefined && inputs.adoptId !== found.id) {
        throw adoptIdMismatch(
            `Harbor robot "${found.name}"`,
            `robots["${inputs.project}/${inputs.name}"]`,
            inputs.adoptId,
            String(found.id),
        );
    }
    const current = await client.get<HarborRobotBody>(`/robots/${found.id}`);
    if (changedKeys(robotState(current, inputs), inputs, ROBOT_EDITABLE_KEYS).length > 0) {
        await putRobot(client, current, inputs);
    }
    const secret = await refreshRobotSecret(client, found.id);
    const robot = await client.get<HarborRobotBody>(`/robots/${found.id}`);
    return {
        id: String(robot.id),
        outs: {
            ...inputs,
            rotation: rotationOf(inputs.rotation),
            robotId: robot.id,
            fullName: robot.name,
            secret,
            expiresAt: robot.expires_at ?? -1,
        },
    };
}

export const robotProvider: pulumi.dynamic.ResourceProvider<
    RobotProviderInputs,
    RobotProviderOutputs
> = {
    check(_olds: RobotProviderInputs, news: RobotProviderInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        const days = news.durationDays;
        if (isKnown(days) && (!Number.isInteger(days) || days === 0 || days < -1)) {
            failures.push({
                property: "durationDays",
                reason: `must be a positive number of days or -1 (never expires), got ${String(days)}`,
            });
        }
        if (isKnown(news.access) && Array.isArray(news.access) && news.access.length === 0) {
            failures.push({ property: "access", reason: "at least one permission is required" });
        }
        return Promise.resolve({
            inputs: { ...news, rotation: rotationOf(news.rotation) },
            failures,
        });
    },

    async create(inputs: RobotProviderInputs) {
        const client = clientFor(inputs);
        let created: HarborRobotBody;
        try {
            const response = await client.request<HarborRobotBody>("POST", "/robots", {
                body: {
                    name: inputs.name,
                    description: inputs.description,
                    duration: inputs.durationDays,
                    level: "project",
                    disable: inputs.disabled,
                    permissions: robotPermissions(inputs),
                },
            });
            created = response.body;
        } catch (err) {
            if (isHarborStatus(err, 409)) {
                if (inputs.adopt === true) {
                    return adoptRobot(client, inputs);
                }
                const existing = await findProjectRobot(client, inputs.project, inputs.name);
                const id = existing ? String(existing.id) : "<robot id from GET /robots>";
                throw alreadyExists(
                    `Harbor robot "${existing?.name ?? inputs.name}" in project "${inputs.project}"`,
                    ["robots:", `  ${JSON.stringify(`${inputs.project}/${inputs.name}`)}: ${id}`],
                    "Harbor never reveals an existing robot's secret, so adopting the robot " +
                        "refreshes it: whatever uses the old secret must switch to the new one.",
                );
            }
            if (isHarborStatus(err, 404)) {
                throw new Error(
                    `Cannot create Harbor robot "${inputs.name}": project "${inputs.project}" ` +
                        `was not found (${err.message})`,
                );
            }
            throw err;
        }
        if (typeof created.secret !== "string" || created.secret === "") {
            throw new Error(`Harbor created robot ${created.name} but returned no secret`);
        }
        let robot = await client.getOptional<HarborRobotBody>(`/robots/${created.id}`);
        if (inputs.disabled && robot !== undefined && robot.disable !== true) {
            // Harbor 2.15.1 handler/robot.go CreateRobot copies name, description and duration
            // only: a robot declared disabled is created enabled, so disable it right away.
            await putRobot(client, robot, inputs);
            robot = await client.getOptional<HarborRobotBody>(`/robots/${created.id}`);
        }
        return {
            id: String(created.id),
            outs: {
                ...inputs,
                rotation: rotationOf(inputs.rotation),
                robotId: created.id,
                fullName: created.name,
                secret: created.secret,
                expiresAt: robot?.expires_at ?? created.expires_at ?? -1,
            },
        };
    },

    async read(id: string, props?: RobotProviderOutputs) {
        assertRobotId(id);
        const previous = (props ?? {}) as Partial<RobotProviderOutputs>;
        const client = clientFor(previous as HarborConnection);
        const robot = await client.getOptional<HarborRobotBody>(`/robots/${id}`);
        if (robot === undefined) {
            return { id: "", props: {} as RobotProviderOutputs };
        }
        const state = robotState(robot, previous);
        return {
            id: String(robot.id),
            props: state,
            inputs: pick(state, ROBOT_INPUT_KEYS) as RobotProviderOutputs,
        };
    },

    diff(_id: string, olds: RobotProviderOutputs, news: RobotProviderInputs) {
        const replaces = changedKeys(olds, news, ["project", "name"]);
        const updates = changedKeys(olds, news, [...ROBOT_EDITABLE_KEYS, ...CONNECTION_KEYS]);
        if (rotationOf(olds.rotation) !== rotationOf(news.rotation)) {
            updates.push("rotation");
        }
        return Promise.resolve({
            changes: replaces.length + updates.length > 0,
            replaces,
            // The replacement has a different Harbor name (robot$<project>+<name>).
            deleteBeforeReplace: false,
        });
    },

    async update(id: string, olds: RobotProviderOutputs, news: RobotProviderInputs) {
        const client = clientFor(news);
        if (changedKeys(olds, news, ROBOT_EDITABLE_KEYS).length > 0) {
            await putRobot(client, await client.get<HarborRobotBody>(`/robots/${id}`), news);
        }
        let secret = olds.secret;
        if (rotationOf(olds.rotation) !== rotationOf(news.rotation)) {
            secret = await refreshRobotSecret(client, id);
        }
        const robot = await client.get<HarborRobotBody>(`/robots/${id}`);
        return {
            outs: {
                ...news,
                rotation: rotationOf(news.rotation),
                robotId: robot.id,
                fullName: robot.name,
                secret,
                expiresAt: robot.expires_at ?? -1,
            },
        };
    },

    async delete(id: string, props: RobotProviderOutputs) {
        await clientFor(props).deleteIfExists(`/robots/${id}`);
    },
};

// ---------------------------------------------------------------------------------------------
// Resource class
// ---------------------------------------------------------------------------------------------

/** A robot's secret outputs: its secret and the admin password. */
export const ROBOT_SECRET_OUTPUTS = ["secret", "password"] as const;

export interface HarborRobotArgs extends HarborConnectionArgs {
    project: pulumi.Input<string>;
    /** Short name; Harbor reports it as `robot$<project>+<name>`. */
    name: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    /** Days until expiry; -1 (default) = never. */
    durationDays?: pulumi.Input<number>;
    /** e.g. [{ resource: "repository", action: "pull" }] */
    access: pulumi.Input<pulumi.Input<RobotAccess>[]>;
    disabled?: pulumi.Input<boolean>;
    /** Change this value (e.g. a date) to rotate the secret in place. */
    rotation?: pulumi.Input<string | number>;
    /** With `adopt`: the robot id expected; adoption fails if Harbor's robot has another. */
    adoptId?: pulumi.Input<number>;
}

/**
 * A project-level Harbor robot account; its id is the numeric Harbor robot id. `adopt` takes over
 * an existing robot and refreshes its secret (Harbor never reveals an existing one).
 */
export class HarborRobot extends pulumi.dynamic.Resource {
    declare readonly project: pulumi.Output<string>;
    declare readonly name: pulumi.Output<string>;
    declare readonly robotId: pulumi.Output<number>;
    /** e.g. robot$synergyflow+synergyflow-puller */
    declare readonly fullName: pulumi.Output<string>;
    /** Secret output (additionalSecretOutputs). */
    declare readonly secret: pulumi.Output<string>;
    declare readonly expiresAt: pulumi.Output<number>;

    constructor(name: string, args: HarborRobotArgs, opts?: pulumi.CustomResourceOptions) {
        if (typeof args.durationDays === "number") {
            const days = args.durationDays;
            if (!Number.isInteger(days) || days === 0 || days < -1) {
                throw new Error(
                    `HarborRobot ${name}: durationDays must be a positive number of days or -1 ` +
                        `(never expires), got ${days}`,
                );
            }
        }
        super(
            robotProvider,
            name,
            {
                ...connectionInputs(args),
                project: args.project,
                name: args.name,
                description: args.description ?? "",
                durationDays: args.durationDays ?? -1,
                access: args.access,
                disabled: args.disabled ?? false,
                rotation: pulumi.output(args.rotation ?? "").apply((r) => String(r)),
                adoptId: args.adoptId,
                robotId: undefined,
                fullName: undefined,
                secret: undefined,
                expiresAt: undefined,
            },
            withSecretOutputs(opts, ROBOT_SECRET_OUTPUTS),
            "harbor",
            "Robot",
        );
    }
}

/**
 * Harbor robots. Harbor never reveals an existing robot's secret, so adopting a robot refreshes it
 * (components/harbor-api/robot.ts; Harbor v2.12.4 `PATCH /robots/{id}` with an empty secret):
 * from the infra `up` on, image pulls with the old secret fail. The plan orders the switch: the
 * apps stack's pull secrets right after, then every other pull secret that may hold the old one.
 */
import { unwrap } from "../mock-runtime";
import type { Conflict, ManualStep, RuleContext, RuleResult } from "./types";

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

export const harborRobotRule = (ctx: RuleContext): RuleResult => {
    const robots = ctx.plan.config["platform:harborProjects.imports"]?.robots ?? {};
    const adopted = Object.keys(robots);
    if (adopted.length === 0) return {};
    const release = ctx.regs.find(
        (r) =>
            r.type === "kubernetes:helm.sh/v3:Release" &&
            (unwrap(r.inputs) as Obj).chart === "harbor",
    );
    const values = (release ? (unwrap(release.inputs) as Obj).values : {}) as Obj | undefined;
    const host = (str(values?.externalURL) ?? "https://harbor").replace(/^https?:\/\//, "");
    const stackSecrets = new Set(
        ctx.regs
            .filter((r) => r.type === "kubernetes:core/v1:Secret")
            .map((r) => {
                const meta = ((unwrap(r.inputs) as Obj).metadata ?? {}) as Obj;
                return `${str(meta.namespace) ?? ""}/${str(meta.name) ?? ""}`;
            }),
    );
    const pullSecrets = ctx.inv.kubernetes.filter(
        (o) =>
            o.kind === "Secret" &&
            o.type === "kubernetes.io/dockerconfigjson" &&
            !stackSecrets.has(`${o.metadata.namespace ?? ""}/${o.metadata.name}`),
    );
    const conflicts: Conflict[] = adopted.map((key) => {
        const [project = "", robot = ""] = key.split("/");
        return {
            rule: "harbor-robot-secret",
            severity: "risk",
            type: "pulumi-nodejs:dynamic/harbor:Robot",
            name: `robot$${project}+${robot}`,
            problem: `adopting the robot refreshes its secret at \`pulumi up\` (Harbor never reveals the old one): from then on image pulls with the old secret fail (running pods keep running; new pods and restarts cannot pull) until every pull secret holds the new one (manual steps, right after \`up\`)`,
        };
    });
    const afterUp: ManualStep[] = [
        {
            step: "Right after `pulumi up` refreshed the robots' secrets: `pulumi up` the apps stack, whose pull secrets take the new secrets from this stack's outputs",
            objects: adopted.map((k) => `Robot ${k}`),
            commands: ["pulumi up --stack apps"],
        },
    ];
    if (pullSecrets.length > 0) {
        const item = (project: string) => `harbor-robot-${project}`;
        const [first = ""] = adopted;
        const [project = "", robot = ""] = first.split("/");
        afterUp.push({
            step: `Then switch the pull secrets no stack writes that use a robot of ${host} (check each; rewrite it from the robot's 1Password item)`,
            objects: pullSecrets.map(
                (o) => `Secret ${o.metadata.namespace ?? ""}/${o.metadata.name}`,
            ),
            commands: pullSecrets.flatMap((o) => {
                const ns = o.metadata.namespace ?? "";
                const es = (o.metadata.ownerReferences ?? []).find(
                    (r) => r.kind === "ExternalSecret",
                );
                // External Secrets rewrites its own target from the item the stack now updates:
                // ask for a refresh now instead of waiting for its refreshInterval.
                if (es)
                    return [
                        `kubectl annotate externalsecret ${es.name} -n ${ns} force-sync=$(date +%s) --overwrite`,
                    ];
                return [
                    `kubectl get secret ${o.metadata.name} -n ${ns} -o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d | jq -r '.auths | to_entries[] | "\\(.key) \\(.value.username)"'`,
                    `kubectl create secret docker-registry ${o.metadata.name} -n ${ns} --docker-server=${host} --docker-username='robot$${project}+${robot}' --docker-password="$(op read 'op://<vault>/${item(project)}/password')" --dry-run=client -o yaml | kubectl apply -f -`,
                ];
            }),
        });
    }
    return { conflicts, afterUp };
};

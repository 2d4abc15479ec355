// Pulumi dynamic providers for Harbor 2.12 (REST API v2.0), one module per Harbor object over a
// shared base:
//
//   ./project.ts       projects (metadata, storage quota)              HarborProject
//   ./robot.ts         project robot accounts (robot v2 API)           HarborRobot
//   ./gc-schedule.ts   the garbage-collection schedule (a singleton)   HarborGcSchedule
//   ./retention.ts     per-project tag-retention policies              HarborRetentionPolicy
//   ./base.ts          what the providers share: client per call, diff and check helpers,
//                      adoption, the "already exists" errors, the project lookup
//   ./resource.ts      what the resource classes share: connection args, secret outputs,
//                      type tokens
//
// Each provider object is serialized with its closure into the Pulumi state, so what it uses
// (its own module's helpers, ./base.ts, ./client.ts, ./cron.ts) needs nothing but Node
// built-ins at runtime; only the resource classes and ./resource.ts touch @pulumi/pulumi.
export type { AdoptInputs } from "./base";
export { HARBOR_SECRET_OUTPUTS, HARBOR_TYPE_TOKENS } from "./resource";
export type { HarborConnectionArgs } from "./resource";
export * from "./project";
export * from "./robot";
export * from "./gc-schedule";
export * from "./retention";

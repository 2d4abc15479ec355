/**
 * Validates the custom resources of a render against CustomResourceDefinition files:
 *   npm run check-crds -- <render dir> <dir with CRD YAML files>
 *
 * Each document in <render dir>/manifests.yaml whose apiVersion/kind a CRD defines is validated
 * against that version's openAPIV3Schema. Unlike the API server, which silently prunes unknown
 * fields, this rejects them (a misspelt field is a bug), except where the schema says
 * x-kubernetes-preserve-unknown-fields. A document of a group the CRDs define (postgresql.cnpg.io,
 * barmancloud.cnpg.io, ...) whose kind or version none of them has is a violation too, so a
 * missing CRD file cannot make a resource pass unchecked. Exits 1 listing every violation.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import * as YAML from "yaml";

type Schema = Record<string, unknown>;

/**
 * A Go regexp with the inline flag `(?i)` (JavaScript has none), e.g. prometheus-operator's
 * `^(?i)(abort|warn)?$`, as the equivalent pattern with each letter a two-case class. Patterns
 * with their own character classes are dropped rather than mistranslated.
 */
export function caseInsensitive(pattern: string): string | undefined {
    const bare = pattern.replace("(?i)", "");
    if (bare.includes("[") || bare.includes("\\")) return undefined;
    return bare.replace(/[a-zA-Z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

/** Adds additionalProperties: false wherever a structural schema lists its properties. */
export function closeSchema(schema: Schema): Schema {
    const out: Schema = {};
    for (const [k, v] of Object.entries(schema)) {
        if (k === "properties" && v && typeof v === "object") {
            out[k] = Object.fromEntries(
                Object.entries(v as Record<string, Schema>).map(([p, s]) => [p, closeSchema(s)]),
            );
        } else if ((k === "items" || k === "additionalProperties") && v && typeof v === "object") {
            out[k] = closeSchema(v as Schema);
        } else if ((k === "allOf" || k === "anyOf" || k === "oneOf") && Array.isArray(v)) {
            out[k] = (v as Schema[]).map(closeSchema);
        } else if (k === "pattern" && typeof v === "string" && v.includes("(?i)")) {
            const translated = caseInsensitive(v);
            if (translated !== undefined) out[k] = translated;
        } else if (!k.startsWith("x-kubernetes-")) {
            out[k] = v;
        }
    }
    if (
        schema.properties &&
        schema.additionalProperties === undefined &&
        schema["x-kubernetes-preserve-unknown-fields"] !== true
    ) {
        out.additionalProperties = false;
    }
    if (schema["x-kubernetes-int-or-string"] === true) {
        delete out.type;
        out.anyOf = [{ type: "integer" }, { type: "string" }];
    }
    return out;
}

interface Crd {
    spec: {
        group: string;
        names: { kind: string };
        versions: { name: string; schema?: { openAPIV3Schema: Schema } }[];
    };
}

export function loadCrds(dir: string): Map<string, Schema> {
    const schemas = new Map<string, Schema>();
    for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
        for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8"))) {
            const crd = doc.toJS() as Crd & { kind?: string };
            if (crd.kind !== "CustomResourceDefinition") continue;
            for (const v of crd.spec.versions) {
                if (!v.schema) continue;
                const root = closeSchema(v.schema.openAPIV3Schema);
                // metadata is validated by the API server itself, not by the CRD.
                (root.properties as Record<string, Schema>).metadata = { type: "object" };
                schemas.set(`${crd.spec.group}/${v.name}|${crd.spec.names.kind}`, root);
            }
        }
    }
    return schemas;
}

/**
 * Kinds the platform renders whose CRD must be in the CRD directory: a document of one of these
 * without a loaded schema is an error instead of going unchecked. PrometheusRule: prometheus-operator
 * v0.82.2 monitoring.coreos.com_prometheusrules.yaml.
 */
export const REQUIRED_SCHEMAS: readonly string[] = [
    "postgresql.cnpg.io/v1|Cluster",
    "postgresql.cnpg.io/v1|Pooler",
    "monitoring.coreos.com/v1|PrometheusRule",
    "barmancloud.cnpg.io/v1|ObjectStore",
];

/**
 * Kinds of a loaded group whose CRD the CRD directory may lack: checked when it is there, listed
 * as unchecked otherwise. ServiceMonitor (the backup-metrics exporter's, prometheus-operator
 * v0.82.2 monitoring.coreos.com_servicemonitors.yaml, .ci/run copies it when ../shared/upstream
 * has it); its fields are pinned by tests/backup-exporter.spec.ts.
 */
export const OPTIONAL_SCHEMAS: readonly string[] = ["monitoring.coreos.com/v1|ServiceMonitor"];

export function checkManifests(
    manifests: string,
    schemas: Map<string, Schema>,
): { checked: string[]; errors: string[]; unchecked: string[] } {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const checked: string[] = [];
    const errors: string[] = [];
    const unchecked: string[] = [];
    const groups = new Set([...schemas.keys()].map((k) => k.split("/")[0] ?? ""));
    for (const doc of YAML.parseAllDocuments(manifests)) {
        const obj = doc.toJS() as {
            apiVersion?: string;
            kind?: string;
            metadata?: { name?: string; namespace?: string };
        };
        const key = `${obj.apiVersion ?? ""}|${obj.kind ?? ""}`;
        const schema = schemas.get(key);
        const id = `${obj.kind ?? ""} ${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
        if (!schema) {
            const group = (obj.apiVersion ?? "").split("/")[0] ?? "";
            if (REQUIRED_SCHEMAS.includes(key)) {
                errors.push(`${id}: no CRD schema for ${key} loaded`);
            } else if (OPTIONAL_SCHEMAS.includes(key)) {
                unchecked.push(id);
            } else if ((obj.apiVersion ?? "").includes("/") && groups.has(group)) {
                errors.push(`${id}: no CRD for ${obj.apiVersion ?? ""} ${obj.kind ?? ""}`);
            }
            continue;
        }
        checked.push(id);
        const validate = ajv.compile(schema);
        if (!validate(obj)) {
            for (const e of validate.errors ?? []) {
                const extra =
                    e.keyword === "additionalProperties"
                        ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
                        : "";
                errors.push(`${id}: ${e.instancePath || "/"} ${e.message ?? ""}${extra}`);
            }
        }
    }
    return { checked, errors, unchecked };
}

if (require.main === module) {
    const [renderDir, crdDir] = process.argv.slice(2);
    if (!renderDir || !crdDir) {
        console.error("usage: npm run check-crds -- <render dir> <crd dir>");
        process.exit(2);
    }
    const { checked, errors, unchecked } = checkManifests(
        fs.readFileSync(path.join(renderDir, "manifests.yaml"), "utf8"),
        loadCrds(crdDir),
    );
    for (const c of checked) console.log(`checked ${c}`);
    for (const c of unchecked) console.log(`unchecked ${c}: its CRD is not in ${crdDir}`);
    if (errors.length > 0) {
        console.error(`CRD violations:\n  ${errors.join("\n  ")}`);
        process.exit(1);
    }
    console.log(`${checked.length} custom resources valid against ${crdDir}`);
}

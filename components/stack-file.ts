/**
 * The stack settings file and the config map as a whole, checked before any `platform:` value is:
 * YAML that does not parse (reported as `<file>:<line>:<column>: <reason>`), a file that is not a
 * map with a `config:` map, keys in a misspelt or foreign namespace that look like they configure
 * this program, and secrets given in plain text. The render reads stack files through
 * `readStackSettings`; under the real engine `configKeyProblems` runs on `pulumi.runtime.allConfig()`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import {
    ConfigError,
    NAMESPACE,
    parseConfig,
    rawToObject,
    type PlatformConfig,
    type Problem,
} from "./config";
import { describeProblems, editDistance, keySegments, type Locator } from "./problems";

/** A stack file that cannot be read as settings; the message names the file (and line). */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** A parsed YAML file with its node ranges: `position(offset)` is `<file>:<line>:<column>`. */
interface YamlFile {
    doc: YAML.Document;
    position: (offset: number) => string;
}

function parseYamlDocument(file: string, text: string): YamlFile {
    const lineCounter = new YAML.LineCounter();
    const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const position = (offset: number) => {
        const { line, col } = lineCounter.linePos(offset);
        return `${file}:${line}:${col}`;
    };
    const error = doc.errors[0];
    if (error) throw new StackFileError(`${position(error.pos[0])}: ${error.message}`);
    return { doc, position };
}

/** Parses YAML text, throwing `<file>:<line>:<column>: <parser's reason>` on the first error. */
export function parseYamlFile(file: string, text: string): unknown {
    return parseYamlDocument(file, text).doc.toJS() as unknown;
}

function isMap(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
    if (Array.isArray(value)) return "a list";
    if (value === null || value === undefined) return "empty";
    return `a ${typeof value}`;
}

/**
 * The `config:` map of a stack settings file. An empty file is an empty stack; anything else must
 * be a map whose `config:` is a map of `<namespace>:<key>` settings.
 */
export function readStackSettings(file: string, text: string): Record<string, unknown> {
    return readStackFile(file, text).config;
}

/** A stack settings file: its `config:` map and where each key of it is written. */
export interface StackFile {
    config: Record<string, unknown>;
    /**
     * Where a full key (`platform:tenants[1].pooler`) is written: the deepest part of it the file
     * holds (`depth` segments) and that part's `<file>:<line>:<column>`.
     */
    find: (fullKey: string) => { depth: number; position: string };
}

const yamlKeys = (node: unknown): string[] | undefined =>
    YAML.isMap(node)
        ? node.items.map((p) => String(YAML.isScalar(p.key) ? p.key.value : p.key))
        : undefined;

function yamlPair(node: unknown, seg: string): YAML.Pair | undefined {
    if (!YAML.isMap(node)) return undefined;
    return node.items.find((p) => String(YAML.isScalar(p.key) ? p.key.value : p.key) === seg);
}

/** A map's value node, or a list's item; an empty value (`key:`) is its key's node. */
function yamlItem(node: unknown, seg: string | number): unknown {
    if (typeof seg === "number")
        return YAML.isSeq(node) ? (node.items[seg] ?? undefined) : undefined;
    const pair = yamlPair(node, seg);
    if (!pair) return undefined;
    return pair.value ?? pair.key;
}

function start(node: unknown): number | undefined {
    return YAML.isNode(node) ? node.range?.[0] : undefined;
}

/** Reads a stack settings file as `readStackSettings` does, keeping where each key is written. */
export function readStackFile(file: string, text: string): StackFile {
    const { doc: parsed, position } = parseYamlDocument(file, text);
    const configPair = yamlPair(parsed.contents, "config");
    const config = stackConfig(parsed.toJS() as unknown, {
        root: position(start(parsed.contents) ?? 0),
        config: position(start(configPair?.value) ?? start(configPair?.key) ?? 0),
    });
    const configNode = configPair?.value;
    const configAt = position(start(configPair?.key) ?? 0);
    const find = (fullKey: string) => {
        const { segments, nodes } = keySegments(fullKey, configNode, yamlKeys, yamlItem);
        const depth = segments.length;
        const last = segments[depth - 1];
        if (last === undefined) return { depth, position: configAt };
        const parent = depth === 1 ? configNode : nodes[depth - 2];
        const at =
            typeof last === "number" ? start(nodes[depth - 1]) : start(yamlPair(parent, last)?.key);
        return { depth, position: at === undefined ? configAt : position(at) };
    };
    return { config, find };
}

/**
 * Where a problem key is written among a stack's files (the stack file first, then the overlays
 * merged onto it): the file that holds most of the key, the later one on a tie.
 */
export function stackLocator(files: readonly StackFile[]): Locator {
    return (key) => {
        const full = key.includes(":") ? key : `${NAMESPACE}:${key}`;
        let best: { depth: number; position: string } | undefined;
        for (const f of files) {
            const hit = f.find(full);
            if (!best || hit.depth >= best.depth) best = hit;
        }
        return best?.position;
    };
}

/** The `config:` map of a parsed stack file; `at` are the positions of the document and of `config:`'s value. */
function stackConfig(doc: unknown, at: { root: string; config: string }): Record<string, unknown> {
    if (doc === null || doc === undefined) return {};
    if (!isMap(doc)) {
        throw new StackFileError(
            `${at.root}: must be a map with a "config:" key holding the stack's settings, but is ${kind(doc)}`,
        );
    }
    if (!("config" in doc)) {
        const keys = Object.keys(doc).join(", ");
        throw new StackFileError(
            `${at.root}: has no "config:" key; the stack's settings go under "config:" (found: ${keys})`,
        );
    }
    const config = doc.config;
    if (config === null || config === undefined) return {};
    if (!isMap(config)) {
        throw new StackFileError(
            `${at.config}: "config:" must be a map of "platform:<key>: <value>" settings, but is ${kind(config)}`,
        );
    }
    return config;
}

/**
 * Keys of other namespaces this program does not read, mapped to what does their job. The
 * program's providers are explicit (components/providers.ts), so `kubernetes:*` and
 * `postgresql:*` settings would be silently ignored.
 */
const FOREIGN_KEYS: Record<string, string> = {
    "kubernetes:context": "set platform:kubernetes.context instead",
    "kubernetes:kubeconfig":
        "set platform:kubeconfig instead (pulumi config set --secret platform:kubeconfig ...)",
    "kubernetes:namespace":
        "set the namespace of each area instead (platform:cnpg.namespace, platform:postgres.namespace, platform:harbor.namespace, platform:applications[].namespace)",
    "kubernetes:clusterIdentifier": "set platform:kubernetes.clusterIdentifier instead",
};

/** What a key of a namespace is refused for, when FOREIGN_KEYS has no entry for it. */
const FOREIGN_NAMESPACES: Record<string, string> = {
    kubernetes:
        "the program's Kubernetes provider is explicit and ignores kubernetes:* settings; use platform:kubeconfig and platform:kubernetes",
    postgresql:
        "the program's PostgreSQL provider is explicit and ignores postgresql:* settings; it connects to platform:postgres.admin (host, port, sslmode) with the superuser password the cluster generates",
    onepassword:
        "the 1Password provider reads only onepassword:url, onepassword:token and onepassword:serviceAccountToken; vault and item prefix are platform:onepassword.vault and platform:onepassword.itemPrefix",
};

/** The onepassword:* keys the provider reads (components/providers.ts). */
const ONEPASSWORD_KEYS = [
    "onepassword:url",
    "onepassword:token",
    "onepassword:serviceAccountToken",
];

/** Keys that hold credentials and must be set with --secret. */
const SECRET_ONLY_KEYS = ["onepassword:token", "onepassword:serviceAccountToken"];

/** A kubeconfig's contents (rather than a path to one): these carry the cluster's credentials. */
function isKubeconfigContents(value: string): boolean {
    const text = value.trim();
    return text.includes("\n") || text.startsWith("{") || /\bapiVersion\s*:/.test(text);
}

/**
 * Problems with the config map as a whole, reported before the `platform:` values: keys in a
 * namespace that is not this project's but close to it, foreign keys that look like they
 * configure the program, and credentials that are not secret. `isSecret` says whether Pulumi
 * holds a key as a secret (`pulumi.runtime.isConfigSecret`, or the stack file's `secure:`).
 * Problem keys here are full keys, so they are printed as given.
 */
export function configKeyProblems(
    raw: Record<string, string>,
    isSecret: (key: string) => boolean,
    project = "platform",
): Problem[] {
    const problems: Problem[] = [];
    for (const [key, value] of Object.entries(raw)) {
        const colon = key.indexOf(":");
        const namespace = colon < 0 ? "" : key.slice(0, colon);
        const name = key.slice(colon + 1);
        if (namespace === project) {
            if (name === "kubeconfig" && value !== "" && !isSecret(key)) {
                if (isKubeconfigContents(value)) {
                    problems.push({
                        key,
                        message: `holds a kubeconfig with the cluster's credentials in plain text; remove it from the stack file and run: pulumi config set --secret ${key} "$(cat <kubeconfig file>)"`,
                    });
                }
            }
            continue;
        }
        if (namespace === "pulumi") continue;
        if (SECRET_ONLY_KEYS.includes(key) && value !== "" && !isSecret(key)) {
            problems.push({
                key,
                message: `is a credential in plain text; remove it from the stack file and run: pulumi config set --secret ${key} <value>`,
            });
            continue;
        }
        if (ONEPASSWORD_KEYS.includes(key)) continue;
        const known = FOREIGN_KEYS[key] ?? FOREIGN_NAMESPACES[namespace];
        if (known) {
            problems.push({ key, message: `is not read by this program: ${known}` });
        } else if (namespace !== "" && editDistance(namespace, project) <= 2) {
            problems.push({
                key,
                message: `is in the unknown namespace "${namespace}"; did you mean ${project}:${name}?`,
            });
        }
    }
    return problems;
}

/**
 * The one parse path of the program and the render: the config map's keys first (misspelt or
 * foreign namespaces, plain credentials), then the `platform:` values. Throws one ConfigError
 * listing the key problems before the value problems.
 */
export function parseStackConfig(
    raw: Record<string, string>,
    isSecret: (key: string) => boolean,
    locate?: Locator,
): PlatformConfig {
    const keyProblems = configKeyProblems(raw, isSecret, NAMESPACE);
    let cfg: PlatformConfig;
    try {
        cfg = parseConfig(raw);
    } catch (e) {
        if (e instanceof ConfigError) {
            throw describedError(new ConfigError([...keyProblems, ...e.problems]), raw, locate);
        }
        throw e;
    }
    if (keyProblems.length > 0) throw describedError(new ConfigError(keyProblems), raw, locate);
    return cfg;
}

/**
 * A ConfigError about this config map with each key named (list entries by their `name`) and,
 * when the config was read from stack files, placed at its `<file>:<line>:<column>`. Under the
 * engine (`pulumi config`) there is no file, and the key path is the pointer.
 */
export function describedError(
    e: ConfigError,
    raw: Record<string, string>,
    locate?: Locator,
): ConfigError {
    return new ConfigError(describeProblems(e.problems, rawToObject(raw), locate));
}

/**
 * Whether Pulumi holds a config key as a secret. `pulumi.runtime.isConfigSecret` (runtime/config.js
 * of @pulumi/pulumi 3.270.0) reads the engine's list of secret keys; it is not in the typings.
 */
export function engineIsSecret(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    return runtime.isConfigSecret?.(key) ?? false;
}

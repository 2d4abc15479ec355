/**
 * The takeover inventory capture: which commands run, and how their output becomes the inventory
 * files, with every secret value removed before anything is written. Pure (a `Runner` executes
 * the commands), so it is tested on recorded outputs of the real tools.
 *
 * - `kubectl cnpg psql` allocates a TTY and passes stdin by default (cloudnative-pg v1.26.1
 *   `internal/cmd/plugin/psql/cmd.go`, flags `--tty`/`--stdin` default true; psql.go adds
 *   `kubectl exec -t -i`); through a TTY every output line ends in `\r\n`. The capture turns both
 *   off, and the parsers still strip `\r`, so output recorded from a terminal reads the same.
 * - Secrets: kubectl prints `data` base64-encoded; every value is blanked (keys kept: the plan
 *   compares them). `op item get --format json` prints field values; they are dropped.
 */
type Obj = Record<string, unknown>;

/** Executes one command (with `input` on stdin) and returns its stdout; throws on failure. */
export type Runner = (cmd: string, args: string[], input?: string) => string;

export interface CaptureOptions {
    context: string;
    vault: string;
    /** `<namespace>/<cluster>` of the CNPG cluster that holds the tenants' databases. */
    postgres: string;
    /** Harbor's API base, e.g. https://harbor.monosense.io/api/v2.0; omitted: no harbor.json. */
    harborApi?: string;
    /** 1Password reference of Harbor's admin password, read by `op read`. */
    harborPasswordRef?: string;
}

/** The kinds the plan compares (what the stacks write, and what Flux and External Secrets own). */
export const CAPTURED_KINDS = [
    "namespaces",
    "secrets",
    "serviceaccounts",
    "configmaps",
    "services",
    "networkpolicies",
    "ciliumnetworkpolicies.cilium.io",
    "clusters.postgresql.cnpg.io",
    "poolers.postgresql.cnpg.io",
    "scheduledbackups.postgresql.cnpg.io",
    "objectstores.barmancloud.cnpg.io",
    "dragonflies.dragonflydb.io",
    "httproutes.gateway.networking.k8s.io",
    "deployments.apps",
    "statefulsets.apps",
    "persistentvolumeclaims",
    "helmreleases.helm.toolkit.fluxcd.io",
    "kustomizations.kustomize.toolkit.fluxcd.io",
    "externalsecrets.external-secrets.io",
];

/** Lines of a command's output, `\r` (from a TTY) removed, empty lines dropped. */
export function outputLines(text: string): string[] {
    return text
        .split("\n")
        .map((l) => l.replace(/\r$/, "").trim())
        .filter((l) => l !== "");
}

/** The one JSON value a `psql -At` query printed (a TTY's `\r` tolerated). */
export function psqlJson(text: string): unknown {
    const lines = outputLines(text);
    if (lines.length !== 1)
        throw new Error(`psql printed ${lines.length} lines where one JSON value was expected`);
    return JSON.parse(lines[0] ?? "") as unknown;
}

/** A `kubectl get -o json` List with every Secret value blanked. */
export function redactKubernetesList(list: Obj): Obj {
    const items = (Array.isArray(list.items) ? list.items : []) as Obj[];
    return {
        ...list,
        items: items.map((o) => {
            if (o.kind !== "Secret") return o;
            const blank = (m: unknown) =>
                m && typeof m === "object"
                    ? Object.fromEntries(Object.keys(m).map((k) => [k, ""]))
                    : undefined;
            const meta = (o.metadata ?? {}) as Obj;
            const annotations = { ...((meta.annotations ?? {}) as Obj) };
            // kubectl apply keeps the whole object, values included, in this annotation.
            delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
            const out: Obj = { ...o, metadata: { ...meta, annotations } };
            if (o.data !== undefined) out.data = blank(o.data);
            delete out.stringData;
            return out;
        }),
    };
}

/** An `op item get --format json` item without any field value. */
export function redactOnePasswordItem(item: Obj): Obj {
    const fields = (Array.isArray(item.fields) ? item.fields : []) as Obj[];
    return {
        ...item,
        fields: fields.map((f) => {
            const out = { ...f };
            delete out.value;
            delete out.totp;
            delete out.password_details;
            return out;
        }),
    };
}

const ROLES_QUERY = `SELECT json_build_object(
  'roles', (SELECT coalesce(json_agg(json_build_object('name', rolname, 'login', rolcanlogin, 'connectionLimit', rolconnlimit) ORDER BY rolname), '[]') FROM pg_roles WHERE rolname !~ '^pg_'),
  'databases', (SELECT coalesce(json_agg(json_build_object('name', datname, 'owner', pg_get_userbyid(datdba)) ORDER BY datname), '[]') FROM pg_database WHERE NOT datistemplate))`;
const EXTENSIONS_QUERY =
    "SELECT coalesce(json_agg(json_build_object('database', current_database(), 'name', extname) ORDER BY extname), '[]'::json) FROM pg_extension";

/** Runs the capture; returns the inventory files (name → text), no secret value in any. */
export function capture(run: Runner, o: CaptureOptions): Record<string, string> {
    const json = (text: string) => JSON.parse(text) as Obj;
    const out = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
    const kubectl = (...args: string[]) => run("kubectl", ["--context", o.context, ...args]);
    const files: Record<string, string> = {};

    const view = json(kubectl("config", "view", "--minify", "-o", "json"));
    const cluster = ((view.clusters as Obj[] | undefined)?.[0]?.cluster ?? {}) as Obj;
    files["cluster.json"] = out({
        context: o.context,
        server: typeof cluster.server === "string" ? cluster.server : "",
        kubeSystemUid: outputLines(
            kubectl("get", "namespace", "kube-system", "-o", "jsonpath={.metadata.uid}"),
        ).join(""),
    });
    files["kubernetes.json"] = out(
        redactKubernetesList(json(kubectl("get", CAPTURED_KINDS.join(","), "-A", "-o", "json"))),
    );
    files["helm.json"] = out(
        JSON.parse(run("helm", ["--kube-context", o.context, "list", "-A", "-o", "json"])),
    );

    const items = JSON.parse(
        run("op", ["item", "list", "--vault", o.vault, "--format", "json"]),
    ) as Obj[];
    files["onepassword.json"] = out(
        items.map((i) =>
            redactOnePasswordItem(
                json(
                    run("op", [
                        "item",
                        "get",
                        String(i.id),
                        "--vault",
                        o.vault,
                        "--format",
                        "json",
                    ]),
                ),
            ),
        ),
    );

    const [ns = "", name = ""] = o.postgres.split("/");
    const psql = (db: string, query: string) =>
        run("kubectl", [
            "cnpg",
            "psql",
            "--context",
            o.context,
            name,
            "-n",
            ns,
            "--tty=false",
            "--stdin=false",
            "--",
            "-At",
            "-d",
            db,
            "-c",
            query,
        ]);
    const pg = psqlJson(psql("postgres", ROLES_QUERY)) as Obj;
    const databases = outputLines(
        psql(
            "postgres",
            "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname",
        ),
    );
    const extensions = databases.flatMap((db) => psqlJson(psql(db, EXTENSIONS_QUERY)) as unknown[]);
    files["postgres.json"] = out({ ...pg, extensions });

    if (o.harborApi && o.harborPasswordRef) {
        const password = outputLines(run("op", ["read", o.harborPasswordRef])).join("");
        // The credentials go to curl on stdin (`-K -`), never on its command line.
        const auth = `user = "admin:${password.replace(/(["\\])/g, "\\$1")}"\n`;
        const get = (p: string) =>
            JSON.parse(run("curl", ["-fsS", "-K", "-", `${o.harborApi}${p}`], auth)) as unknown;
        files["harbor.json"] = out({
            projects: get("/projects?page_size=100"),
            robots: get("/robots?page_size=100"),
            gcSchedule: get("/system/gc/schedule"),
        });
    }
    return files;
}

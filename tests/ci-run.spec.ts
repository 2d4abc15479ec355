/**
 * .ci/run's shape: stages a job can pick (the offline review runs `render` alone), and every
 * command that needs root through the one helper (.ci/lib.sh `as_root`), so the script works as
 * root and as a non-root user with sudo. The install path itself runs as such a user in
 * `.ci/run sudo` (.ci/sudo-check), which needs root to make the user: not part of this suite.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./mocks";

const CI = path.join(PROJECT_DIR, ".ci");
const scripts = fs.readdirSync(CI).map((f) => path.join(CI, f));
/** Commands of the scripts (continued lines joined), comments and echoed text aside. */
const code = (f: string) =>
    fs
        .readFileSync(f, "utf8")
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((l, i) => ({ l: l.replace(/^\s*#.*$/, ""), at: `${path.basename(f)}:${i + 1}` }))
        .filter(({ l }) => l.trim() !== "" && !/^\s*echo [^|]*$/.test(l));

describe(".ci/run", () => {
    it("runs apt-get and writes under /etc only through as_root", () => {
        for (const f of scripts) {
            for (const { l, at } of code(f)) {
                if (/\bapt-get\b/.test(l)) {
                    assert.match(
                        l,
                        /as_root env DEBIAN_FRONTEND=noninteractive (flock \S+ )?apt-get|apt_get /,
                        at,
                    );
                }
                if (/\/etc\//.test(l) && /\b(sed|tee|cp|mv|rm|chmod|install)\b|>/.test(l)) {
                    assert.match(l, /as_root/, at);
                }
                if (/\b(useradd|userdel|chown|runuser)\b/.test(l)) assert.match(l, /as_root/, at);
            }
        }
    });

    it("asks sudo never to prompt, and says what is missing without root or sudo", () => {
        const lib = fs.readFileSync(path.join(CI, "lib.sh"), "utf8");
        assert.match(lib, /sudo -n "\$@"/);
        assert.match(lib, /needs root; \$\(id -un\) is not root and has no passwordless sudo/);
    });

    it("leaves a symlinked node_modules (a shared install) alone: npm ci would empty its target", () => {
        const run = fs.readFileSync(path.join(CI, "run"), "utf8");
        const guard = run.indexOf("if [ -L node_modules ]; then");
        const ci = run.indexOf("    npm ci --no-audit");
        const end = run.indexOf("\nfi\n", guard);
        assert.ok(guard > 0 && guard < ci && ci < end, `${guard} < ${ci} < ${end}`);
        assert.equal(run.split("npm ci --no-audit").length, 2, "one npm ci, inside the guard");
    });

    it("names its stages and refuses an unknown one before installing anything", () => {
        const res = spawnSync("bash", [path.join(CI, "run"), "render", "lint"], {
            encoding: "utf8",
        });
        assert.equal(res.status, 2);
        assert.equal(
            res.stderr.trim(),
            '.ci/run: unknown stage "lint" (stages: static unit scale rules integration render sudo packages)',
        );
        assert.equal(res.stdout, "");
    });
});

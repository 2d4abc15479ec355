# shellcheck shell=bash
# Sourced by .ci/run and .ci/sudo-check: the one helper for privileged commands.

# Root runs the command as it is; anyone else through `sudo -n` (never a password prompt: a job
# would hang). Without either, the message says what is missing.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        echo ".ci/run: \`$*\` needs root; $(id -un) is not root and has no passwordless sudo" >&2
        return 1
    fi
}

# apt-get as root, one at a time on a shared machine (flock when there), never asking questions.
apt_get() {
    if command -v flock >/dev/null 2>&1; then
        as_root env DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get "$@"
    else
        as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@"
    fi
}

# `missing <check...>`: the check fails, or CI_INSTALL=always (.ci/sudo-check: install anyway, so
# the path runs even where the packages are there).
missing() { [ "${CI_INSTALL:-}" = always ] || ! "$@" >/dev/null 2>&1; }

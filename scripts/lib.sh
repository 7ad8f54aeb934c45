# shellcheck shell=bash
# Helpers shared by the scripts in this folder. Source it, do not run it.

# Keep cargo's build output outside the clone: a fresh clone (CI) or a second
# worktree then reuses the same incremental build instead of starting cold.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/recyclique/target}"

# The repository root, from this file's location, so the scripts work from
# any current directory (and in a clone without .git, e.g. an export).
RECYCLIQUE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RECYCLIQUE_ROOT

# Name of the toolchain that the fallback of setup.sh links when rustup
# cannot download the pinned one (Debian's rustc-web).
RECYCLIQUE_DEBIAN_TOOLCHAIN="debian-web"

# Progress goes to stderr so that stdout stays usable for values.
log() {
    printf '==> %s\n' "$*" >&2
}

warn() {
    printf '==> WARNING: %s\n' "$*" >&2
}

die() {
    printf '==> ERROR: %s\n' "$*" >&2
    exit 1
}

have() {
    command -v "$1" >/dev/null 2>&1
}

# A port nobody listens on right now. The kernel picks it; there is a small
# window before our server binds it, acceptable for tests.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif have sudo; then
        sudo "$@"
    else
        die "need root for: $* (no sudo available)"
    fi
}

# The channel named by rust-toolchain.toml (e.g. 1.96.0).
toolchain_channel() {
    local file="$RECYCLIQUE_ROOT/rust-toolchain.toml"
    [ -f "$file" ] || return 0
    sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p;T;q' "$file"
}

# Pick the toolchain cargo will use. Normally rust-toolchain.toml decides; when
# only the Debian fallback is available, point rustup at it for this process
# and its children (an environment variable beats the toolchain file).
use_toolchain() {
    local channel
    channel="$(toolchain_channel)"
    if [ -n "${RUSTUP_TOOLCHAIN:-}" ]; then
        return 0
    fi
    # Captured first: grep -q closing the pipe early would trip pipefail.
    local installed
    installed="$(rustup toolchain list 2>/dev/null || true)"
    if [ -n "$channel" ] && grep -Fq "${channel}-" <<<"$installed"; then
        return 0
    fi
    if grep -Eq "^${RECYCLIQUE_DEBIAN_TOOLCHAIN}( |$)" <<<"$installed"; then
        export RUSTUP_TOOLCHAIN="$RECYCLIQUE_DEBIAN_TOOLCHAIN"
        log "using the Debian fallback toolchain ($RUSTUP_TOOLCHAIN)"
    fi
}

# Seconds since the epoch, for phase durations.
now() {
    date +%s
}

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

# Where `cargo leptos build` leaves the site (RECYCLIQUE_SITE_DIR overrides): it
# follows `site-root` in Cargo.toml ("CARGO_TARGET_DIR/..." is cargo-leptos's marker
# for the target dir, a relative path is relative to the workspace root).
site_dir() {
    if [ -n "${RECYCLIQUE_SITE_DIR:-}" ]; then
        echo "$RECYCLIQUE_SITE_DIR"
        return
    fi
    local root
    root="$(python3 - "$RECYCLIQUE_ROOT/Cargo.toml" 2>/dev/null <<'PY' || true
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    leptos = tomllib.load(f).get("workspace", {}).get("metadata", {}).get("leptos", {})
if isinstance(leptos, list):
    leptos = leptos[0] if leptos else {}
print(leptos.get("site-root", "CARGO_TARGET_DIR/site"))
PY
)"
    case "$root" in
        "") echo "$RECYCLIQUE_ROOT/target/site" ;;
        CARGO_TARGET_DIR* | CARGO_BUILD_TARGET_DIR*) echo "$CARGO_TARGET_DIR/${root#*/}" ;;
        /*) echo "$root" ;;
        *) echo "$RECYCLIQUE_ROOT/$root" ;;
    esac
}

# --- A throwaway PostgreSQL cluster (test.sh, bench.sh) ------------------------

PG_DIR=""        # our throwaway cluster, if we started one
PG_BIN=""
PG_STARTED=0
PG_URL=""        # its superuser URL once started

# Run a PostgreSQL binary as the cluster owner: initdb refuses root.
as_pg_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        if have runuser; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

# Starts a cluster of our own in a temp dir on a free port and sets PG_URL.
# Returns 1 (with a warning) when it cannot; call stop_postgres either way.
start_postgres() {
    PG_BIN="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)"
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        warn "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
        return 1
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        warn "running as root and there is no 'postgres' user to own the cluster"
        return 1
    fi
    PG_DIR="$(mktemp -d -t recyclique-pg.XXXXXX)" || return 1
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$PG_DIR" || return 1
    fi
    local port
    port="$(free_port)" || return 1
    as_pg_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
        --encoding=UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 || {
        cat "$PG_DIR/initdb.log" >&2
        return 1
    }
    # The socket lives in our dir (no clash with a system cluster); fsync off
    # because the data is thrown away. -l keeps the server off our stdout,
    # which a CI runner would otherwise wait on.
    PG_STARTED=1
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null || {
        cat "$PG_DIR/postgres.log" >&2
        return 1
    }
    PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
    if have psql; then
        psql "$PG_URL" -qAtc 'select 1' >/dev/null || return 1
    fi
    log "PostgreSQL $(basename "$(dirname "$PG_BIN")") started for this run: $PG_URL"
}

# Stops the cluster start_postgres started, if any, and removes its files.
stop_postgres() {
    if [ "$PG_STARTED" -eq 1 ]; then
        as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        PG_STARTED=0
    fi
    if [ -n "$PG_DIR" ]; then
        rm -rf "$PG_DIR"
        PG_DIR=""
    fi
    PG_URL=""
}

# The URL of database $2 on the server of URL $1 (its path replaced, its query kept).
pg_database_url() {
    local url="$1" name="$2" query=""
    case "$url" in *\?*) query="?${url#*\?}"; url="${url%%\?*}" ;; esac
    local scheme="${url%%://*}://" rest="${url#*://}"
    echo "${scheme}${rest%%/*}/${name}${query}"
}

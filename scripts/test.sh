#!/usr/bin/env bash
# README command 2 (and what CI runs): every test, against both databases,
# then the browser tests against a freshly built server.
#
#   1. PostgreSQL: TEST_POSTGRES_URL if set, else a throwaway cluster of our own
#   2. cargo test -p app -p server  (SQLite and PostgreSQL; one database per test)
#   3. cargo leptos build, start the server on a free port, Playwright
#
# Usage: scripts/test.sh [--no-e2e] [--no-postgres] [--only-e2e]
#   --no-e2e       skip the build + browser tests
#   --no-postgres  run the Rust tests on SQLite only (RECYCLIQUE_SKIP_POSTGRES=1)
#   --only-e2e     skip PostgreSQL and cargo test, run only the browser tests
#   E2E_GREP=text  run only the browser tests whose title matches (playwright -g)
# CI uses no option: there, a PostgreSQL that cannot start is a failure.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$RECYCLIQUE_ROOT"

# Where `cargo leptos build` (debug) leaves the server and the site. The
# binary follows the bin target of the server package; the site follows
# `site-root` in Cargo.toml ("CARGO_TARGET_DIR/..." is cargo-leptos's marker
# for the target dir, a relative path is relative to the workspace root).
SERVER_BIN="${RECYCLIQUE_SERVER_BIN:-$CARGO_TARGET_DIR/debug/server}"
SITE_DIR="$(site_dir)"

RUN_POSTGRES=1
RUN_RUST=1
RUN_E2E=1
for arg in "$@"; do
    case "$arg" in
        --no-e2e) RUN_E2E=0 ;;
        --no-postgres) RUN_POSTGRES=0 ;;
        --only-e2e) RUN_POSTGRES=0; RUN_RUST=0; RUN_E2E=1 ;;
        -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
        *) die "unknown option: $arg (see --help)" ;;
    esac
done

# --- Phase timing and cleanup ------------------------------------------------

TEST_START="$(now)"
PHASES=()
PHASE_NAME=""
PHASE_START=0
phase() {
    phase_end
    PHASE_NAME="$1"
    PHASE_START="$(now)"
    log "$PHASE_NAME"
}
phase_end() {
    if [ -n "$PHASE_NAME" ]; then
        PHASES+=("$(printf '%-26s %5d s' "$PHASE_NAME" "$(($(now) - PHASE_START))")")
        PHASE_NAME=""
    fi
}

E2E_DIR=""       # temp dir of the server under test
SERVER_PID=""
E2E_PASSED=0

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        # Give it 10 s to shut down cleanly, then insist.
        local _
        for _ in $(seq 1 20); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.5
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# Whatever happens (failure, Ctrl-C), stop exactly what this script started.
on_exit() {
    local rc=$?
    set +e
    phase_end
    if [ -n "$E2E_DIR" ] && [ "$E2E_PASSED" -eq 0 ] && [ -f "$E2E_DIR/server.log" ]; then
        log "last lines of the server log ($E2E_DIR/server.log):"
        tail -n 60 "$E2E_DIR/server.log" >&2
    fi
    stop_server
    [ -n "$E2E_DIR" ] && rm -rf "$E2E_DIR"
    drop_new_test_databases
    stop_postgres

    if [ "${#PHASES[@]}" -gt 0 ]; then
        log "durations:"
        printf '    %s\n' "${PHASES[@]}" >&2
    fi
    local total=$(($(now) - TEST_START)) skipped=()
    [ "$RUN_RUST" -eq 1 ] || skipped+=("Rust tests")
    [ "$RUN_RUST" -eq 0 ] || [ -z "${RECYCLIQUE_SKIP_POSTGRES:-}" ] || skipped+=("PostgreSQL tests")
    [ "$RUN_E2E" -eq 1 ] || skipped+=("browser tests")
    if [ "$rc" -eq 0 ] && [ "${#skipped[@]}" -gt 0 ]; then
        local joined
        joined="$(printf '%s, ' "${skipped[@]}")"
        log "TESTS PASSED in ${total} s, but SKIPPED: ${joined%, }"
    elif [ "$rc" -eq 0 ]; then
        log "ALL TESTS PASSED in ${total} s"
    else
        log "TESTS FAILED (exit $rc) after ${total} s"
    fi
    exit "$rc"
}
# Each PostgreSQL test makes a database of its own (`recyclique_test_<uuid>`) and
# leaves it. On our throwaway cluster they go with it; on a TEST_POSTGRES_URL server
# they would pile up (hundreds per run, and autovacuum visiting each of them), so the
# ones this run made are dropped at the end: only those, not another run's.
TEST_DATABASES_BEFORE=""
list_test_databases() {
    psql "$TEST_POSTGRES_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'recyclique\_test\_%' ORDER BY 1" 2>/dev/null
}
drop_new_test_databases() {
    [ "${PG_EXTERNAL:-0}" -eq 1 ] || return 0
    local db n=0
    for db in $(comm -13 <(echo "$TEST_DATABASES_BEFORE" | sort) <(list_test_databases | sort)); do
        psql "$TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 && n=$((n + 1))
    done
    [ "$n" -eq 0 ] || log "dropped the $n test databases of this run"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Setup -------------------------------------------------------------------

phase "setup"
bash scripts/setup.sh
use_toolchain

# --- PostgreSQL --------------------------------------------------------------

if [ "$RUN_RUST" -eq 1 ]; then
    phase "postgresql"
    if [ "$RUN_POSTGRES" -eq 0 ]; then
        log "--no-postgres: Rust tests run on SQLite only"
        export RECYCLIQUE_SKIP_POSTGRES=1
    elif [ -n "${TEST_POSTGRES_URL:-}" ]; then
        log "using TEST_POSTGRES_URL from the environment"
        TEST_DATABASES_BEFORE="$(list_test_databases)"
        PG_EXTERNAL=1
    elif start_postgres; then
        export TEST_POSTGRES_URL="$PG_URL"
    else
        stop_postgres
        cat >&2 <<'WARN'

################################################################################
##                                                                            ##
##   WARNING: PostgreSQL could not be started.                                ##
##   The PostgreSQL half of the Rust tests will NOT run.                      ##
##   Install the Debian package `postgresql`, or set TEST_POSTGRES_URL to a   ##
##   server where this user may create databases.                             ##
##                                                                            ##
################################################################################

WARN
        if [ -n "${CI:-}" ]; then
            die "CI must run the PostgreSQL tests"
        fi
        export RECYCLIQUE_SKIP_POSTGRES=1
    fi

    phase "cargo test (app, server)"
    # Not --workspace: that would unify the `ssr` and `hydrate` features of `app`.
    # Same LEPTOS_OUTPUT_NAME and RUSTFLAGS as cargo-leptos's debug build, so the
    # tests and `cargo leptos build` share one set of compiled dependencies.
    LEPTOS_OUTPUT_NAME=recyclique RUSTFLAGS="--cfg erase_components" cargo test -p app -p server
fi

# --- Browser tests -------------------------------------------------------------

random_password() {
    python3 -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(20)))'
}

if [ "$RUN_E2E" -eq 1 ]; then
    phase "cargo leptos build (debug)"
    cargo leptos build --split
    [ -x "$SERVER_BIN" ] || die "server binary not found at $SERVER_BIN (set RECYCLIQUE_SERVER_BIN)"
    [ -d "$SITE_DIR/pkg" ] || die "site not found at $SITE_DIR (set RECYCLIQUE_SITE_DIR)"

    phase "start server"
    E2E_DIR="$(mktemp -d -t recyclique-e2e.XXXXXX)"
    mkdir -p "$E2E_DIR/data"
    PORT="$(free_port)"
    ADMIN_PASSWORD="$(random_password)"
    # A fresh database and data dir, and a free port: a server left over from
    # another build must never answer these tests.
    env DATABASE_URL="sqlite://$E2E_DIR/e2e.db" \
        RECYCLIQUE_DATA_DIR="$E2E_DIR/data" \
        RECYCLIQUE_ADMIN_USERNAME=admin \
        RECYCLIQUE_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
        LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
        LEPTOS_SITE_ROOT="$SITE_DIR" \
        LEPTOS_SITE_PKG_DIR=pkg \
        LEPTOS_OUTPUT_NAME=recyclique \
        LEPTOS_ENV=DEV \
        "$SERVER_BIN" >"$E2E_DIR/server.log" 2>&1 &
    SERVER_PID=$!

    deadline=$(($(now) + 60))
    until curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited during start-up"
        [ "$(now)" -lt "$deadline" ] || die "the server did not answer /health within 60 s"
        sleep 0.5
    done
    log "server up on http://127.0.0.1:$PORT (pid $SERVER_PID): $(curl -fsS "http://127.0.0.1:$PORT/health")"

    phase "playwright"
    (
        cd end2end
        BASE_URL="http://127.0.0.1:$PORT" \
            E2E_ADMIN_USERNAME=admin \
            E2E_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
            npx playwright test ${E2E_GREP:+-g "$E2E_GREP"}
    )
    E2E_PASSED=1
fi

phase_end

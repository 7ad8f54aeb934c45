#!/usr/bin/env bash
# Reception export and KPI benchmark (not part of the test suite: figures, not asserts).
#
# For each size (default: 100000 and 1000000 lines over a year) and each backend
# (SQLite, then PostgreSQL), it generates data in a fresh database, starts the release
# server on it, and prints:
#   - the lines CSV export of the whole year: time (median of 5 runs, as for the
#     engine and the client below), and the server's peak RSS growth during the
#     requests (see measure);
#   - the engine alone running the same export query to completion without output
#     (see engine_seconds), and the ratio CSV / engine;
#   - the database's own CSV client on the same query (`sqlite3 -csv`, `psql \copy`),
#     and the ratio CSV / client;
#   - the XLSX bulk export: time and peak RSS growth;
#   - GET /v1/reception/stats/live: median and p99 over 2000 requests, and the same
#     for GET /v1/stats/live with its cash block (the admin sees both);
#   - GET /v1/reception/stats/dashboard (the home page): median and p99 over 20;
#   - first, the browser bundle's raw and gzipped sizes (target: 400 KB gzipped);
#   - cash, with as many sale items as lines (a session a day on two registers): the
#     audit export of the year as CSV (its "Détails" table, a row per session) beside
#     the database's CSV client on the same query, and as XLSX (a row per item on
#     "Détails Tickets"): time and peak RSS growth; the audit list's first page with
#     the totals of the whole year (GET /v1/admin/cash-sessions): median and p99 over
#     1000 requests.
#   - the report scheduler (issue 11), see bench_scheduler: BENCH_SCHEDULER_REPORTS
#     (10000) enabled reports spread over a day, aiosmtpd as the SMTP sink: the time to
#     load them at start (target < 1 s) and how late the runs due in the first
#     BENCH_SCHEDULER_MINUTES (3) minutes are claimed (p99 target < 1 s) and sent.
# Targets: CSV <= 1.2x the engine and <= 1.5x the client; RSS flat between sizes
# (a growth within 64 MB, the same at both sizes; the RSS after every request is printed
# beside the idle one); stats/live p99 < 10 ms; cash CSV <= 1.5x the client; audit
# list p99 < 50 ms.
#
# PostgreSQL: BENCH_POSTGRES_URL, else TEST_POSTGRES_URL (a superuser URL: the engine
# measure writes COPY output to the server's /dev/null), else a throwaway cluster
# started for the run. Each size gets a database of its own, dropped afterwards.
#
# Usage: scripts/bench.sh [LINES ...]
#   BENCH_BACKENDS="sqlite postgres" (default) selects the backends;
#   BENCH_PARTS="exports scheduler" (default) the parts (the scheduler alone takes about
#   six minutes a backend, on the wall clock).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$RECYCLIQUE_ROOT"
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
read -r -a BACKENDS <<<"${BENCH_BACKENDS:-sqlite postgres}"
read -r -a PARTS <<<"${BENCH_PARTS:-exports scheduler}"

WORK="$(mktemp -d /tmp/recyclique-bench.XXXXXX)"
BIN=""
SERVER_PID=""
BASE=""          # the running server's URL
COOKIE=""        # the admin's session cookie on it
PG_SERVER=""     # superuser URL of the PostgreSQL server the databases are made on
PG_DATABASES=()  # databases this run created, dropped at exit
ADMIN_PASSWORD=bench-admin-password

# --- Set-up and clean-up -------------------------------------------------------

build_server() {
    log "release build of the server and the browser bundle (cargo leptos build --release --split --precompress)"
    # The same flags as scripts/test.sh, so the compiled dependencies are shared; the
    # production build of the README (--precompress: .br and .gz beside each file).
    LEPTOS_OUTPUT_NAME=recyclique RUSTFLAGS="--cfg erase_components" cargo leptos build --release --split --precompress >&2
    BIN="$CARGO_TARGET_DIR/release/server"
}

# The browser bundle: what a tablet downloads before the page answers clicks. The
# main bundle is every page's; each lazily loaded area (app/src/pages/routes.rs) adds
# its chunks, listed in the split manifest, fetched once.
wasm_sizes() {
    local pkg wasm
    pkg="$(site_dir)/pkg"
    wasm="$pkg/recyclique.wasm"
    [ -f "$wasm" ] || die "no WASM bundle at $wasm"
    [ -f "$pkg/__wasm_split_manifest.json" ] || die "no split manifest in $pkg (built without --split?)"
    python3 - "$pkg" <<'PY'
import gzip, json, os, re, sys
pkg = sys.argv[1]
def sizes(name, ext=".wasm"):
    data = open(os.path.join(pkg, name + ext), "rb").read()
    return len(data), len(gzip.compress(data, 9))
main_raw, main_gz = sizes("recyclique")
js_raw, js_gz = sizes("recyclique", ".js")
print(f"\n{'browser bundle':40s} {'raw':>10s} {'gzip -9':>10s}")
print(f"{'pkg/recyclique.wasm (main)':40s} {main_raw // 1024:7d} KB {main_gz // 1024:7d} KB (target: gzip <= 400 KB)")
print(f"{'pkg/recyclique.js':40s} {js_raw // 1024:7d} KB {js_gz // 1024:7d} KB")
manifest = json.load(open(os.path.join(pkg, "__wasm_split_manifest.json")))
print(f"{'area (main + its chunks)':40s} {'raw':>10s} {'gzip -9':>10s} chunks")
rows = []
for split, chunks in manifest.items():
    page = re.sub(r"_[0-9]+$", "", split.lstrip("_"))
    raw = gz = 0
    for c in chunks:
        r, g = sizes(c)
        raw += r
        gz += g
    rows.append((main_gz + gz, page, main_raw + raw, len(chunks)))
for total_gz, page, total_raw, n in sorted(rows, reverse=True):
    print(f"{'  ' + page:40s} {total_raw // 1024:7d} KB {total_gz // 1024:7d} KB {n}")
PY
}

# What the running server sends a browser that accepts brotli and gzip for the main
# bundle (the precompressed files, through leptos_axum's static file handler).
SERVED_SHOWN=""
served_sizes() {
    local enc bytes
    read -r enc bytes < <(curl -fsS -o /dev/null -H 'Accept-Encoding: br, gzip' -w '%header{content-encoding} %{size_download}\n' "$BASE/pkg/recyclique.wasm")
    [ -n "$bytes" ] || { bytes="$enc"; enc=""; }
    printf '%-40s %7d KB %s\n' "served pkg/recyclique.wasm" "$((bytes / 1024))" "(Content-Encoding: ${enc:-none})"
}

setup_postgres() {
    if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
        PG_SERVER="$BENCH_POSTGRES_URL"
    elif [ -n "${TEST_POSTGRES_URL:-}" ]; then
        PG_SERVER="$TEST_POSTGRES_URL"
    elif start_postgres; then
        PG_SERVER="$PG_URL"
    else
        die "PostgreSQL could not be started: set BENCH_POSTGRES_URL, or BENCH_BACKENDS=sqlite"
    fi
    have psql || die "psql is needed for the PostgreSQL figures (Debian package postgresql-client)"
    log "PostgreSQL: $(psql "$PG_SERVER" -qAtc 'SHOW server_version')"
}

cleanup() {
    set +e
    stop_server
    local db
    for db in "${PG_DATABASES[@]}"; do
        psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
    done
    stop_postgres
    rm -rf "$WORK"
}
trap cleanup EXIT

# Sets DATABASE_URL to a fresh database for backend $1 and size $2.
create_database() {
    case "$1" in
        sqlite)
            export DATABASE_URL="sqlite://$WORK/bench-$2.db" ;;
        postgres)
            local name="recyclique_bench_$2_$$"
            psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
            PG_DATABASES+=("$name")
            export DATABASE_URL
            DATABASE_URL="$(pg_database_url "$PG_SERVER" "$name")" ;;
    esac
}

drop_database() {
    case "$1" in
        sqlite) rm -f "$WORK/bench-$2.db" "$WORK/bench-$2.db-wal" "$WORK/bench-$2.db-shm" ;;
        postgres) psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS recyclique_bench_$2_$$ WITH (FORCE)" >/dev/null ;;
    esac
}

# Starts the server on DATABASE_URL on a free port and logs the admin in.
start_server() {
    local port
    port="$(free_port)"
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_OUTPUT_NAME=recyclique "$BIN" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    BASE="http://127.0.0.1:$port"
    local _
    for _ in $(seq 100); do curl -fsS "$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done
    COOKIE="$(curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$BASE/v1/auth/login" | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip')"
    [ -n "$COOKIE" ] || { tail -20 "$WORK/server.log" >&2; die "could not log in to the server"; }
}

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# --- Measures --------------------------------------------------------------------

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# Runs "${@:2}" with its output to file $1 ("-": to our stderr, appended, never
# truncating a log file stderr may be); prints its wall time in seconds.
seconds_of() {
    local out="$1" start end
    shift
    start=$(date +%s.%N)
    if [ "$out" = "-" ]; then "$@" >&2; else "$@" >"$out"; fi
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

# Runs curl with the arguments "$@" and prints "seconds growth_kb": the server's peak
# RSS during the request above its RSS when the request started. The peak is the
# kernel's own mark (VmHWM), reset before the request (`5 > clear_refs`), so nothing
# samples beside the export: a sampler forking every 20 ms took CPU from the export on
# 2 cores, and the engine it is compared with ran without one. The seconds are curl's
# own time_total, from the start of the request to its last byte: starting the curl
# process takes some 10 ms here, which is nothing beside a large export but several
# times a small one (the cash audit's 730 sessions are written in about 5 ms). The
# clients it is compared with are timed from their process start, which counts against
# them by their own start (about 2 ms for sqlite3), never for the server.
measure() {
    local seconds start peak
    start=$(rss_kb "$SERVER_PID")
    echo 5 >"/proc/$SERVER_PID/clear_refs"
    seconds=$(curl -w '%{time_total}' "$@")
    peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
    # The growth during the request: what the export itself holds, whatever earlier
    # requests left in the allocator (the idle figure is taken once, at start).
    echo "$seconds $((peak > start ? peak - start : 0))"
}

# The server's export query (export_lines_sql in server/src/storage/reception.rs) for
# backend $1 and the instants [$2, $3) in epoch seconds, with the filter's unused
# conditions left out: the same rows and columns in the same order on both backends.
export_sql() {
    local from to
    case "$1" in
        sqlite) from="$(($2 * 1000000))"; to="$(($3 * 1000000))" ;;  # microseconds
        postgres) from="to_timestamp($2)"; to="to_timestamp($3)" ;;
    esac
    echo "SELECT t.id, t.number_year, t.number_seq, t.ticket_at, t.status, t.poste_id, p.is_deferred, u.display_name,
                 l.id, l.created_at, c.name, pc.name, l.poids_g, l.destination, l.notes, l.is_exit
          FROM lignes l
          JOIN tickets t ON t.id = l.ticket_id
          JOIN postes p ON p.id = t.poste_id
          JOIN users u ON u.id = t.benevole_id
          JOIN categories c ON c.id = l.category_id
          LEFT JOIN categories pc ON pc.id = c.parent_id
          WHERE t.ticket_at >= $from AND t.ticket_at < $to
          ORDER BY t.ticket_at, t.number_year, t.number_seq, l.created_at, l.id"
}

# The engine alone: query $2 run to completion, every value produced, nothing written
# but no client either. SQLite: the sqlite3 shell in `.mode off` steps every row and
# fetches each column (sqlite3_column_text) but formats and prints nothing.
# PostgreSQL: `COPY (query) TO '/dev/null'` runs inside the server: the executor and
# each column's output function, no wire protocol and no client-side parsing or
# formatting (psql with `\o /dev/null` would time psql buffering and aligning the whole
# result). Both therefore measure the database producing the rows as text, the floor
# an export through a driver cannot beat. Prints the seconds; for PostgreSQL checks
# the row count against $3.
engine_seconds() {
    local sql="$2" rows="$3"
    case "$1" in
        sqlite)
            seconds_of /dev/null sqlite3 "$DB_FILE" ".mode off" "$sql;" ;;
        postgres)
            local out="$WORK/copy.out" s
            s=$(seconds_of "$out" psql "$DATABASE_URL" -Atc "COPY ($sql) TO '/dev/null'")
            grep -q "^COPY $rows\$" "$out" || warn "COPY counted $(head -1 "$out"), the CSV export $rows"
            echo "$s" ;;
    esac
}

# The database's own CSV client on query $2, to a file; prints the seconds and checks
# the row count against $3.
client_csv_seconds() {
    local sql="$2" rows="$3" s
    case "$1" in
        sqlite) s=$(seconds_of "$WORK/client.csv" sqlite3 -csv "$DB_FILE" "$sql;") ;;
        postgres) s=$(seconds_of /dev/null psql "$DATABASE_URL" -qc "\\copy ($(tr '\n' ' ' <<<"$sql")) TO '$WORK/client.csv' WITH (FORMAT csv)") ;;
    esac
    [ "$(wc -l <"$WORK/client.csv")" -eq "$rows" ] || warn "$1's client wrote $(wc -l <"$WORK/client.csv") rows, the CSV export $rows"
    rm -f "$WORK/client.csv"
    echo "$s"
}

# The cash audit CSV's query (SESSION_SELECT in server/src/storage/cash.rs, default
# order) for backend $1 over the instants [$2, $3) in epoch seconds.
cash_sql() {
    local from to
    case "$1" in
        sqlite) from="$(($2 * 1000000))"; to="$(($3 * 1000000))" ;;
        postgres) from="to_timestamp($2)"; to="to_timestamp($3)" ;;
    esac
    echo "SELECT s.id, s.register_id, r.name, r.site_id, si.name, s.operator_id, u.display_name,
                 s.opened_at, s.closed_at, s.is_deferred, s.opening_float_cents,
                 s.sales_count, s.items_count, s.total_cents, s.donation_cents,
                 s.cash_cents, s.card_cents, s.check_cents, s.free_cents, s.weight_g,
                 s.counted_cash_cents, s.counted_card_cents, s.counted_check_cents,
                 s.expected_cash_cents, s.expected_card_cents, s.expected_check_cents,
                 s.cash_variance_cents, s.comment
          FROM cash_sessions s
          JOIN registers r ON r.id = s.register_id
          JOIN sites si ON si.id = r.site_id
          JOIN users u ON u.id = s.operator_id
          WHERE s.opened_at >= $from AND s.opened_at < $to
          ORDER BY s.opened_at DESC, s.id DESC"
}

# --- Report ---------------------------------------------------------------------

header() {
    printf '\n%-9s %-9s %-34s %12s %10s\n' "lines" "backend" "measure" "value" "target"
}

# One figure: size, backend, what, printf format of the value, value, target.
row() {
    # shellcheck disable=SC2059
    printf "%-9s %-9s %-34s $4 %10s\n" "$1" "$2" "$3" "$5" "${6:-}"
}

# --- One size on one backend ------------------------------------------------------

bench_one() {
    local backend="$1" n="$2"
    export RECYCLIQUE_DATA_DIR="$WORK/data-$backend-$n" RUST_LOG=warn
    export RECYCLIQUE_ADMIN_USERNAME=admin RECYCLIQUE_ADMIN_PASSWORD="$ADMIN_PASSWORD"
    create_database "$backend" "$n"
    DB_FILE="$WORK/bench-$n.db"
    local gen_s
    gen_s=$(seconds_of - "$BIN" generate-data --lines "$n" --sale-items "$n" --days 365)
    start_server
    [ -n "$SERVED_SHOWN" ] || served_sizes
    SERVED_SHOWN=1

    local from to from_s to_s
    from="$(date -d '-365 days' +%F)"; to="$(date +%F)"
    from_s="$(TZ=Europe/Paris date -d "$from 00:00" +%s)"
    to_s="$(TZ=Europe/Paris date -d "$to 00:00 +1 day" +%s)"
    sleep 0.5
    local idle
    idle=$(rss_kb "$SERVER_PID")

    # Five rounds of the export, the engine and the client one after the other, after
    # one export that warms the caches and is not counted. Each ratio compares runs
    # taken seconds apart, and the figure is the median of the five ratios: this VM's
    # speed drifts by a third between minutes, which skewed ratios of runs timed in
    # separate phases.
    local csv_s csv_peak rows sql engine_s client_s _peak r_engine r_client
    local csv_runs=() engine_runs=() lclient_runs=() engine_ratios=() client_ratios=()
    read -r _ csv_peak < <(measure -fsS -o "$WORK/out.csv" -H "Cookie: $COOKIE" \
        "$BASE/v1/reception/lignes/export-csv?date_from=$from&date_to=$to")
    rows=$(($(wc -l <"$WORK/out.csv") - 1))
    sql="$(export_sql "$backend" "$from_s" "$to_s")"
    for _ in 1 2 3 4 5; do
        read -r csv_s _peak < <(measure -fsS -o "$WORK/out.csv" -H "Cookie: $COOKIE" \
            "$BASE/v1/reception/lignes/export-csv?date_from=$from&date_to=$to")
        [ "$csv_peak" -ge "$_peak" ] || csv_peak=$_peak
        engine_s="$(engine_seconds "$backend" "$sql" "$rows")"
        client_s="$(client_csv_seconds "$backend" "$sql" "$rows")"
        csv_runs+=("$csv_s")
        engine_runs+=("$engine_s")
        lclient_runs+=("$client_s")
        engine_ratios+=("$(echo "$csv_s / $engine_s" | bc -l)")
        client_ratios+=("$(echo "$csv_s / $client_s" | bc -l)")
    done
    median5() { printf '%s\n' "$@" | sort -g | sed -n 3p; }
    csv_s=$(median5 "${csv_runs[@]}")
    engine_s=$(median5 "${engine_runs[@]}")
    client_s=$(median5 "${lclient_runs[@]}")
    r_engine=$(median5 "${engine_ratios[@]}")
    r_client=$(median5 "${client_ratios[@]}")

    local xlsx_s xlsx_peak p50 p99 _pmax
    read -r xlsx_s xlsx_peak < <(measure -fsS -o "$WORK/out.xlsx" -H "Cookie: $COOKIE" -H 'content-type: application/json' \
        -d "{\"date_from\":\"$from\",\"date_to\":\"$to\",\"format\":\"xlsx\"}" "$BASE/v1/admin/reports/reception-tickets/export-bulk")
    read -r p50 p99 _pmax < <(python3 bench/stats_latency.py "$BASE" "$COOKIE" 2000)

    local client
    case "$backend" in sqlite) client="sqlite3 -csv" ;; postgres) client="psql \\copy csv" ;; esac
    row "$n" "$backend" "generate-data" "%11.2fs" "$gen_s"
    row "$n" "$backend" "CSV rows exported" "%12s" "$rows" "$n"
    row "$n" "$backend" "CSV export time (median of 5)" "%11.2fs" "$csv_s"
    row "$n" "$backend" "engine, same query (median of 5)" "%11.2fs" "$engine_s"
    row "$n" "$backend" "CSV / engine (median of 5 rounds)" "%11.2fx" "$r_engine" "<= 1.20x"
    row "$n" "$backend" "$client (median of 5)" "%11.2fs" "$client_s"
    row "$n" "$backend" "CSV / $client (median of 5 rounds)" "%11.2fx" "$r_client" "<= 1.50x"
    row "$n" "$backend" "idle RSS" "%9d MB" "$((idle / 1024))"
    row "$n" "$backend" "CSV peak RSS growth" "%9d MB" "$((csv_peak / 1024))" "<= 64 MB"
    row "$n" "$backend" "XLSX export time" "%11.2fs" "$xlsx_s"
    row "$n" "$backend" "XLSX peak RSS growth" "%9d MB" "$((xlsx_peak / 1024))" "<= 64 MB"
    row "$n" "$backend" "XLSX size" "%9d KB" "$(($(stat -c %s "$WORK/out.xlsx") / 1024))"
    row "$n" "$backend" "stats/live median" "%9.2f ms" "$p50"
    row "$n" "$backend" "stats/live p99" "%9.2f ms" "$p99" "< 10 ms"
    # The home page's dashboard (an admin's: the whole site, by bénévole).
    local d50 d99 _dmax
    read -r d50 d99 _dmax < <(python3 bench/stats_latency.py "$BASE" "$COOKIE" 20 "/v1/reception/stats/dashboard" 2)
    row "$n" "$backend" "dashboard median" "%9.2f ms" "$d50"
    row "$n" "$backend" "dashboard p99" "%9.2f ms" "$d99"

    # Cash: the audit export of the year and the audit list.
    local cash_body="{\"filters\":{\"date_from\":\"$from\",\"date_to\":\"$to\"},\"format\":\"FORMAT\"}"
    local ccsv_s ccsv_peak crows cclient_s cxlsx_s cxlsx_peak a50 a99 _amax
    # A few milliseconds of work each: the median of 5 runs on each side, both warm,
    # rather than one run that a cold cache or the previous export's clean-up decides.
    local runs=() client_runs=() _peak csql
    ccsv_peak=0
    for _ in 1 2 3 4 5; do
        read -r ccsv_s _peak < <(measure -fsS -o "$WORK/out.csv" -H "Cookie: $COOKIE" -H 'content-type: application/json' \
            -d "${cash_body/FORMAT/csv}" "$BASE/v1/admin/reports/cash-sessions/export-bulk")
        runs+=("$ccsv_s")
        [ "$ccsv_peak" -ge "$_peak" ] || ccsv_peak=$_peak
    done
    crows=$(($(wc -l <"$WORK/out.csv") - 1))
    csql="$(cash_sql "$backend" "$from_s" "$to_s")"
    for _ in 1 2 3 4 5; do client_runs+=("$(client_csv_seconds "$backend" "$csql" "$crows")"); done
    ccsv_s=$(printf '%s\n' "${runs[@]}" | sort -g | sed -n 3p)
    cclient_s=$(printf '%s\n' "${client_runs[@]}" | sort -g | sed -n 3p)
    read -r cxlsx_s cxlsx_peak < <(measure -fsS -o "$WORK/out.xlsx" -H "Cookie: $COOKIE" -H 'content-type: application/json' \
        -d "${cash_body/FORMAT/xlsx}" "$BASE/v1/admin/reports/cash-sessions/export-bulk")
    read -r a50 a99 _amax < <(python3 bench/stats_latency.py "$BASE" "$COOKIE" 1000 "/v1/admin/cash-sessions?date_from=$from&date_to=$to&page_size=50")
    # The unified KPI endpoint: the admin gets both the reception and the cash block.
    local u50 u99 _umax
    read -r u50 u99 _umax < <(python3 bench/stats_latency.py "$BASE" "$COOKIE" 2000 "/v1/stats/live")
    row "$n" "$backend" "cash: sessions (CSV rows)" "%12s" "$crows"
    row "$n" "$backend" "cash CSV time (median of 5)" "%11.3fs" "$ccsv_s"
    row "$n" "$backend" "cash $client (median of 5)" "%11.3fs" "$cclient_s"
    row "$n" "$backend" "cash CSV / $client" "%11.2fx" "$(echo "$ccsv_s / $cclient_s" | bc -l)" "<= 1.50x"
    row "$n" "$backend" "cash CSV peak RSS growth" "%9d MB" "$((ccsv_peak / 1024))" "<= 64 MB"
    row "$n" "$backend" "cash XLSX export time" "%11.2fs" "$cxlsx_s"
    row "$n" "$backend" "cash XLSX peak RSS growth" "%9d MB" "$((cxlsx_peak / 1024))" "<= 64 MB"
    row "$n" "$backend" "cash XLSX size" "%9d KB" "$(($(stat -c %s "$WORK/out.xlsx") / 1024))"
    row "$n" "$backend" "audit list median" "%9.2f ms" "$a50"
    row "$n" "$backend" "audit list p99" "%9.2f ms" "$a99" "< 50 ms"
    row "$n" "$backend" "stats/live (+cash) median" "%9.2f ms" "$u50"
    row "$n" "$backend" "stats/live (+cash) p99" "%9.2f ms" "$u99" "< 10 ms"
    row "$n" "$backend" "RSS after every request" "%9d MB" "$(($(rss_kb "$SERVER_PID") / 1024))"

    stop_server
    drop_database "$backend" "$n"
    rm -rf "$WORK"/out.* "$RECYCLIQUE_DATA_DIR"
}

# --- The report scheduler (issue 11) ------------------------------------------------

# server/examples/scheduler_bench.rs on backend $1, mailing to a real SMTP sink
# (aiosmtpd's Maildir handler, as the tests use): it inserts the reports, measures
# their load, then runs the application on the wall clock through the first minutes
# of their day and reads each run's lateness from the database.
bench_scheduler() {
    local backend="$1" port maildir smtp_pid _
    create_database "$backend" scheduler
    port="$(free_port)"
    maildir="$WORK/maildir-$backend"
    python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" >"$WORK/smtp.log" 2>&1 &
    smtp_pid=$!
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    printf '\nscheduler, %s (load average %s)\n' "$backend" "$(cut -d' ' -f1-3 /proc/loadavg)"
    SMTP_URL="smtp://127.0.0.1:$port" BENCH_MAILDIR="$maildir" RUST_LOG=warn \
        "$CARGO_TARGET_DIR/release/examples/scheduler_bench" "${BENCH_SCHEDULER_REPORTS:-10000}" "${BENCH_SCHEDULER_MINUTES:-3}" | sed 's/^/  /'
    kill "$smtp_pid" 2>/dev/null || true
    wait "$smtp_pid" 2>/dev/null || true
    drop_database "$backend" scheduler
}

# --- Main ---------------------------------------------------------------------------

wants() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }
for part in "${PARTS[@]}"; do
    case "$part" in exports | scheduler) ;; *) die "unknown part in BENCH_PARTS: $part" ;; esac
done
for b in "${BACKENDS[@]}"; do
    case "$b" in
        sqlite) ;;
        postgres) setup_postgres ;;
        *) die "unknown backend in BENCH_BACKENDS: $b" ;;
    esac
done
if wants exports; then
    build_server
    wasm_sizes
    header
    for n in "${SIZES[@]}"; do
        for b in "${BACKENDS[@]}"; do
            bench_one "$b" "$n"
        done
    done
fi
if wants scheduler; then
    log "release build of the scheduler benchmark (cargo build --release --example scheduler_bench)"
    LEPTOS_OUTPUT_NAME=recyclique RUSTFLAGS="--cfg erase_components" cargo build --release -p server --example scheduler_bench >&2
    for b in "${BACKENDS[@]}"; do
        bench_scheduler "$b"
    done
fi

#!/usr/bin/env bash
# Reception export and KPI benchmark (not part of the test suite: figures, not asserts).
#
# For each size (default: 100000 and 1000000 lines over a year) it generates data in a
# fresh SQLite database, starts the release server, and prints:
#   - lines CSV export of the whole year: time, and server peak RSS above idle;
#   - the same query through `sqlite3 -csv` on the same file, and the ratio;
#   - the XLSX bulk export: time and peak RSS above idle;
#   - GET /v1/reception/stats/live: median and p99 over 2000 requests.
# Targets: CSV <= 1.5x sqlite3; RSS flat between sizes (within 64 MB of idle);
# stats/live p99 < 10 ms.
#
# Usage: scripts/bench.sh [LINES ...]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$RECYCLIQUE_ROOT"
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)

log "release build of the server"
LEPTOS_OUTPUT_NAME=recyclique cargo build --release -p server --quiet
BIN="$CARGO_TARGET_DIR/release/server"
WORK="$(mktemp -d /tmp/recyclique-bench.XXXXXX)"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# Runs "$@" while sampling the server's RSS every 20 ms; prints "seconds peak_kb".
measure() {
    local peak_file="$WORK/peak" start end
    echo 0 > "$peak_file"
    ( peak=0; while kill -0 "$SERVER_PID" 2>/dev/null; do r=$(rss_kb "$SERVER_PID"); [ "$r" -gt "$peak" ] && { peak=$r; echo "$peak" > "$peak_file"; }; sleep 0.02; done ) &
    local sampler=$!
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    echo "$(echo "$end - $start" | bc -l) $(cat "$peak_file")"
}

printf '\n%-9s %-28s %12s %14s\n' "lines" "measure" "value" "target"
for n in "${SIZES[@]}"; do
    db="$WORK/bench-$n.db"
    export DATABASE_URL="sqlite://$db" RECYCLIQUE_DATA_DIR="$WORK/data-$n"
    export RECYCLIQUE_ADMIN_USERNAME=admin RECYCLIQUE_ADMIN_PASSWORD=bench-admin-password RUST_LOG=warn
    "$BIN" generate-data --lines "$n" --days 365 >&2
    port="$(free_port)"
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_OUTPUT_NAME=recyclique "$BIN" > "$WORK/server-$n.log" 2>&1 &
    SERVER_PID=$!
    base="http://127.0.0.1:$port"
    for _ in $(seq 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done
    cookie="$(curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
        -d '{"username":"admin","password":"bench-admin-password"}' "$base/v1/auth/login" | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip')"
    from="$(date -d '-365 days' +%F)"; to="$(date +%F)"
    sleep 0.5
    idle=$(rss_kb "$SERVER_PID")

    read -r csv_s csv_peak < <(measure curl -fsS -o "$WORK/out.csv" -H "Cookie: $cookie" "$base/v1/reception/lignes/export-csv?date_from=$from&date_to=$to")
    rows=$(($(wc -l < "$WORK/out.csv") - 1))
    # The same rows and columns straight from SQLite's own shell.
    sql="SELECT t.id, t.ticket_at, t.status, t.poste_id, p.is_deferred, u.display_name, l.id, l.created_at, c.name, pc.name,
                l.poids_g, l.destination, l.is_exit, l.notes
         FROM lignes l JOIN tickets t ON t.id = l.ticket_id JOIN postes p ON p.id = t.poste_id JOIN users u ON u.id = t.benevole_id
         JOIN categories c ON c.id = l.category_id LEFT JOIN categories pc ON pc.id = c.parent_id
         ORDER BY t.ticket_at, t.id, l.created_at, l.id;"
    s0=$(date +%s.%N); sqlite3 -csv "$db" "$sql" > "$WORK/sqlite.csv"; s1=$(date +%s.%N)
    sqlite_s=$(echo "$s1 - $s0" | bc -l)
    ratio=$(echo "$csv_s / $sqlite_s" | bc -l)

    read -r xlsx_s xlsx_peak < <(measure curl -fsS -o "$WORK/out.xlsx" -H "Cookie: $cookie" -H 'content-type: application/json' \
        -d "{\"date_from\":\"$from\",\"date_to\":\"$to\",\"format\":\"xlsx\"}" "$base/v1/admin/reports/reception-tickets/export-bulk")
    read -r p50 p99 pmax < <(python3 bench/stats_latency.py "$base" "$cookie" 2000)

    printf '%-9s %-28s %12s %14s\n' "$n" "CSV rows exported" "$rows" "$n"
    printf '%-9s %-28s %11.2fs %14s\n' "$n" "CSV export time" "$csv_s" ""
    printf '%-9s %-28s %11.2fs %14s\n' "$n" "sqlite3 -csv same query" "$sqlite_s" ""
    printf '%-9s %-28s %11.2fx %14s\n' "$n" "CSV / sqlite3" "$ratio" "<= 1.50x"
    printf '%-9s %-28s %10d MB %14s\n' "$n" "idle RSS" "$((idle / 1024))" ""
    printf '%-9s %-28s %10d MB %14s\n' "$n" "CSV peak RSS above idle" "$(((csv_peak - idle) / 1024))" "<= 64 MB"
    printf '%-9s %-28s %11.2fs %14s\n' "$n" "XLSX export time" "$xlsx_s" ""
    printf '%-9s %-28s %10d MB %14s\n' "$n" "XLSX peak RSS above idle" "$(((xlsx_peak - idle) / 1024))" "<= 64 MB"
    printf '%-9s %-28s %10s KB %14s\n' "$n" "XLSX size" "$(($(stat -c %s "$WORK/out.xlsx") / 1024))" ""
    printf '%-9s %-28s %9.2f ms %14s\n' "$n" "stats/live median" "$p50" ""
    printf '%-9s %-28s %9.2f ms %14s\n' "$n" "stats/live p99" "$p99" "< 10 ms"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    rm -f "$db" "$db-wal" "$db-shm" "$WORK"/out.* "$WORK/sqlite.csv"
done

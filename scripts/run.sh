#!/usr/bin/env bash
# README command 1: install what is missing, then build (debug) and serve
# RecyClique on http://127.0.0.1:3000, rebuilding on source changes.
#
# The database defaults to sqlite://data/recyclique.db (override with
# DATABASE_URL). On the first start the server creates the administrator from
# RECYCLIQUE_ADMIN_USERNAME / RECYCLIQUE_ADMIN_PASSWORD, or prints generated
# credentials once. Variables can also live in a .env file at the repo root.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$RECYCLIQUE_ROOT"

if [ -f .env ]; then
    log "loading .env"
    set -a
    # shellcheck disable=SC1091
    . ./.env
    set +a
fi

bash scripts/setup.sh
use_toolchain

# The default SQLite file lives in data/; SQLite will not create the folder.
mkdir -p data

log "cargo leptos serve (debug) on http://127.0.0.1:3000"
exec cargo leptos serve --split

#!/usr/bin/env bash
# Installs what building, running and testing RecyClique needs, and nothing
# that is already there: every step checks first, so a second run takes
# seconds. Works as root on a bare Debian 12 (CI) and on a developer machine
# (apt through sudo). See /work/shared/docs/toolchain.md for the reasons
# behind each step.
#
# Usage: scripts/setup.sh [--check]
#   --check   report what is missing without installing anything (exit 1 if
#             something is missing)
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$RECYCLIQUE_ROOT"

# One setup at a time on a machine: two checkouts (or a test run and a bench) that
# start together would otherwise build the same tool into the same directory. The
# second one waits, then finds the tools installed.
mkdir -p "$HOME/.cache/recyclique"
exec 9>"$HOME/.cache/recyclique/setup.lock"
if ! flock -n 9; then
    log "another setup is running on this machine: waiting for it"
    flock 9
fi

CHECK_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --check) CHECK_ONLY=1 ;;
        -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
        *) die "unknown option: $arg" ;;
    esac
done

CARGO_LEPTOS_VERSION="0.3.11"
BINARYEN_NPM="binaryen@132"
# bc: arithmetic in scripts/bench.sh.
APT_PACKAGES=(chromium postgresql sqlite3 curl bc)

export DEBIAN_FRONTEND=noninteractive
# The browser comes from Debian; a Playwright download would fail here anyway.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# pip warns at length when run as root (CI); that is intended here.
export PIP_ROOT_USER_ACTION=ignore

SETUP_START="$(now)"
MISSING=()   # what --check found missing
DONE=()      # what this run installed

# In --check mode, record the need and tell the caller to skip the action.
needs() {
    if [ "$CHECK_ONLY" -eq 1 ]; then
        MISSING+=("$1")
        log "missing: $1"
        return 1
    fi
    log "installing: $1"
    DONE+=("$1")
}

# Long cargo installs build in their own directory so that an interrupted
# install (25 minutes for cargo-leptos on 2 cores) resumes where it stopped;
# the directory is removed once the tool is installed.
cargo_install() {
    local dir="$HOME/.cache/recyclique/install-target"
    # --force: we only get here when the check found the tool missing or at the wrong
    # version; without it cargo skips a crate it still lists as installed even when
    # the binary itself is gone.
    CARGO_TARGET_DIR="$dir" cargo install --force "$@"
    rm -rf "$dir" || warn "could not remove $dir (left for the next install)"
}

apt_updated=0
apt_install() {
    have apt-get || die "apt-get not found: install $* by hand"
    if [ "$apt_updated" -eq 0 ]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

dpkg_installed() {
    local status
    status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ]
}

# --- 1. Rust ---------------------------------------------------------------

# True when the toolchain pinned by rust-toolchain.toml, its targets and its
# components are all installed. Checked locally so that no download (and no
# network) is needed when nothing changed.
rust_toolchain_ready() {
    local channel wanted installed item
    channel="$(toolchain_channel)"
    [ -n "$channel" ] || return 1
    installed="$(rustup component list --installed --toolchain "$channel" 2>/dev/null)" || return 1
    # tomllib needs Python 3.11; without it we simply let rustup decide.
    wanted="$(python3 - "$RECYCLIQUE_ROOT/rust-toolchain.toml" 2>/dev/null <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    tc = tomllib.load(f)["toolchain"]
for t in tc.get("targets", []):
    print("rust-std-" + t)
for c in tc.get("components", []):
    print(c + "-")
PY
)" || return 1
    while IFS= read -r item; do
        [ -n "$item" ] || continue
        grep -q "^${item}" <<<"$installed" || return 1
    done <<<"$wanted"
}

# Fallback of toolchain.md, used only when rustup cannot download the pinned
# toolchain: Debian's rustc-web (same 1.96) plus a wasm32 std built once from
# its sources, linked into rustup as "debian-web" (lib.sh's use_toolchain then
# selects it).
install_debian_rust() {
    warn "rustup could not install the pinned toolchain: falling back to Debian's rustc-web"
    if ! dpkg_installed rustc-web || ! dpkg_installed cargo-web || ! dpkg_installed rust-web-src \
        || ! dpkg_installed rust-web-llvm || ! dpkg_installed lld-22; then
        apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22
    fi

    local sysroot_lib
    sysroot_lib="$(/usr/bin/rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown/lib"
    if ! compgen -G "$sysroot_lib/libstd-*.rlib" >/dev/null; then
        log "building the wasm32 standard library from Debian's sources (about a minute)"
        local crate
        crate="$(mktemp -d)"
        mkdir -p "$crate/src"
        : >"$crate/src/lib.rs"
        cat >"$crate/Cargo.toml" <<'TOML'
[package]
name = "wasm-std"
version = "0.0.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]
TOML
        # Debian's cargo and rustc directly, outside the repo: no rustup
        # proxy, no toolchain file, no shared target dir.
        (cd "$crate" && env -u RUSTUP_TOOLCHAIN CARGO_TARGET_DIR="$crate/target" \
            RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo build --release \
            --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
        as_root mkdir -p "$sysroot_lib"
        as_root cp "$crate"/target/wasm32-unknown-unknown/release/deps/*.rlib "$sysroot_lib/"
        rm -rf "$crate"
    fi

    local toolchains
    toolchains="$(rustup toolchain list)"
    if ! grep -Eq "^${RECYCLIQUE_DEBIAN_TOOLCHAIN}( |$)" <<<"$toolchains"; then
        rustup toolchain link "$RECYCLIQUE_DEBIAN_TOOLCHAIN" /usr
    fi
}

setup_rust() {
    [ -f rust-toolchain.toml ] || die "rust-toolchain.toml is missing at $RECYCLIQUE_ROOT"
    have rustup || die "rustup not found: install it from https://rustup.rs"
    if rust_toolchain_ready; then
        return 0
    fi
    needs "Rust toolchain $(toolchain_channel) (rust-toolchain.toml)" || return 0
    # No argument: installs exactly what rust-toolchain.toml names. Needed
    # because RUSTUP_AUTO_INSTALL=0 disables rustup's implicit install.
    if ! rustup toolchain install; then
        install_debian_rust
    fi
}

# --- 2. cargo-leptos, wasm-bindgen, wasm-opt --------------------------------

setup_cargo_leptos() {
    local version
    version="$(cargo leptos --version 2>/dev/null || true)"
    if grep -Fqw "$CARGO_LEPTOS_VERSION" <<<"$version"; then
        return 0
    fi
    needs "cargo-leptos $CARGO_LEPTOS_VERSION (about 25 minutes on 2 cores)" || return 0
    # Run from the repo so the pinned toolchain builds it: 0.3.11 with
    # --locked needs rustc >= 1.96. no_downloads: use the tools from PATH
    # (wasm-bindgen, wasm-opt) instead of downloading them.
    cargo_install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
    grep -Fqw "$CARGO_LEPTOS_VERSION" <<<"$(cargo leptos --version 2>/dev/null || true)" ||
        die "cargo-leptos $CARGO_LEPTOS_VERSION is still not available after installing it"
}

# The version of the wasm-bindgen crate in Cargo.lock: the CLI must match it
# exactly or cargo-leptos refuses the build.
locked_wasm_bindgen_version() {
    [ -f Cargo.lock ] || return 0
    awk '
        /^\[\[package\]\]/ { name = "" }
        /^name = /         { name = $3 }
        /^version = / && name == "\"wasm-bindgen\"" { gsub(/"/, "", $3); print $3; exit }
    ' Cargo.lock
}

setup_wasm_bindgen() {
    local wanted current
    wanted="$(locked_wasm_bindgen_version)"
    if [ -z "$wanted" ]; then
        warn "no wasm-bindgen in Cargo.lock (missing lock file?): wasm-bindgen-cli not checked"
        return 0
    fi
    current="$(wasm-bindgen --version 2>/dev/null || true)"
    if [ "$current" = "wasm-bindgen $wanted" ]; then
        return 0
    fi
    needs "wasm-bindgen-cli $wanted (found: ${current:-none})" || return 0
    # Not --locked: the published lock file of some versions pins a crate
    # that the registry no longer has.
    cargo_install wasm-bindgen-cli --version "$wanted"
    [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $wanted" ] ||
        die "wasm-bindgen $wanted is still not available after installing it"
}

setup_wasm_opt() {
    have wasm-opt && return 0
    needs "wasm-opt ($BINARYEN_NPM from npm; Debian's binaryen is too old)" || return 0
    local prefix
    prefix="$(npm prefix -g)"
    if [ -w "$prefix" ] && { [ ! -e "$prefix/lib" ] || [ -w "$prefix/lib" ]; }; then
        npm install -g --silent "$BINARYEN_NPM"
    else
        # Not root and no writable global prefix: a per-user install.
        npm install -g --silent --prefix "$HOME/.local" "$BINARYEN_NPM"
        case ":$PATH:" in
            *":$HOME/.local/bin:"*) ;;
            *) warn "add $HOME/.local/bin to PATH for wasm-opt" ;;
        esac
    fi
}

# --- 3. System packages ------------------------------------------------------

setup_apt() {
    local missing=() pkg
    if ! have dpkg-query; then
        # Not Debian: only say what we expect to find.
        for pkg in chromium psql sqlite3 curl bc; do
            have "$pkg" || warn "$pkg not found; install it with your package manager"
        done
        return 0
    fi
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    needs "apt packages: ${missing[*]}" || return 0
    apt_install "${missing[@]}"
}

# --- 4. Python SMTP server for the Rust integration tests ------------------

setup_python() {
    python3 -c 'import aiosmtpd' 2>/dev/null && return 0
    needs "Python package aiosmtpd" || return 0
    if python3 -m pip install --quiet aiosmtpd; then
        return 0
    fi
    # Debian's own python3 refuses pip (PEP 668); its package does the job.
    if have apt-get; then
        apt_install python3-aiosmtpd
    fi
    python3 -c 'import aiosmtpd' || die "could not install aiosmtpd for $(command -v python3)"
}

# --- 5. Playwright -----------------------------------------------------------

setup_end2end() {
    local dir="$RECYCLIQUE_ROOT/end2end"
    local stamp="$dir/node_modules/.recyclique-lock.sha256"
    local sum
    [ -f "$dir/package-lock.json" ] || die "end2end/package-lock.json is missing"
    sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
    if [ -d "$dir/node_modules/@playwright/test" ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$sum" ]; then
        return 0
    fi
    needs "end2end npm packages (npm ci)" || return 0
    # Never `npx playwright install`: we drive Debian's /usr/bin/chromium.
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    printf '%s\n' "$sum" >"$stamp"
}

# --- Run -----------------------------------------------------------------------

setup_rust
# Later steps call cargo; let it find the fallback toolchain if that is what
# we have.
use_toolchain
setup_apt
setup_cargo_leptos
setup_wasm_bindgen
setup_wasm_opt
setup_python
setup_end2end

if [ "$CHECK_ONLY" -eq 1 ]; then
    if [ "${#MISSING[@]}" -gt 0 ]; then
        log "setup --check: ${#MISSING[@]} item(s) missing"
        exit 1
    fi
    log "setup --check: nothing missing"
    exit 0
fi

# One line per tool, so a CI log shows what the build ran with.
summary() {
    printf '    %-14s %s\n' "$1" "$2" >&2
}
log "setup done in $(($(now) - SETUP_START)) s${DONE[*]:+ (installed: ${#DONE[@]} item(s))}"
summary rustc "$(rustc --version 2>/dev/null || echo '?')"
summary cargo-leptos "$(cargo leptos --version 2>/dev/null || echo '?')"
summary wasm-bindgen "$(wasm-bindgen --version 2>/dev/null || echo '?')"
summary wasm-opt "$(wasm-opt --version 2>/dev/null || echo '?')"
summary chromium "$( (chromium --version 2>/dev/null || echo '?') | head -n 1)"
summary postgresql "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)"
summary aiosmtpd "$(python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)' 2>/dev/null || echo '?')"
summary playwright "$(cd end2end && node -p 'require("@playwright/test/package.json").version' 2>/dev/null || echo '?')"

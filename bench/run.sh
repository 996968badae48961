#!/usr/bin/env bash
# Gatehouse benchmarks: builds the release binary, starts Gatehouse on 127.0.0.1 with a fresh
# database per backend, seeds it, loads it with wrk, checks every answer, prints a table.
#
#   bench/run.sh [--backend sqlite|postgres|both] [--seconds N] [--scenarios 1,2,...] [--keep]
#
# Needs: cargo, python3 (3.11+), wrk (installed with apt-get when missing), and for PostgreSQL
# Debian's server packages (scripts/postgres.sh installs them). The table is also saved under
# bench/results/ (git-ignored). docs/BENCHMARKS.md explains each figure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The command as typed, for the results' header (the PostgreSQL URL added below is not).
export BENCH_COMMAND="bench/run.sh $*"
BACKEND=sqlite
PASS_ON=()
while [ $# -gt 0 ]; do
    case "$1" in
        --backend)
            BACKEND=${2:?--backend needs sqlite, postgres or both}
            shift 2
            ;;
        --seconds | --scenarios)
            PASS_ON+=("$1" "${2:?$1 needs a value}")
            shift 2
            ;;
        --keep)
            PASS_ON+=("$1")
            shift
            ;;
        -h | --help)
            sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "run.sh: unknown argument '$1' (see --help)" >&2
            exit 2
            ;;
    esac
done
case "$BACKEND" in sqlite | postgres | both) ;; *)
    echo "run.sh: --backend must be sqlite, postgres or both" >&2
    exit 2
    ;;
esac

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v wrk >/dev/null 2>&1; then
    echo "==> installing wrk (Debian package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update >&2
    as_root apt-get install -y wrk >&2
fi
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "run.sh: python3 3.11 or newer is needed" >&2; exit 1; }

echo "==> cargo build --release (gatehouse, crates/core/examples/argon2_rate, bench/ceiling)" >&2
# One invocation: the reference ceiling (bench/ceiling) is built from the same compiled crates.
cargo build --release -p gatehouse -p gatehouse-core -p gatehouse-bench-ceiling \
    --bin gatehouse --bin gatehouse-bench-ceiling --example argon2_rate >&2

PG_DIR=
cleanup() {
    if [ -n "$PG_DIR" ]; then
        scripts/postgres.sh stop "$PG_DIR" || true
        rm -rf "$PG_DIR"
    fi
}
trap cleanup EXIT
if [ "$BACKEND" != sqlite ]; then
    # Under /tmp (not mktemp -d, which is private): the postgres user must reach it.
    PG_DIR=/tmp/gatehouse-bench-pg-$$
    echo "==> starting a throwaway PostgreSQL in $PG_DIR" >&2
    PASS_ON+=(--pg-url "$(scripts/postgres.sh start "$PG_DIR")")
fi

python3 bench/bench.py --backend "$BACKEND" "${PASS_ON[@]}"

#!/usr/bin/env bash
# The layers' dependency rules, checked on the whole dependency tree of each crate (Cargo
# already refuses what a crate does not declare; this catches what comes in transitively).
#   scripts/check-layers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# crate: what must not be in its tree.
RULES=(
    "gatehouse-core: axum async-graphql sqlx lettre hyper reqwest gatehouse-store-sql gatehouse-http gatehouse-api"
    "gatehouse-store-sql: axum async-graphql lettre hyper gatehouse-http gatehouse-api"
    "gatehouse-mail: axum async-graphql sqlx gatehouse-http gatehouse-api gatehouse-store-sql"
    "gatehouse-http: sqlx lettre gatehouse-store-sql gatehouse-api gatehouse-mail"
    "gatehouse-api: sqlx lettre gatehouse-store-sql gatehouse-mail"
    "gatehouse-cli: sqlx lettre gatehouse-store-sql gatehouse-http gatehouse-api"
)

failed=0
for rule in "${RULES[@]}"; do
    crate=${rule%%:*}
    tree=$(cargo tree -q -p "$crate" -e normal --prefix none | awk '{print $1}' | sort -u)
    for banned in ${rule#*:}; do
        if grep -qx "$banned" <<<"$tree"; then
            echo "layer rule broken: $crate depends on $banned ($(cargo tree -q -p "$crate" -e normal -i "$banned" | head -3 | tr '\n' ' '))" >&2
            failed=1
        fi
    done
done
[ "$failed" -eq 0 ] && echo "layers: every crate keeps to its dependency rules"
exit "$failed"

#!/usr/bin/env bash
# `gatehouse import --from-strapi` on a large Strapi database: the fixture made by a real
# Strapi 5.54 (tests/fixtures/strapi5/data.db, for its exact schema and settings) with its
# users replaced by USERS generated ones, who share one bcrypt hash and spread over the four
# roles; imported with the release binary into a fresh SQLite Gatehouse.
#
#   bench/strapi-import.sh [USERS]      (default 100000; needs sqlite3)
#
# Prints the import's summary and the wall-clock time of the command. docs/BENCHMARKS.md has
# the figures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
USERS=${1:-100000}
command -v sqlite3 >/dev/null || { echo "strapi-import.sh: needs sqlite3" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp tests/fixtures/strapi5/data.db "$WORK/strapi.db"
sqlite3 "$WORK/strapi.db" <<SQL
CREATE TEMP TABLE hash AS SELECT password FROM up_users WHERE username = 'alice.auth';
DELETE FROM up_users_role_lnk;
DELETE FROM up_users;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $USERS)
INSERT INTO up_users (id, document_id, username, email, provider, password, confirmed, blocked,
                      created_at, updated_at, published_at)
SELECT i, printf('bench%019d', i), printf('user%07d', i), printf('user%07d@bench.test', i), 'local',
       (SELECT password FROM hash), i % 10 != 3, i % 1000 = 7,
       1796139153740 + i, 1796139153740 + i, 1796139153740 + i
FROM n;
INSERT INTO up_users_role_lnk (user_id, role_id, user_ord) SELECT id, 1 + id % 4, id FROM up_users;
SQL

cargo build -q --release --bin gatehouse
cat > "$WORK/gatehouse.toml" <<TOML
[storage]
url = "sqlite://$WORK/gatehouse.db"

[[domains]]
name = "localhost"

[[listen]]
handler = "user"
address = "127.0.0.1:0"
TOML
# Gatehouse's database is created and migrated first, so that the time is the import's.
target/release/gatehouse --config "$WORK/gatehouse.toml" export --domain localhost >/dev/null
echo "strapi-import.sh: $USERS Strapi users" >&2
start=$(date +%s.%N)
target/release/gatehouse --config "$WORK/gatehouse.toml" import --from-strapi "sqlite://$WORK/strapi.db" --domain localhost
end=$(date +%s.%N)
python3 -c "print(f'wall clock: {$end - $start:.2f} s')"

"""Fresh storage for one run (an SQLite file, or a new database on a PostgreSQL server) and
raw SQL on it for seeding: Python's sqlite3 module, or the psql client."""

import contextlib
import sqlite3
import subprocess
import time
import urllib.parse
from pathlib import Path

# One statement for both backends: a recursive CTE makes COUNT-1 users that share the password
# hash and role of the already registered user 'seed' of DOMAIN (COUNT users in all).
SEED_USERS = """\
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {last})
INSERT INTO users (document_id, domain_id, username, email, provider, password_hash, confirmed, blocked,
                   role_id, token_version, created_at, updated_at)
SELECT 'benchdoc' || (1000000000000000 + n), s.domain_id, 'user' || n, 'user' || n || '@{domain}', 'local',
       s.password_hash, s.confirmed, 0, s.role_id, 0, {now}, {now}
FROM seq, users s JOIN domains d ON d.id = s.domain_id
WHERE d.name = '{domain}' AND s.username = 'seed'
"""


def seed_users_sql(domain, count):
    return SEED_USERS.format(last=count - 1, domain=domain, now=int(time.time() * 1000))


# COUNT failed logins of DOMAIN's users.
SEED_EVENTS = """\
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {count})
INSERT INTO events (type, at, domain, user_ref, actor, details, node)
SELECT 'LOGIN_FAILED', {now} + n, '{domain}', 'user' || n || '@{domain}', 'anonymous', '{{"reason":"bench"}}', 'bench'
FROM seq
"""


def seed_events_sql(domain, count):
    return SEED_EVENTS.format(count=count, domain=domain, now=int(time.time() * 1000))


class SQLite:
    name = "sqlite"

    def __init__(self, workdir):
        self.path = Path(workdir) / "gatehouse.db"
        self.url = f"sqlite://{self.path}"

    def execute(self, sql):
        # Closed at once: `with` on a connection commits but leaves it open until collected.
        with contextlib.closing(sqlite3.connect(self.path, timeout=60)) as connection, connection:
            connection.execute(sql)

    def scalar(self, sql):
        with contextlib.closing(sqlite3.connect(self.path, timeout=60)) as connection:
            return connection.execute(sql).fetchone()[0]

    def after_bulk_load(self, table):
        """Nothing: SQLite gathers no statistics by itself, so the server sees what it would see."""

    def drop(self):
        """The file goes with the run's work directory."""


class Postgres:
    name = "postgres"

    def __init__(self, server_url):
        """`server_url` names any database of the server; a fresh database is created beside it."""
        self.server_url = server_url
        self.database = f"gatehouse_bench_{int(time.time())}"
        parts = urllib.parse.urlsplit(server_url)
        self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.database))
        self._psql(self.server_url, f"CREATE DATABASE {self.database}")

    def execute(self, sql):
        self._psql(self.url, sql)

    def scalar(self, sql):
        return self._psql(self.url, sql).strip()

    def after_bulk_load(self, table):
        """What autovacuum does shortly after a bulk load (PostgreSQL 13 and later vacuum a
        table after many inserts, not only after updates and deletes): fresh planner
        statistics, and the visibility map that lets a scan read an index without the table."""
        self.execute(f"VACUUM (ANALYZE) {table}")

    def drop(self):
        self._psql(self.server_url, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")

    @staticmethod
    def _psql(url, sql):
        result = subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql: {result.stderr.strip()}")
        return result.stdout

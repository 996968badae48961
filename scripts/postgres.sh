#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests and CI.
#
#   scripts/postgres.sh start DIR   # prints postgres://gatehouse:gatehouse@127.0.0.1:PORT/postgres
#   scripts/postgres.sh stop DIR
#
# Uses Debian's server binaries (/usr/lib/postgresql/<ver>/bin, 15 preferred),
# installing the `postgresql` package if they are missing. The cluster lives
# entirely inside DIR (data, unix socket, log), listens only on 127.0.0.1 on a
# free port, trusts every local connection and has fsync off: it is for tests
# only. The role `gatehouse` (password `gatehouse`) is a superuser because the
# test suite creates a database per test.
#
# stdout carries exactly one line (the URL) on success; everything else goes to
# stderr. Any failure exits non-zero so CI fails instead of skipping.
set -euo pipefail

PG_USER=gatehouse
PG_PASSWORD=gatehouse
OS_USER=postgres

die() {
    echo "postgres.sh: error: $*" >&2
    exit 1
}
log() { echo "postgres.sh: $*" >&2; }

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
CMD=$1
[ -n "$2" ] || usage
# Absolute path: the socket dir and pg_ctl -D must not depend on the cwd.
case "$2" in
    /*) DIR=$2 ;;
    *) DIR=$PWD/$2 ;;
esac
DIR=${DIR%/}
[ -n "$DIR" ] || die "refusing to use / as the cluster directory"
DATA=$DIR/data
LOGFILE=$DIR/postgres.log

IS_ROOT=false
[ "$(id -u)" -eq 0 ] && IS_ROOT=true

# Root may not run the server, so run cluster commands as the postgres OS
# user; a non-root caller simply runs them as itself. cd / so a cwd the
# postgres user cannot read (e.g. /root) doesn't produce errors.
as_pg() {
    if $IS_ROOT; then
        (cd / && runuser -u "$OS_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# Locate the server binaries: prefer 15, otherwise the newest installed.
find_bindir() {
    if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        echo /usr/lib/postgresql/15/bin
        return 0
    fi
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        echo "$d"
        return 0
    fi
    return 1
}

# Not running, or not ours (no PID file): nothing to do.
stop_cluster() {
    local bindir
    [ -f "$DATA/postmaster.pid" ] || return 0
    bindir=$(find_bindir) || {
        log "no PostgreSQL binaries found; cannot stop cluster in $DATA"
        return 0
    }
    log "stopping cluster in $DATA"
    as_pg "$bindir/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >&2 || log "pg_ctl stop failed (ignored)"
}

# Port chosen by the kernel (bind to 0); falls back to probing 55432 upward.
free_port() {
    local p
    if command -v python3 >/dev/null 2>&1 &&
        p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null) &&
        [ -n "$p" ]; then
        echo "$p"
        return 0
    fi
    for ((p = 55432; p < 55532; p++)); do
        # A successful connect means something is listening there.
        if ! (exec 9<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

do_start() {
    local bindir port attempt started=false

    # 1. Binaries.
    if ! bindir=$(find_bindir); then
        $IS_ROOT || die "PostgreSQL server binaries not found and not root; install the 'postgresql' package"
        log "PostgreSQL not found; installing the 'postgresql' package"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update >&2 || die "apt-get update failed"
        apt-get install -y postgresql >&2 || die "apt-get install postgresql failed"
        bindir=$(find_bindir) || die "postgresql installed but no /usr/lib/postgresql/*/bin/initdb found"
    fi
    command -v psql >/dev/null 2>&1 || die "psql not found on PATH"
    log "using $bindir"

    if $IS_ROOT && ! getent passwd "$OS_USER" >/dev/null; then
        die "OS user '$OS_USER' does not exist (the postgresql package normally creates it)"
    fi

    # 2. Fresh directory. Rerunnable: stop a cluster left in DIR and wipe it,
    # but never wipe a directory that doesn't look like one of ours.
    if [ -e "$DIR" ]; then
        [ -d "$DIR" ] || die "$DIR exists and is not a directory"
        if [ -n "$(ls -A "$DIR")" ]; then
            [ -f "$DATA/PG_VERSION" ] || [ -f "$DIR/.gatehouse-postgres" ] ||
                die "$DIR is not empty and does not look like a cluster made by this script; refusing to wipe it"
            stop_cluster
            log "wiping $DIR"
            find "$DIR" -mindepth 1 -delete || die "could not wipe $DIR"
        fi
    fi
    mkdir -p "$DIR" || die "could not create $DIR"
    touch "$DIR/.gatehouse-postgres"
    if $IS_ROOT; then
        chown -R "$OS_USER:" "$DIR" || die "could not chown $DIR to $OS_USER"
    fi
    chmod 700 "$DIR"
    # Every parent directory must be traversable by the postgres user.
    as_pg test -w "$DIR" -a -x "$DIR" ||
        die "user '$OS_USER' cannot access $DIR (is a parent directory private, e.g. under /root or a mktemp -d dir?)"

    # 3. initdb: trust auth for local sockets and 127.0.0.1 only.
    log "initdb in $DATA"
    as_pg "$bindir/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
        --auth-local=trust --auth-host=trust --no-instructions >&2 ||
        die "initdb failed"
    cat >"$DATA/pg_hba.conf" <<'EOF'
# Throwaway test cluster: trust everything local, nothing else.
local   all   all                  trust
host    all   all   127.0.0.1/32   trust
EOF
    $IS_ROOT && chown "$OS_USER:" "$DATA/pg_hba.conf"

    # 4. Start on a free port; retry a few times in case another process grabs
    # the port between choosing it and the server binding it.
    for attempt in 1 2 3 4 5; do
        port=$(free_port) || die "no free TCP port found"
        # Later settings override earlier ones, so rewriting the tail is enough.
        cat >>"$DATA/postgresql.conf" <<EOF

# --- gatehouse test cluster (attempt $attempt) ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$DIR'
# Durability is pointless for a throwaway test database.
fsync = off
synchronous_commit = off
full_page_writes = off
# Tests run in parallel and each opens its own pool.
max_connections = 300
# Avoid dynamic shared memory trouble in containers with a small /dev/shm.
max_parallel_workers_per_gather = 0
EOF
        log "starting PostgreSQL on 127.0.0.1:$port (log: $LOGFILE)"
        if as_pg "$bindir/pg_ctl" start -D "$DATA" -l "$LOGFILE" -w -t 60 >&2; then
            started=true
            break
        fi
        if grep -q 'could not bind\|Address already in use' "$LOGFILE" 2>/dev/null; then
            log "port $port was taken; retrying"
            continue
        fi
        break
    done
    if ! $started; then
        tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
        die "PostgreSQL failed to start (see $LOGFILE)"
    fi

    # 5. Wait until it accepts TCP connections.
    local ready=false i
    for ((i = 0; i < 60; i++)); do
        if pg_isready -q -h 127.0.0.1 -p "$port" -d postgres; then
            ready=true
            break
        fi
        sleep 0.5
    done
    if ! $ready; then
        tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
        stop_cluster
        die "PostgreSQL did not become ready on 127.0.0.1:$port"
    fi

    # 6. Application role (superuser: tests CREATE DATABASE per test).
    if ! psql -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'" >&2; then
        stop_cluster
        die "could not create role $PG_USER"
    fi

    local url="postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/postgres"
    echo "$url" >"$DIR/url"
    log "ready: $url"
    URL=$url
}

# All command output goes to stderr; only the URL is printed on stdout, after
# the fact. (Don't keep stdout open on a spare fd instead: the server daemon
# would inherit it and `URL=$(scripts/postgres.sh start DIR)` would never end.)
URL=
case "$CMD" in
    start)
        do_start >&2
        echo "$URL"
        ;;
    stop) stop_cluster >&2 ;;
    *) usage ;;
esac

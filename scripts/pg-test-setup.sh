#!/usr/bin/env bash
# Prepare a local PostgreSQL for duijie's integration tests (idempotent).
# Starts the Debian cluster if it is installed and down, creates the role and
# database if missing, and prints the URL to export as DUIJIE_TEST_PG_URL.
# Exits 0 with a message when PostgreSQL is not installed.
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
PG_ROLE="${PG_ROLE:-duijie}"
PG_PASSWORD="${PG_PASSWORD:-duijie}"
PG_DB="${PG_DB:-duijie_test}"
PG_PORT="${PG_PORT:-5432}"

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v pg_lsclusters >/dev/null 2>&1; then
    echo "PostgreSQL (Debian postgresql-common) is not installed; PostgreSQL tests will be skipped." >&2
    exit 0
fi
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "${PG_VERSION} ${PG_CLUSTER}"; then
    echo "No PostgreSQL cluster ${PG_VERSION}/${PG_CLUSTER}; PostgreSQL tests will be skipped." >&2
    exit 0
fi

status="$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}')"
if [ "$status" != "online" ]; then
    # stdout is reserved for the URL: pg_ctlcluster may print notes such as
    # "Removed stale pid file." which must not end up in DUIJIE_TEST_PG_URL.
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >&2
fi
for _ in $(seq 1 30); do
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
    else
        break
    fi
    sleep 1
done

as_postgres() {
    if [ "$(id -u)" = "0" ]; then
        su postgres -c "$1"
    else
        sudo -u postgres sh -c "$1"
    fi
}

psql_cmd="psql -p ${PG_PORT} -v ON_ERROR_STOP=1 -qtA"
if [ -z "$(as_postgres "${psql_cmd} -c \"SELECT 1 FROM pg_roles WHERE rolname='${PG_ROLE}'\"")" ]; then
    as_postgres "${psql_cmd} -c \"CREATE ROLE ${PG_ROLE} LOGIN SUPERUSER PASSWORD '${PG_PASSWORD}'\"" >&2
fi
if [ -z "$(as_postgres "${psql_cmd} -c \"SELECT 1 FROM pg_database WHERE datname='${PG_DB}'\"")" ]; then
    as_postgres "createdb -p ${PG_PORT} -O ${PG_ROLE} ${PG_DB}" >&2
fi

echo "postgresql+psycopg://${PG_ROLE}:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${PG_DB}"

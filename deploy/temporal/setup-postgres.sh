#!/bin/sh
# Creates Temporal's persistence and visibility databases and brings their schemas to the server's version, with
# temporal-sql-tool (in temporalio/admin-tools; `npm run cluster` builds it). Safe to run again: an existing database
# is kept, and update-schema applies only the versions it lacks, which is also how a server upgrade migrates.
# Settings: SQL_PLUGIN SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD (read by the tool), DBNAME, VISIBILITY_DBNAME,
# TEMPORAL_SCHEMA_DIR (schema/postgresql/v12 of the server release), TEMPORAL_SQL_TOOL (default: on PATH).
set -eu
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
schema_dir="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

setup() { # database, schema folder
  if "$tool" --db "$1" create-database 2>/tmp/temporal-create-database.$$; then
    "$tool" --db "$1" setup-schema -v 0.0
  elif grep -q 'already exists' /tmp/temporal-create-database.$$; then
    echo "database $1 exists"
  else
    cat /tmp/temporal-create-database.$$ >&2
    rm -f /tmp/temporal-create-database.$$
    exit 1
  fi
  rm -f /tmp/temporal-create-database.$$
  "$tool" --db "$1" update-schema -d "$schema_dir/$2/versioned"
}

setup "${DBNAME:-temporal}" temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
echo "Temporal schemas ready on $SQL_HOST:$SQL_PORT"

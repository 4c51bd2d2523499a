#!/bin/sh
# Entrypoint of compose's postgres: the official image reads POSTGRES_USER, POSTGRES_PASSWORD
# and POSTGRES_DB; they are taken from DATABASE_URL so that .env holds the credentials once.
# DATABASE_URL=postgresql://user:password@postgres:5432/db — a password without characters
# that need %-escaping in a URL (openssl rand -hex 24), since none is decoded here.
set -eu
rest=${DATABASE_URL#*://}
credentials=${rest%%@*}
path=${rest#*/}
POSTGRES_USER=${credentials%%:*}
POSTGRES_PASSWORD=${credentials#*:}
POSTGRES_DB=${path%%\?*}
export POSTGRES_USER POSTGRES_PASSWORD POSTGRES_DB
exec docker-entrypoint.sh "$@"

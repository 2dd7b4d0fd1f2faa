#!/usr/bin/env bash
# The system packages two test families need, installed where that can be done (a Debian-like
# machine, as root), by `make test` and so by CI. The timeline's browser test renders in a real
# headless chromium; the health check's and the database bootstrap job's tests start a real
# PostgreSQL server (its initdb and pg_ctl; Debian's package also creates the `postgres` system
# user they run as). Anywhere else nothing is installed, and those tests skip and say why.
set -uo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
    && ! command -v initdb >/dev/null 2>&1; then
    missing+=(postgresql)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
    echo "not installing ${missing[*]} (needs apt-get as root): the tests that need them skip" >&2
    exit 0
fi
if ! { apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }
then
    echo "could not install ${missing[*]}: the tests that need them skip" >&2
fi
exit 0

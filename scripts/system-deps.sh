#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real (promtool, amtool,
# Chromium, PostgreSQL, Redis) when they are missing. Idempotent; apt-get update
# runs at most once, and only when something is missing.
set -euo pipefail

need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing ${need[*]}; run as root or install them with apt-get" >&2
  exit 1
fi
echo "system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts these services on install; the tests start their own on loopback.
for svc in prometheus prometheus-alertmanager redis-server postgresql; do
  (service "$svc" stop >/dev/null 2>&1 || true)
done

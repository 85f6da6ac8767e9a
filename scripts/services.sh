#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1; start them when installed and stopped.
# Fails loudly, saying what to install, when they are absent.
set -u

pg_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || (echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_ready; then
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    echo "PostgreSQL is stopped: starting it."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
fi
if ! pg_ready; then
  echo "ERROR: PostgreSQL does not answer on 127.0.0.1:5432." >&2
  echo "Install it (Debian: apt-get install postgresql) with trust authentication for the user 'postgres'." >&2
  exit 1
fi

if ! redis_ready; then
  if command -v redis-server >/dev/null; then
    echo "Redis is stopped: starting it."
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 30); do redis_ready && break; sleep 1; done
  fi
fi
if ! redis_ready; then
  echo "ERROR: Redis does not answer on 127.0.0.1:6379." >&2
  echo "Install it (Debian: apt-get install redis-server)." >&2
  exit 1
fi
echo "PostgreSQL and Redis answer."

#!/bin/sh
# The fake1688 image's entrypoint: N workers on one port, their state in Redis.
#
#   FAKE1688_STATE        redis://HOST:PORT/DB, shared by every worker and replica (required)
#   FAKE1688_WORKERS      worker processes (default: 2)
#   FAKE1688_PORT         the port to serve (default: 8688)
#   FAKE1688_HOST         the address to bind (default: 0.0.0.0, every interface)
#   FAKE1688_ADMIN_TOKEN  the token admin calls send; needed off loopback (or FAKE1688_NO_ADMIN=1)
#   FAKE1688_ADMIN_HOSTS  more Host names for admin calls, space-separated (a proxy's, a service's)
#   FAKE1688_REDIS_WAIT   seconds to wait for Redis at start (default: 30)
#
# Any arguments are passed on to `fake1688 serve` (--catalog, --apps, --faults, --seed, ...).
set -eu

: "${FAKE1688_STATE:?set FAKE1688_STATE to the Redis the workers share, e.g. redis://redis:6379/0}"
workers="${FAKE1688_WORKERS:-2}"
port="${FAKE1688_PORT:-8688}"
host="${FAKE1688_HOST:-0.0.0.0}"
wait="${FAKE1688_REDIS_WAIT:-30}"

# Redis may start after this container: wait for it, then let serve check it again.
python - "$wait" <<'PY'
import os, sys, time
import redis
deadline = time.monotonic() + float(sys.argv[1])
client = redis.Redis.from_url(os.environ["FAKE1688_STATE"], socket_connect_timeout=1)
while True:
    try:
        client.ping()
        break
    except redis.RedisError as error:
        if time.monotonic() > deadline:
            break  # fake1688 serve says what is wrong, in one line
        print(f"waiting for Redis: {error}", file=sys.stderr, flush=True)
        time.sleep(0.5)
PY

set -- --host "$host" --port "$port" --workers "$workers" "$@"
if [ "${FAKE1688_NO_ADMIN:-}" = 1 ]; then
    set -- "$@" --no-admin
else
    for name in ${FAKE1688_ADMIN_HOSTS:-}; do
        set -- "$@" --admin-host "$name"
    done
fi
# exec: fake1688 gets the container's signals (TERM on stop) and passes them to its workers.
exec fake1688 serve "$@"

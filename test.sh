#!/usr/bin/env bash
# Runs the whole TaskGen test suite on a fresh machine: builds the solution in Release (warnings are
# errors), starts a private RabbitMQ node and a private Redis server on loopback (installing rabbitmq-server,
# redis-server, redis-sentinel, python3-celery, python3-redis, Celery 5.6's and Flower 2.1's Debian dependencies, chromium and
# chromium-driver with apt-get when they are missing), runs every test project
# and the deployment check (the interop tests beside the others, on a node and a Redis of their own), stops
# them all, and prints one closing line with the totals.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d)
broker_dir="$work/rabbitmq"
redis_dir="$work/redis"
interop_broker_dir="$work/rabbitmq-interop"
interop_redis_dir="$work/redis-interop"
interop_pid=
cleanup() {
  [ -z "$interop_pid" ] || kill "$interop_pid" > /dev/null 2>&1 || true
  for dir in "$broker_dir" "$interop_broker_dir"; do tests/broker/rabbitmq-node.sh stop "$dir" > /dev/null 2>&1 || true; done
  for dir in "$redis_dir" "$interop_redis_dir"; do tests/broker/redis-node.sh stop "$dir" > /dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> Building TaskGen.sln (Release)"
dotnet build TaskGen.sln -c Release -nologo -v minimal

# Every interop test runs twice: against Debian's Python Celery 5.2 and against Celery 5.6.
if ! /usr/bin/python3 -c 'import celery' > /dev/null 2>&1; then
  echo "==> Installing python3-celery"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-celery
fi

# Celery 5.6 runs from ../shared/third_party/celery-5.6 on PYTHONPATH; these Debian packages supply the rest of
# its dependencies.
celery56_packages=(python3-click python3-click-didyoumean python3-click-plugins python3-click-repl python3-dateutil python3-tzlocal python3-packaging python3-async-timeout)
missing=()
for package in "${celery56_packages[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$package" 2> /dev/null)" == "install ok installed" ]] || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "==> Installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The monitor tests run Flower 2.1 from ../shared/third_party/flower-2.1 beside TaskGen's monitor (these Debian packages
# supply its dependencies) and load the monitor's pages in a headless Chromium through ChromeDriver.
monitor_packages=(chromium chromium-driver python3-tornado python3-prometheus-client python3-humanize python3-tz)
missing=()
for package in "${monitor_packages[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$package" 2> /dev/null)" == "install ok installed" ]] || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "==> Installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "==> Starting a private RabbitMQ node"
mkdir -p "$broker_dir"
tests/broker/rabbitmq-node.sh start "$broker_dir" < /dev/null
TASKGEN_TEST_BROKER_URL=$(cat "$broker_dir/url")
TASKGEN_TEST_BROKER_DIR=$broker_dir
export TASKGEN_TEST_BROKER_URL TASKGEN_TEST_BROKER_DIR

# The redis:// result backend tests, .NET and Python (Celery reads Redis through python3-redis).
if ! /usr/bin/python3 -c 'import redis' > /dev/null 2>&1; then
  echo "==> Installing python3-redis"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-redis
fi

# The sentinel:// test starts its own group of three sentinels over a primary and a replica.
if ! command -v redis-sentinel > /dev/null 2>&1; then
  echo "==> Installing redis-sentinel"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-sentinel
fi

echo "==> Starting a private Redis server"
mkdir -p "$redis_dir"
tests/broker/redis-node.sh start "$redis_dir" < /dev/null
TASKGEN_TEST_REDIS_URL=$(cat "$redis_dir/url")
TASKGEN_TEST_REDIS_DIR=$redis_dir
export TASKGEN_TEST_REDIS_URL TASKGEN_TEST_REDIS_DIR

status=0
passed=0
failed=0
skipped=0
count() {
  passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3))
}

# Adds a project's totals from its log, or marks the run failed when it printed none.
tally() {
  local name=$1 summary
  summary=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$work/$name.log" | tail -n 1 || true)
  if [ -z "$summary" ]; then
    echo "!! $name printed no test summary"
    status=1
    return
  fi
  count "$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")" \
        "$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")" \
        "$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")"
}

# The interop tests run beside the others on a RabbitMQ node and a Redis server of their own: they wait on Python
# processes far more than they use the CPU, and nothing they do reaches the nodes that the fault tests stop and
# restart. Their output is printed when they end.
interop=TaskGen.Interop.Tests
echo "==> Starting a second RabbitMQ node and Redis server for $interop"
mkdir -p "$interop_broker_dir" "$interop_redis_dir"
tests/broker/rabbitmq-node.sh start "$interop_broker_dir" < /dev/null
tests/broker/redis-node.sh start "$interop_redis_dir" < /dev/null
echo "==> Testing $interop (in the background)"
(
  export TASKGEN_TEST_BROKER_URL=$(cat "$interop_broker_dir/url") TASKGEN_TEST_BROKER_DIR=$interop_broker_dir
  export TASKGEN_TEST_REDIS_URL=$(cat "$interop_redis_dir/url") TASKGEN_TEST_REDIS_DIR=$interop_redis_dir
  dotnet test "tests/$interop/$interop.csproj" -c Release --no-build -nologo > "$work/$interop.log" 2>&1
) &
interop_pid=$!

for project in tests/*.Tests/*.csproj; do
  name=$(basename "$project" .csproj)
  [ "$name" != "$interop" ] || continue
  echo "==> Testing $name"
  if ! dotnet test "$project" -c Release --no-build -nologo 2>&1 | tee "$work/$name.log"; then
    status=1
  fi
  tally "$name"
done

echo "==> Waiting for $interop"
if ! wait "$interop_pid"; then
  status=1
fi
interop_pid=
cat "$work/$interop.log"
tally "$interop"

echo "==> Checking the systemd units"
if bash tests/deploy/verify-unit.sh | tee "$work/deploy.log"; then :; else status=1; fi
deploy=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$work/deploy.log" | tail -n 1 || true)
if [ -n "$deploy" ]; then
  count "$(sed -E 's/.*([0-9]+) passed.*/\1/' <<<"$deploy")" "$(sed -E 's/.*([0-9]+) failed.*/\1/' <<<"$deploy")" 0
else
  echo "!! the deployment check printed no summary"
  status=1
fi

echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  status=1
fi
exit $status

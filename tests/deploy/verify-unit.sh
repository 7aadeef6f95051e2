#!/usr/bin/env bash
# Checks the worker's systemd units in samples/deploy before anyone installs them:
#  - systemd-analyze verify, when installed (it needs no running systemd): the binary is swapped for
#    an existing one in a temporary copy, since /opt/taskgen/CeleryApp exists only after publishing;
#  - the keys the deployment relies on (user, environment file, directories, logs, stop signal, ...);
#  - every ${VAR} on ExecStart is set in taskgen.env, and the broker password is the placeholder;
#  - Type=notify, so systemd counts the worker started only once it consumes (the host sends READY=1);
#  - TimeoutStopSec is longer than TaskGen__WorkerShutdownTimeout plus the host's 10 s margin, or
#    systemd would kill running tasks.
# Prints what it checked and one summary line; exits 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

deploy=samples/deploy
env_file=$deploy/taskgen.env
units=("$deploy/taskgen-worker.service")
[ -f "$deploy/taskgen-worker@.service" ] && units+=("$deploy/taskgen-worker@.service")

failures=0
checks=()
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The [Service] section without comments, one key=value a line.
service_section() {
  awk '/^[[:space:]]*\[/ { in_service = ($0 ~ /^[[:space:]]*\[Service\]/); next }
       in_service && !/^[[:space:]]*([#;]|$)/ { sub(/^[[:space:]]+/, ""); print }' "$1"
}

# The last value assigned to a key in a unit's [Service] section (systemd keeps the last one).
unit_value() { service_section "$1" | sed -n "s/^$2=//p" | tail -n 1; }

# The value of a variable in the environment file, without surrounding quotes.
env_value() {
  sed -n "s/^[[:space:]]*$1=//p" "$env_file" | tail -n 1 | sed -E "s/^'(.*)'\$/\\1/; s/^\"(.*)\"\$/\\1/"
}

# A systemd time span ("60", "90s", "1min 30s") in whole seconds; "infinity" stays as is.
timespan_seconds() {
  local span=$1 us
  if [ "$span" = infinity ]; then echo infinity; return 0; fi
  if command -v systemd-analyze >/dev/null 2>&1; then
    us=$(systemd-analyze timespan "$span" 2>/dev/null | sed -n -E 's/^[[:space:]]*(μ|u)s: //p')
    [ -n "$us" ] && { echo $((us / 1000000)); return 0; }
    return 1
  fi
  local total=0 n unit
  for part in $span; do
    [[ $part =~ ^([0-9]+)(s|sec|second|seconds|m|min|minute|minutes|h|hr|hour|hours)?$ ]] || return 1
    n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
    case $unit in
      m | min | minute | minutes) n=$((n * 60)) ;;
      h | hr | hour | hours) n=$((n * 3600)) ;;
    esac
    total=$((total + n))
  done
  echo "$total"
}

# TaskGen__WorkerShutdownTimeout in whole seconds: a number of seconds, or a TimeSpan ([d.]hh:mm:ss).
grace_seconds() {
  local v=$1
  if [[ $v =~ ^[0-9]+$ ]]; then echo "$v"; return 0; fi
  if [[ $v =~ ^(([0-9]+)\.)?([0-9]+):([0-9]+):([0-9]+)(\.[0-9]+)?$ ]]; then
    echo $(( ${BASH_REMATCH[2]:-0} * 86400 + 10#${BASH_REMATCH[3]} * 3600 + 10#${BASH_REMATCH[4]} * 60 + 10#${BASH_REMATCH[5]} ))
    return 0
  fi
  return 1
}

for file in "${units[@]}" "$env_file"; do
  [ -f "$file" ] || { fail "$file is missing"; }
done
[ "$failures" -eq 0 ] || { echo "verify-unit: files missing: 0 passed, 1 failed"; exit 1; }

# 1. systemd-analyze verify on a temporary copy.
if command -v systemd-analyze >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  stand_in=$(command -v true)
  targets=()
  for unit in "${units[@]}"; do
    name=$(basename "$unit")
    sed -E "s#^(ExecStart=[-@:+!]*)[^[:space:]]+#\\1$stand_in#" "$unit" >"$tmp/$name"
    # A template is verified through one instance, so that %i is expanded as it will be.
    case $name in
      *@.service) targets+=("$tmp/${name%@.service}@check.service") ;;
      *) targets+=("$tmp/$name") ;;
    esac
  done
  options=(--man=no)
  # Judge these units only, not whatever else is installed on the machine they depend on.
  systemd-analyze --help 2>/dev/null | grep -q -- '--recursive-errors' && options+=(--recursive-errors=one)
  output=$(SYSTEMD_UNIT_PATH="$tmp:" systemd-analyze verify "${options[@]}" "${targets[@]}" 2>&1)
  status=$?
  # verify exits 0 on unknown keys and bad values ("..., ignoring"), so any line about these units fails too.
  complaints=$(grep -F -e 'taskgen-worker' <<<"$output" || true)
  if [ "$status" -ne 0 ] || [ -n "$complaints" ]; then
    fail "systemd-analyze verify (exit $status):"
    while IFS= read -r line; do echo "    $line"; done <<<"$output"
  fi
  checks+=("systemd-analyze verify ($(systemd-analyze --version | head -n 1))")
else
  echo "systemd-analyze is not installed: skipping systemd-analyze verify, checking keys only."
  checks+=("systemd-analyze verify skipped (not installed)")
fi

# 2. The keys the deployment relies on, in each unit's [Service] section.
for unit in "${units[@]}"; do
  for key in User Group EnvironmentFile RuntimeDirectory LogsDirectory ExecStart WorkingDirectory \
             StandardOutput StandardError KillSignal TimeoutStopSec Restart; do
    [ -n "$(unit_value "$unit" "$key")" ] || fail "$unit: $key= is not set in [Service]"
  done
  [ "$(unit_value "$unit" User)" = taskgen ] || fail "$unit: User= must be taskgen"
  [ "$(unit_value "$unit" Group)" = taskgen ] || fail "$unit: Group= must be taskgen"
  service_section "$unit" | grep -qx 'EnvironmentFile=/etc/taskgen/taskgen.env' ||
    fail "$unit: EnvironmentFile=/etc/taskgen/taskgen.env is missing"
  [ "$(unit_value "$unit" KillSignal)" = SIGTERM ] || fail "$unit: KillSignal= must be SIGTERM"
  [ "$(unit_value "$unit" Restart)" = always ] || fail "$unit: Restart= must be always"
  [ "$(unit_value "$unit" Type)" = notify ] ||
    fail "$unit: Type= must be notify: the worker's host sends READY=1 once it consumes, and any other type counts it started before that"
  for stream in StandardOutput StandardError; do
    [[ $(unit_value "$unit" "$stream") == append:/var/log/taskgen/* ]] ||
      fail "$unit: $stream= must be append:/var/log/taskgen/..."
  done
  exec_start=$(unit_value "$unit" ExecStart)
  [[ $exec_start == /opt/taskgen/CeleryApp\ worker\ * ]] ||
    fail "$unit: ExecStart= must run /opt/taskgen/CeleryApp worker"
  [[ $exec_start == *--broker* ]] && fail "$unit: ExecStart= passes --broker, which shows the password in ps"
  # Every ${VAR} ExecStart uses must be set in the environment file, or it expands to nothing.
  while read -r ref; do
    var=${ref:2:-1}
    [ -n "$(env_value "$var")" ] || fail "$unit: ExecStart= uses \${$var}, which $env_file does not set"
  done < <(grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*\}' <<<"$exec_start" | sort -u)
done
checks+=("required keys")

# 3. The environment file.
for var in TaskGen__BrokerUrl TaskGen__WorkerShutdownTimeout DOTNET_gcServer; do
  [ -n "$(env_value "$var")" ] || fail "$env_file: $var is not set"
done
broker=$(env_value TaskGen__BrokerUrl)
if [[ $broker == *://*:*@* ]] && [[ $broker != *://*:CHANGE_ME@* ]]; then
  fail "$env_file: TaskGen__BrokerUrl must carry the CHANGE_ME placeholder, not a password"
fi
checks+=("environment file")

# 4. systemd must wait longer than the worker's grace period.
grace_raw=$(env_value TaskGen__WorkerShutdownTimeout)
if ! grace=$(grace_seconds "$grace_raw"); then
  fail "$env_file: TaskGen__WorkerShutdownTimeout='$grace_raw' is not a number of seconds"
else
  for unit in "${units[@]}"; do
    stop_raw=$(unit_value "$unit" TimeoutStopSec)
    if ! stop=$(timespan_seconds "$stop_raw"); then
      fail "$unit: TimeoutStopSec='$stop_raw' is not a time span"
    elif [ "$stop" != infinity ] && [ "$stop" -le $((grace + 10)) ]; then
      fail "$unit: TimeoutStopSec=$stop_raw (${stop}s) must be longer than TaskGen__WorkerShutdownTimeout (${grace}s) plus the host's 10 s margin"
    fi
  done
fi
checks+=("Type=notify" "TimeoutStopSec > TaskGen__WorkerShutdownTimeout + 10 s")

joined=$(printf '%s, ' "${checks[@]}")
summary="verify-unit: ${joined%, } on ${#units[@]} unit(s)"
if [ "$failures" -eq 0 ]; then
  echo "$summary: 1 passed, 0 failed"
  exit 0
fi
echo "$summary ($failures problem(s)): 0 passed, 1 failed"
exit 1

#!/usr/bin/env bash
# Starts or stops a private Redis Sentinel group for the test suite: a primary, one replica and three
# sentinels watching them, all on free loopback ports with one random password and their files in one
# temporary folder, so that a test can kill the primary and watch the sentinels promote the replica.
#   redis-sentinel.sh start DIR [--tls] -> starts the five servers, writes DIR/url (sentinel://:password@127.0.0.1:port;...
#                                    for each sentinel), DIR/master-name, and DIR/primary.pid and DIR/replica.pid
#                                    With --tls every server, sentinels included, listens for TLS only, with a
#                                    certificate naming localhost and 127.0.0.1 from a private CA written to DIR/ca.pem,
#                                    and replicates and monitors over TLS (redis-server must be built with TLS, as Debian's is).
#   redis-sentinel.sh stop DIR    -> stops every server of the group
set -euo pipefail

usage="usage: redis-sentinel.sh start DIR [--tls] | stop DIR"
command=${1:?$usage}
dir=${2:?$usage}
tls=${3:-}
master=taskgen-results

# What redis-cli needs to reach the group, and the lines that make a server listen for TLS only: "port 0" closes the
# plain port, and tls-replication makes replicas and sentinels dial the data servers over TLS as well.
cli_tls=()
listen() {
  local port=$1
  if [ -n "$tls" ]; then
    cat <<CONF
port 0
tls-port $port
tls-cert-file $dir/tls/server.pem
tls-key-file $dir/tls/server.key
tls-ca-cert-file $dir/ca.pem
tls-auth-clients no
tls-replication yes
CONF
  else
    echo "port $port"
  fi
}

install_if_missing() {
  if ! command -v redis-server > /dev/null 2>&1 || ! command -v redis-sentinel > /dev/null 2>&1; then
    echo "redis-server or redis-sentinel is not installed; installing them with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends redis-server redis-sentinel >&2
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for() {
  local port=$1 log=$2
  for _ in $(seq 1 100); do
    if REDISCLI_AUTH=$password redis-cli "${cli_tls[@]}" -h 127.0.0.1 -p "$port" ping 2> /dev/null | grep -q PONG; then
      return 0
    fi
    sleep 0.1
  done
  echo "A server of the Sentinel group did not start; its log:" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
}

data_node() {
  local name=$1 port=$2 extra=$3
  cat > "$dir/$name.conf" <<CONF
bind 127.0.0.1
$(listen "$port")
protected-mode yes
requirepass $password
masterauth $password
daemonize yes
pidfile $dir/$name.pid
logfile $dir/$name.log
dir $dir
dbfilename $name.rdb
save ""
appendonly no
$extra
CONF
  chmod 600 "$dir/$name.conf"
  redis-server "$dir/$name.conf"
  wait_for "$port" "$dir/$name.log"
}

case "$command" in
  start)
    install_if_missing
    mkdir -p "$dir"
    case "$tls" in
      "") ;;
      --tls)
        "$(dirname "$0")/test-certificates.sh" "$dir" DNS:localhost,IP:127.0.0.1 "TaskGen test Redis"
        cli_tls=(--tls --cacert "$dir/ca.pem")
        ;;
      *)
        echo "$usage" >&2
        exit 64
        ;;
    esac
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    primary=$(free_port)
    replica=$(free_port)
    data_node primary "$primary" ""
    data_node replica "$replica" "replicaof 127.0.0.1 $primary"
    urls=()
    for i in 1 2 3; do
      port=$(free_port)
      # Sentinels rewrite their own file, so each gets one; a short down-after keeps a failover within seconds.
      cat > "$dir/sentinel$i.conf" <<CONF
bind 127.0.0.1
$(listen "$port")
protected-mode yes
requirepass $password
daemonize yes
pidfile $dir/sentinel$i.pid
logfile $dir/sentinel$i.log
dir $dir
sentinel monitor $master 127.0.0.1 $primary 2
sentinel auth-pass $master $password
sentinel down-after-milliseconds $master 1000
sentinel failover-timeout $master 5000
sentinel parallel-syncs $master 1
CONF
      chmod 600 "$dir/sentinel$i.conf"
      redis-sentinel "$dir/sentinel$i.conf"
      wait_for "$port" "$dir/sentinel$i.log"
      urls+=("sentinel://:$password@127.0.0.1:$port/0")
    done
    # Ready once every sentinel has found the replica and the other sentinels, so that a failover can be agreed.
    for _ in $(seq 1 200); do
      ready=0
      for i in 1 2 3; do
        port=$(echo "${urls[$((i - 1))]}" | sed -E 's/.*:([0-9]+)\/0$/\1/')
        info=$(REDISCLI_AUTH=$password redis-cli "${cli_tls[@]}" -h 127.0.0.1 -p "$port" sentinel master "$master" 2> /dev/null | tr '\n' ' ')
        if echo "$info" | grep -Eq 'num-slaves 1 .*num-other-sentinels 2 '; then
          ready=$((ready + 1))
        fi
      done
      if [ "$ready" -eq 3 ]; then
        (IFS=';'; echo "${urls[*]}") > "$dir/url"
        echo "$master" > "$dir/master-name"
        echo "Redis Sentinel group${tls:+ (TLS)}: primary 127.0.0.1:$primary, replica 127.0.0.1:$replica, three sentinels" >&2
        exit 0
      fi
      sleep 0.1
    done
    echo "The sentinels did not find each other and the replica in time; their logs:" >&2
    tail -n 20 "$dir"/sentinel*.log >&2 || true
    exit 1
    ;;
  stop)
    for name in sentinel1 sentinel2 sentinel3 replica primary; do
      if [ -f "$dir/$name.pid" ]; then
        kill "$(cat "$dir/$name.pid")" 2> /dev/null || true
      fi
    done
    ;;
  *)
    echo "$usage" >&2
    exit 64
    ;;
esac

#!/usr/bin/env bash
# Starts or stops a private Redis server for the test suite: loopback only, on a free port, with its
# files in one temporary folder, a random password and no persistence, so it never touches a system
# Redis and leaves nothing behind.
#   redis-node.sh start DIR   -> starts the server, writes DIR/url (redis://:password@127.0.0.1:port/0)
#   redis-node.sh stop DIR    -> stops it and removes nothing else
set -euo pipefail

command=${1:?usage: redis-node.sh start|stop DIR}
dir=${2:?usage: redis-node.sh start|stop DIR}

install_if_missing() {
  if ! command -v redis-server > /dev/null 2>&1; then
    echo "redis-server is not installed; installing it with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends redis-server >&2
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$command" in
  start)
    install_if_missing
    mkdir -p "$dir"
    port=$(free_port)
    # A password, so that the tests go through authentication and can check it never shows.
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    cat > "$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
protected-mode yes
requirepass $password
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
save ""
appendonly no
CONF
    chmod 600 "$dir/redis.conf"
    redis-server "$dir/redis.conf"
    for _ in $(seq 1 100); do
      if REDISCLI_AUTH=$password redis-cli -h 127.0.0.1 -p "$port" ping 2> /dev/null | grep -q PONG; then
        echo "redis://:$password@127.0.0.1:$port/0" > "$dir/url"
        echo "Redis server listening on 127.0.0.1:$port" >&2
        exit 0
      fi
      sleep 0.1
    done
    echo "Redis did not start; its log:" >&2
    tail -n 40 "$dir/redis.log" >&2 || true
    exit 1
    ;;
  stop)
    [ -f "$dir/redis.pid" ] || exit 0
    kill "$(cat "$dir/redis.pid")" 2> /dev/null || true
    ;;
  *)
    echo "usage: redis-node.sh start|stop DIR" >&2
    exit 64
    ;;
esac

#!/usr/bin/env bash
# Starts or stops a private RabbitMQ node for the test suite: its own node name, data and log
# directories under one temporary folder, and AMQP, distribution and epmd ports on 127.0.0.1 only,
# so it never touches a system broker.
#   rabbitmq-node.sh start DIR   -> starts the node, writes DIR/url (amqp://...) and DIR/env, and
#                                   DIR/amqps-url with DIR/ca.pem for its TLS listener
#   rabbitmq-node.sh stop DIR    -> stops it and removes nothing else
#   rabbitmq-node.sh ctl DIR ARGS -> runs rabbitmqctl ARGS against that node (policies, listings)
set -euo pipefail

command=${1:?usage: rabbitmq-node.sh start|stop|ctl DIR}
dir=${2:?usage: rabbitmq-node.sh start|stop DIR}
sbin=/usr/lib/rabbitmq/bin

install_if_missing() {
  if [ ! -x "$sbin/rabbitmq-server" ]; then
    echo "rabbitmq-server is not installed; installing it with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends rabbitmq-server >&2
  fi
}

# A throwaway CA and a server certificate that names DNS:localhost only (not 127.0.0.1), so tests
# can connect by a name the certificate lists and by one it does not.
make_certificates() {
  "$(dirname "$0")/test-certificates.sh" "$dir" DNS:localhost "TaskGen test broker"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

node_env() {
  # shellcheck disable=SC1091
  . "$dir/env"
  export HOME="$dir" RABBITMQ_NODENAME RABBITMQ_NODE_IP_ADDRESS RABBITMQ_NODE_PORT RABBITMQ_DIST_PORT \
    RABBITMQ_MNESIA_BASE RABBITMQ_LOG_BASE RABBITMQ_PID_FILE RABBITMQ_ENABLED_PLUGINS_FILE \
    RABBITMQ_CONFIG_FILE ERL_EPMD_ADDRESS ERL_EPMD_PORT RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS RABBITMQ_CTL_ERL_ARGS
}

case "$command" in
  start)
    install_if_missing
    mkdir -p "$dir/mnesia" "$dir/log"
    amqp=$(free_port); amqps=$(free_port); dist=$(free_port)
    # Nodes of one cluster share an epmd port and an Erlang cookie (rabbitmq-cluster.sh sets both).
    epmd=${TASKGEN_EPMD_PORT:-$(free_port)}
    if [ -n "${TASKGEN_ERLANG_COOKIE:-}" ]; then
      printf '%s' "$TASKGEN_ERLANG_COOKIE" > "$dir/.erlang.cookie"
      chmod 400 "$dir/.erlang.cookie"
    fi
    make_certificates
    cat > "$dir/env" <<ENV
RABBITMQ_NODENAME=taskgen-test-$$@localhost
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
RABBITMQ_NODE_PORT=$amqp
RABBITMQ_DIST_PORT=$dist
RABBITMQ_MNESIA_BASE=$dir/mnesia
RABBITMQ_LOG_BASE=$dir/log
RABBITMQ_PID_FILE=$dir/rabbitmq.pid
RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
RABBITMQ_CONFIG_FILE=$dir/rabbitmq
ERL_EPMD_ADDRESS=127.0.0.1
ERL_EPMD_PORT=$epmd
RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
ENV
    echo "[]." > "$dir/enabled_plugins"
    # Loopback only; the guest user may connect from there. A dead-letter exchange receives
    # what workers reject, through a policy, because Celery's queues must carry no arguments.
    cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp
listeners.ssl.default = 127.0.0.1:$amqps
ssl_options.cacertfile = $dir/ca.pem
ssl_options.certfile = $dir/tls/server.pem
ssl_options.keyfile = $dir/tls/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
loopback_users.guest = true
log.console = false
log.file.level = warning
disk_free_limit.absolute = 50MB
CONF
    node_env
    "$sbin/rabbitmq-server" > "$dir/log/startup.log" 2>&1 &
    echo $! > "$dir/launcher.pid"
    if ! "$sbin/rabbitmqctl" -q wait --timeout 120 "$RABBITMQ_PID_FILE" > "$dir/log/wait.log" 2>&1; then
      echo "RabbitMQ did not start; its startup log:" >&2
      tail -n 40 "$dir/log/startup.log" >&2 || true
      exit 1
    fi
    # What workers reject goes to the exchange taskgen.dead: a policy, because queues that Python
    # Celery also declares must carry no arguments.
    "$sbin/rabbitmqctl" -q set_policy taskgen-dead-letters '^(work|slow|calc|celery)$' \
      '{"dead-letter-exchange":"taskgen.dead"}' --apply-to queues > /dev/null
    echo "amqp://guest:guest@127.0.0.1:$amqp/" > "$dir/url"
    echo "amqps://guest:guest@localhost:$amqps/" > "$dir/amqps-url"
    echo "RabbitMQ node $RABBITMQ_NODENAME listening on 127.0.0.1:$amqp (TLS on $amqps)" >&2
    ;;
  ctl)
    node_env
    shift 2
    exec "$sbin/rabbitmqctl" -q "$@"
    ;;
  stop)
    [ -f "$dir/env" ] || exit 0
    node_env
    "$sbin/rabbitmqctl" -q stop "$RABBITMQ_PID_FILE" > /dev/null 2>&1 || true
    if [ -f "$dir/launcher.pid" ]; then
      kill "$(cat "$dir/launcher.pid")" 2> /dev/null || true
    fi
    # epmd was started for this node's private port; stop it too.
    epmd -kill > /dev/null 2>&1 || true
    ;;
  *)
    echo "usage: rabbitmq-node.sh start|stop|ctl DIR" >&2
    exit 64
    ;;
esac

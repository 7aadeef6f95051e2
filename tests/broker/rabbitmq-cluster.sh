#!/usr/bin/env bash
# Starts or stops a private RabbitMQ cluster of N nodes on loopback for the failover tests: each node is a
# rabbitmq-node.sh node in DIR/nodeK (its own name, ports and data), all sharing one epmd port and one Erlang
# cookie, and nodes 2..N joined to node 1.
#   rabbitmq-cluster.sh start DIR [N]  -> N nodes (3 by default); writes DIR/urls (one amqp:// URL a line, node order)
#                                         and DIR/nodes (the node names, same order)
#   rabbitmq-cluster.sh stop DIR       -> stops every node and their epmd
set -euo pipefail

command=${1:?usage: rabbitmq-cluster.sh start|stop DIR [N]}
dir=${2:?usage: rabbitmq-cluster.sh start|stop DIR [N]}
count=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)

case "$command" in
  start)
    mkdir -p "$dir"
    TASKGEN_EPMD_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    TASKGEN_ERLANG_COOKIE=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    export TASKGEN_EPMD_PORT TASKGEN_ERLANG_COOKIE
    : > "$dir/urls"
    : > "$dir/nodes"
    for k in $(seq 1 "$count"); do
      "$here/rabbitmq-node.sh" start "$dir/node$k"
      cat "$dir/node$k/url" >> "$dir/urls"
      (. "$dir/node$k/env" && echo "$RABBITMQ_NODENAME") >> "$dir/nodes"
    done
    first=$(head -n 1 "$dir/nodes")
    for k in $(seq 2 "$count"); do
      "$here/rabbitmq-node.sh" ctl "$dir/node$k" stop_app
      "$here/rabbitmq-node.sh" ctl "$dir/node$k" join_cluster "$first" 2>> "$dir/join.log"
      "$here/rabbitmq-node.sh" ctl "$dir/node$k" start_app
    done
    "$here/rabbitmq-node.sh" ctl "$dir/node1" await_online_nodes "$count" > /dev/null 2>&1 || true
    echo "RabbitMQ cluster of $count nodes in $dir" >&2
    ;;
  stop)
    for node in "$dir"/node*; do
      [ -d "$node" ] || continue
      "$here/rabbitmq-node.sh" stop "$node" || true
    done
    ;;
  *)
    echo "usage: rabbitmq-cluster.sh start|stop DIR [N]" >&2
    exit 64
    ;;
esac

#!/bin/sh
# Runs one Redis Cluster node: `redis-server` with the arguments given, and, when the node comes
# back as a member of a cluster (its nodes.conf knows other nodes), a CLUSTER MEET of every peer
# at the address its name resolves to now, until this node sees every other node connected (at
# most 2 minutes). Used by docker-compose.cluster.yml and deploy/redis-cluster/redis-cluster.yaml.
#
# Why: a node that restarts may get another IP (Docker, Kubernetes). Its peers learn the new
# address as soon as it talks to them, but two nodes restarted together can swap IPs, and then
# each one looks for the other at its own address and they never meet again: a replica that does
# not find its master never syncs. A MEET to a known node only updates its address.
# A new node (nodes.conf empty) meets nobody: redis-cluster-init (init.sh) adds it.
#
#   REDIS_CLUSTER_NODES  host:port of every node of the cluster, space separated
#   REDIS_PORT           this node's port (default 6379)
#   REDIS_PASSWORD_FILE  optional: a file holding the password of every node of the cluster: this
#                        node requires it (requirepass) and gives it to its master (masterauth);
#                        redis-cli here uses it (REDISCLI_AUTH). Never in the environment itself.
set -u

PORT=${REDIS_PORT:-6379}

if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
  REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE") && [ -n "$REDISCLI_AUTH" ] || {
    echo "redis-node: cannot read the password from $REDIS_PASSWORD_FILE" >&2
    exit 1
  }
  export REDISCLI_AUTH
  # redis-server replaces its process title, so these arguments do not stay visible in ps
  set -- "$@" --requirepass "$REDISCLI_AUTH" --masterauth "$REDISCLI_AUTH"
fi

# the official image's entrypoint when there is one: it drops root and turns protected mode off
# (the peers and the gateways connect from other hosts)
if command -v docker-entrypoint.sh >/dev/null 2>&1; then
  docker-entrypoint.sh redis-server "$@" &
else
  redis-server "$@" &
fi
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT

field() {
  redis-cli -p "$PORT" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$1://p"
}

meet_peers() {
  i=0
  until [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ]; do
    i=$((i + 1))
    [ "$i" -le 60 ] || return 0
    sleep 1
  done
  known=$(field cluster_known_nodes)
  [ "${known:-1}" -gt 1 ] || return 0
  self=$(hostname -i 2>/dev/null | awk '{ print $1 }')
  end=$(( $(date +%s) + 120 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    for peer in ${REDIS_CLUSTER_NODES:-}; do
      ip=$(getent hosts "${peer%:*}" | awk 'NR == 1 { print $1 }')
      if [ -n "$ip" ] && [ "$ip" != "$self" ]; then
        redis-cli -p "$PORT" cluster meet "$ip" "${peer##*:}" >/dev/null 2>&1
      fi
    done
    sleep 2
    # done when every other node it knows is connected and none is failing
    if ! redis-cli -p "$PORT" cluster nodes 2>/dev/null | tr -d '\r' | grep -v myself | grep -q -E 'fail|disconnected|handshake'; then
      echo "redis-node: every peer is connected" >&2
      return 0
    fi
  done
  echo "redis-node: some peers are still not connected after 2 minutes" >&2
}

meet_peers &

# the first wait returns early when TERM/INT is trapped: then wait for redis-server to finish
wait "$pid"
status=$?
if kill -0 "$pid" 2>/dev/null; then
  wait "$pid"
  status=$?
fi
exit "$status"

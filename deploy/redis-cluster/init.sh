#!/bin/sh
# One-shot creation of the chat-relay Redis Cluster: masters with replicas. Used by
# docker-compose.cluster.yml (service `redis-cluster-init`, image redis:8.0) and by the Kubernetes
# Job of deploy/redis-cluster/kustomization.yaml. Idempotent:
#   - the cluster is ok (every node: cluster_state:ok, knows all the others, every slot served;
#     as many masters with slots as asked, every other node a replica in sync): nothing to do;
#   - the nodes already belong to a cluster (restarted from their volumes), but it is not ok:
#     the nodes meet again at their current addresses (container or pod IPs may change across
#     restarts; a MEET to a known node only updates its address), then wait for ok;
#   - all nodes are empty: `redis-cli --cluster create` with the first nodes as masters, then
#     each further node added as the replica of a given master (--cluster-add-node
#     --cluster-slave --cluster-master-id): with REDIS_CLUSTER_REPLICAS=1 and six nodes, node 4
#     replicates node 1, node 5 node 2, node 6 node 3;
#   - a replica that is still empty (the init stopped halfway, or its volume was lost) is added
#     again as the replica of its master (whichever node serves that shard now).
# Exits non-zero (and the gateways, which depend on its success, do not start) when the cluster
# is not ok within $REDIS_CLUSTER_TIMEOUT seconds, e.g. when a whole shard lost its volumes
# (its slots belong to node ids that are gone): start afresh with `docker compose ... down -v`.
#
#   REDIS_CLUSTER_NODES     host:port of every node, space separated: the masters first
#   REDIS_CLUSTER_REPLICAS  replicas per master (default 0)
#   REDIS_CLUSTER_TIMEOUT   seconds to wait for the nodes and for cluster_state:ok (default 60)
#   REDIS_PASSWORD_FILE     optional: a file holding the nodes' password (redis-cli uses it)
#   REDIS_CLUSTER_URI_FILE  optional: where to write the gateways' Redis URI (CHAT_REDIS_URI_FILE):
#                           every node as a seed, with the password; mode 0400, owned by
#                           REDIS_CLUSTER_URI_OWNER (uid:gid) when set
set -eu

NODES=${REDIS_CLUSTER_NODES:-"redis-1:6379 redis-2:6379 redis-3:6379"}
REPLICAS=${REDIS_CLUSTER_REPLICAS:-0}
TIMEOUT=${REDIS_CLUSTER_TIMEOUT:-60}
COUNT=$(echo "$NODES" | wc -w)
MASTERS=$((COUNT / (REPLICAS + 1)))
[ $((MASTERS * (REPLICAS + 1))) -eq "$COUNT" ] && [ "$MASTERS" -ge 3 ] || {
  echo "redis-cluster-init: $COUNT nodes cannot make at least 3 masters with $REPLICAS replicas each" >&2
  exit 1
}

log() { echo "redis-cluster-init: $*" >&2; }

password=""
if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
  password=$(cat "$REDIS_PASSWORD_FILE")
  [ -n "$password" ] || { log "no password in $REDIS_PASSWORD_FILE"; exit 1; }
  REDISCLI_AUTH=$password
  export REDISCLI_AUTH
fi

# the gateways' URI: every node a seed (any one that answers is enough), the password in each
if [ -n "${REDIS_CLUSTER_URI_FILE:-}" ]; then
  uri=""
  for n in $NODES; do
    uri="$uri${uri:+,}redis://${password:+:$password@}$n"
  done
  (umask 077 && printf '%s\n' "$uri" > "$REDIS_CLUSTER_URI_FILE.tmp")
  [ -z "${REDIS_CLUSTER_URI_OWNER:-}" ] || chown "$REDIS_CLUSTER_URI_OWNER" "$REDIS_CLUSTER_URI_FILE.tmp"
  chmod 0400 "$REDIS_CLUSTER_URI_FILE.tmp"
  mv "$REDIS_CLUSTER_URI_FILE.tmp" "$REDIS_CLUSTER_URI_FILE"
  log "wrote the gateways' URI to $REDIS_CLUSTER_URI_FILE"
fi

cli() {
  node=$1
  shift
  redis-cli -h "${node%:*}" -p "${node##*:}" "$@"
}

# the n-th node (1-based)
nth() {
  echo "$NODES" | tr -s ' ' '\n' | sed -n "${1}p"
}

# field of `CLUSTER INFO` on a node, empty when it does not answer
info() {
  cli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

# field of `INFO replication` on a node
replication() {
  cli "$1" info replication 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

# host:port -> ip:port (CLUSTER MEET, so `--cluster create`, needs addresses, not names)
address() {
  ip=$(getent hosts "${1%:*}" | awk 'NR == 1 { print $1 }')
  [ -n "$ip" ] || { log "cannot resolve ${1%:*}"; return 1; }
  echo "$ip:${1##*:}"
}

all_ok() {
  masters=0
  synced=0
  for n in $NODES; do
    [ "$(info "$n" cluster_state)" = ok ] || return 1
    [ "$(info "$n" cluster_known_nodes)" = "$COUNT" ] || return 1
    [ "$(info "$n" cluster_slots_ok)" = 16384 ] || return 1
    case "$(replication "$n" role)" in
      master) masters=$((masters + 1)) ;;
      slave) [ "$(replication "$n" master_link_status)" = up ] && synced=$((synced + 1)) ;;
    esac
  done
  [ "$masters" = "$MASTERS" ] && [ "$synced" = $((COUNT - MASTERS)) ]
}

wait_ok() {
  deadline=$(( $(date +%s) + TIMEOUT ))
  until all_ok; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "the cluster is not ok after ${TIMEOUT}s:"
      for n in $NODES; do
        log "$n: state=$(info "$n" cluster_state) known=$(info "$n" cluster_known_nodes) slots_ok=$(info "$n" cluster_slots_ok)" \
          "role=$(replication "$n" role) link=$(replication "$n" master_link_status)"
      done
      return 1
    fi
    sleep 1
  done
}

# the id of the master of a node's shard: its own id if it is a master, else its master's
shard_master_id() {
  cli "$1" cluster nodes | tr -d '\r' | awk '$3 ~ /myself/ { if ($3 ~ /master/) print $1; else print $4 }'
}

deadline=$(( $(date +%s) + TIMEOUT ))
for n in $NODES; do
  until [ "$(cli "$n" ping 2>/dev/null)" = PONG ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { log "$n does not answer PING after ${TIMEOUT}s"; exit 1; }
    sleep 1
  done
done

if all_ok; then
  log "cluster already ok ($MASTERS masters, $((COUNT - MASTERS)) replicas): nothing to do"
  exit 0
fi

formed=0
for n in $NODES; do
  known=$(info "$n" cluster_known_nodes)
  if [ -n "$known" ] && [ "$known" -gt 1 ]; then formed=1; fi
done

if [ "$formed" = 1 ]; then
  addresses=""
  for n in $NODES; do
    known=$(info "$n" cluster_known_nodes)
    if [ -n "$known" ] && [ "$known" -gt 1 ]; then addresses="$addresses $(address "$n")"; fi
  done
  log "the nodes already form a cluster that is not ok yet: meeting again at$addresses"
  for n in $NODES; do
    for a in $addresses; do
      cli "$n" cluster meet "${a%:*}" "${a##*:}" >/dev/null || true
    done
  done
else
  masters=""
  i=1
  while [ "$i" -le "$MASTERS" ]; do
    masters="$masters $(address "$(nth "$i")")"
    i=$((i + 1))
  done
  log "creating a cluster of $MASTERS masters:$masters"
  # shellcheck disable=SC2086 # one argument per address
  redis-cli --cluster create $masters --cluster-replicas 0 --cluster-yes
fi

# every replica that does not belong to the cluster yet joins as the replica of its shard
i=$((MASTERS + 1))
while [ "$i" -le "$COUNT" ]; do
  replica=$(nth "$i")
  known=$(info "$replica" cluster_known_nodes)
  if [ "$known" = 1 ]; then
    master=$(nth $(( (i - MASTERS - 1) % MASTERS + 1 )))
    id=$(shard_master_id "$master")
    log "adding $replica as a replica of the shard of $master ($id)"
    redis-cli --cluster add-node "$(address "$replica")" "$(address "$master")" --cluster-slave --cluster-master-id "$id"
  fi
  i=$((i + 1))
done

wait_ok
log "cluster ok: $MASTERS masters, $((COUNT - MASTERS)) replicas, 16384 slots"
cli "$(nth 1)" cluster nodes

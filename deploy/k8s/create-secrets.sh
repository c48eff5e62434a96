#!/usr/bin/env bash
# Creates the two Secrets of deploy/k8s in the current (or -n) namespace, once, with random values
# (docs/security.md, "Secrets"):
#
#   chat-relay-redis     mounted by Redis only (redis.yaml)
#     password           Redis' password (the probes read it)
#     redis.conf         `requirepass <password>`: the config file redis-server starts with
#   chat-relay-gateway   mounted by the gateways only (gateway-deployment.yaml), read through
#                        the CHAT_*_FILE variables
#     redis-uri          redis://:<password>@redis:6379   (CHAT_REDIS_URI_FILE)
#     redis-cluster-uri  the six nodes of deploy/redis-cluster as seeds, each with the same
#                        password (CHAT_REDIS_URI_FILE there; the cluster's pods mount
#                        chat-relay-redis' password)
#     guest-secret       one guest secret for every pod    (CHAT_AUTH_GUEST_SECRET_FILE)
#     jwt-secret         HS256 secret of connection tokens (CHAT_AUTH_JWT_SECRET_FILE; give it to
#                        an app backend that signs with HS256, or use CHAT_AUTH_JWKS instead)
#     api-keys           server API and admin page key     (CHAT_API_KEYS_FILE)
#     hook-secret        the join and publish hooks' secret (CHAT_HOOK_SECRET_FILE, when hooks are on)
#     webhook-secret     the webhooks' signing secret      (CHAT_WEBHOOK_SECRET_FILE, when webhooks are on)
#
#   deploy/k8s/create-secrets.sh [-n <namespace>]    # before (or right after) kubectl apply -k deploy/k8s
#
# A Secret that exists is left alone (run it again safely); to rotate a value, edit the Secret
# (kubectl edit secret chat-relay-gateway) and restart the pods (docs/security.md, "Rotation").
# Values never appear on a command line or in the output. Requires kubectl.
set -euo pipefail

ns=()
if [ "${1:-}" = "-n" ] && [ -n "${2:-}" ]; then
  ns=(-n "$2")
fi

random() {
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

exists() {
  kubectl "${ns[@]}" get secret "$1" >/dev/null 2>&1
}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 700 "$dir"

if exists chat-relay-redis && exists chat-relay-gateway; then
  echo "create-secrets: chat-relay-redis and chat-relay-gateway exist: nothing to do"
  exit 0
fi
if exists chat-relay-redis || exists chat-relay-gateway; then
  echo "create-secrets: only one of chat-relay-redis and chat-relay-gateway exists: the Redis password" >&2
  echo "create-secrets: would differ between them; delete it (kubectl delete secret <name>) and run again" >&2
  exit 1
fi

password=$(random)
printf '%s' "$password" > "$dir/password"
printf 'requirepass %s\n' "$password" > "$dir/redis.conf"
printf 'redis://:%s@redis:6379' "$password" > "$dir/redis-uri"
for n in 0 1 2 3 4 5; do
  printf '%sredis://:%s@redis-cluster-%s.redis-cluster:6379' "$([ "$n" = 0 ] || echo ,)" "$password" "$n"
done > "$dir/redis-cluster-uri"
random > "$dir/guest-secret"
random > "$dir/jwt-secret"
random > "$dir/api-keys"
random > "$dir/hook-secret"
random > "$dir/webhook-secret"

kubectl "${ns[@]}" create secret generic chat-relay-redis \
  --from-file=password="$dir/password" --from-file=redis.conf="$dir/redis.conf" >/dev/null
kubectl "${ns[@]}" label secret chat-relay-redis app.kubernetes.io/part-of=chat-relay >/dev/null
kubectl "${ns[@]}" create secret generic chat-relay-gateway \
  --from-file=redis-uri="$dir/redis-uri" --from-file=redis-cluster-uri="$dir/redis-cluster-uri" \
  --from-file=guest-secret="$dir/guest-secret" \
  --from-file=jwt-secret="$dir/jwt-secret" --from-file=api-keys="$dir/api-keys" \
  --from-file=hook-secret="$dir/hook-secret" --from-file=webhook-secret="$dir/webhook-secret" >/dev/null
kubectl "${ns[@]}" label secret chat-relay-gateway app.kubernetes.io/part-of=chat-relay >/dev/null
echo "create-secrets: created chat-relay-redis and chat-relay-gateway"
echo "create-secrets: the API key: kubectl ${ns[*]} get secret chat-relay-gateway -o jsonpath='{.data.api-keys}' | base64 -d"

#!/bin/sh
# The compose stack's secrets, generated once by the one-shot service `secrets` of
# docker-compose.yml (before Redis and the gateways start) into two named volumes:
#
#   /secrets/redis    volume redis-secrets, mounted read-only by redis at /run/secrets/redis
#     redis.conf      `requirepass <password>`: the config file redis-server starts with
#     password        the password alone, for redis' health check (REDISCLI_AUTH)
#   /secrets/gateway  volume gateway-secrets, mounted read-only by the gateways at /run/secrets/chat-relay
#     redis-uri       redis://:<password>@redis:6379           (CHAT_REDIS_URI_FILE)
#     guest-secret    one guest secret for every gateway       (CHAT_AUTH_GUEST_SECRET_FILE)
#     jwt-secret      the HS256 secret of connection tokens    (CHAT_AUTH_JWT_SECRET_FILE)
#     api-keys        the key of the server API and admin page (CHAT_API_KEYS_FILE)
#     hook-secret     the secret of the join and publish hooks     (CHAT_HOOK_SECRET_FILE)
#     webhook-secret  the secret of the webhooks' signatures       (CHAT_WEBHOOK_SECRET_FILE)
#   /secrets/app      volume app-secrets, only when mounted (docker-compose.app.yml), mounted
#                     read-only by the example app at /run/secrets/app
#     api-key         the first key of the gateways' api-keys       (CHAT_API_KEY_FILE)
#     hook-secret     the gateways' hook-secret, copied             (CHAT_HOOK_SECRET_FILE)
#     webhook-secret  the gateways' webhook-secret, copied          (CHAT_WEBHOOK_SECRET_FILE)
#     admin-key       the key of the app's own admin endpoints      (APP_ADMIN_KEY_FILE)
#
# Every value is 32 random bytes, hex-encoded (64 characters). A file that exists is kept, so a
# second `docker compose up` (or `--scale`) finds the secrets the running Redis and gateways
# already use; `docker compose down -v` removes the volumes, and the next `up` makes new ones.
# The gateway's files (and the app's) belong to the images' user (10001) and only it may read them;
# the app's volume holds only what the app needs (not the JWT, guest or Redis secrets).
# Nothing is printed: read a value with `docker compose exec gateway cat /run/secrets/chat-relay/<file>`.
set -eu
umask 077

redis_dir=/secrets/redis
gateway_dir=/secrets/gateway
app_dir=/secrets/app
gateway_user=${GATEWAY_UID:-10001}

random() {
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# write <file> <value>: only when the file does not exist yet
write() {
  if [ ! -s "$1" ]; then
    put "$1" "$2"
  fi
}

# put <file> <value>: (re)writes a file derived from another secret when it differs
put() {
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
    printf '%s\n' "$2" > "$1.tmp"
    mv "$1.tmp" "$1"
    echo "secrets: wrote $1"
  fi
}

mkdir -p "$redis_dir" "$gateway_dir"

# Redis' password: the one source of Redis' config and the gateways' URI (always derived from it)
write "$redis_dir/password" "$(random)"
password=$(cat "$redis_dir/password")
put "$redis_dir/redis.conf" "requirepass $password"
put "$gateway_dir/redis-uri" "redis://:$password@redis:6379"
write "$gateway_dir/guest-secret" "$(random)"
write "$gateway_dir/jwt-secret" "$(random)"
write "$gateway_dir/api-keys" "$(random)"
write "$gateway_dir/hook-secret" "$(random)"
write "$gateway_dir/webhook-secret" "$(random)"

# Redis may run as any user (the official image drops to its own `redis` user): its files are
# readable by all, in a volume that only the redis service mounts
chmod 0755 "$redis_dir"
chmod 0444 "$redis_dir/password" "$redis_dir/redis.conf"
chown -R "$gateway_user:$gateway_user" "$gateway_dir"
chmod 0500 "$gateway_dir"
chmod 0400 "$gateway_dir"/*

# The example app's (docker-compose.app.yml mounts its volume here): the values it shares with
# the gateways are derived from theirs on every `up` (the API key: the first of api-keys, so that
# a rotation that lists the new key first moves the app to it)
if [ -d "$app_dir" ]; then
  api_keys=$(cat "$gateway_dir/api-keys")
  put "$app_dir/api-key" "${api_keys%%,*}"
  put "$app_dir/hook-secret" "$(cat "$gateway_dir/hook-secret")"
  put "$app_dir/webhook-secret" "$(cat "$gateway_dir/webhook-secret")"
  write "$app_dir/admin-key" "$(random)"
  chown -R "$gateway_user:$gateway_user" "$app_dir"
  chmod 0500 "$app_dir"
  chmod 0400 "$app_dir"/*
fi

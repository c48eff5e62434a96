#!/usr/bin/env bash
# Validates the Kubernetes manifests of deploy/k8s and of the Redis Cluster variant
# deploy/redis-cluster, offline (no cluster needed):
#   1. yamllint (deploy/k8s/.yamllint);
#   2. `kubectl kustomize` renders both kustomizations (if kubectl is installed);
#   3. every object, the rendered ones included, against the Kubernetes API schemas:
#      validate/validate.mjs with the npm package kubernetes-models (validators generated from
#      the Kubernetes OpenAPI schemas: types, required fields, formats), then a strict
#      TypeScript check against the same package's types, which also rejects unknown fields;
#   4. consistency between the objects, and hardening: every Redis behind a NetworkPolicy, the
#      admin port neither routed by an Ingress nor exposed outside the cluster (validate.mjs).
#
#   deploy/k8s/validate.sh        # exit 0: valid
#
# Requires: yamllint, node 20+ and npm (Debian: apt-get install yamllint nodejs npm);
# optional: kubectl (Debian: apt-get install kubectl). The npm packages are installed into
# deploy/k8s/validate/node_modules on the first run, from validate/package.json.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cluster="$(cd "$here/../redis-cluster" && pwd)"
say() { echo "validate: $*" >&2; }
die() { echo "validate: ERROR: $*" >&2; exit 1; }

command -v yamllint >/dev/null || die "yamllint not found (Debian: apt-get install yamllint)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then die "node and npm not found (Debian: apt-get install nodejs npm)"; fi

say "yamllint"
yamllint -s -c "$here/.yamllint" "$here" "$cluster"

if [ ! -d "$here/validate/node_modules/kubernetes-models" ] || [ ! -d "$here/validate/node_modules/typescript" ] \
   || [ "$here/validate/package.json" -nt "$here/validate/node_modules" ]; then
  say "npm install (validate/package.json)"
  (cd "$here/validate" && npm install --no-audit --no-fund --loglevel=error)
  touch "$here/validate/node_modules"
fi

files=("$here"/*.yaml "$here"/optional/*.yaml "$cluster"/*.yaml)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if command -v kubectl >/dev/null; then
  say "kubectl kustomize"
  kubectl kustomize "$here" >"$tmp/rendered.yaml"
  kubectl kustomize "$cluster" >"$tmp/rendered-cluster.yaml"
  files+=("$tmp/rendered.yaml" "$tmp/rendered-cluster.yaml")
else
  say "warning: kubectl not found: the kustomization is not rendered (only its files are checked)"
fi

say "schemas (kubernetes-models $(node -p "require('$here/validate/node_modules/kubernetes-models/package.json').version"))"
node "$here/validate/validate.mjs" "${files[@]}"

#!/usr/bin/env bash
# Deploys llm-chat into your current project on the Red Hat Developer Sandbox
# (or any single namespace you may edit): no operator, no new namespaces, no
# cluster RBAC. See gitops/README.md, "Developer Sandbox".
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: bootstrap/sandbox.sh [--repo URL] [--revision REV] [--dry-run]

Applies gitops/{builds,database,backend,frontend}/overlays/sandbox to the
current project (oc project), after creating the Secrets those manifests need.
Environment as for install.sh: LLM_API_BASE, LLM_API_KEY, and optionally
DJANGO_SUPERUSER_PASSWORD and DJANGO_SECRET_KEY.
EOF
}

parse_args "$@"

$DRY_RUN || command -v oc >/dev/null || fail "oc is not on PATH"
$DRY_RUN || say "Project: $(oc project -q)"
use_git_source

say "1/3 Secrets and cluster facts kept out of Git"
# An empty namespace means the current project.
domain=$(apps_domain)
cluster_only_objects "" "$domain" ""

say "2/3 Builds, database, backend, frontend"
for part in builds database backend frontend; do
  render "gitops/$part/overlays/sandbox" | apply
done

if $DRY_RUN; then
  say "dry run: nothing applied"
  exit 0
fi

say "3/3 Waiting for the first builds and rollouts (several minutes)"
for tag in backend:latest frontend:latest; do
  wait_for "image $tag" "$tag" 1800 oc get istag "$tag" -o 'jsonpath={.metadata.name}'
done
for deployment in postgresql backend frontend; do
  oc rollout status "deployment/$deployment" --timeout=15m >&2
done
say "Chat: https://$(oc get route frontend-route -o 'jsonpath={.spec.host}')"

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Deploys llm-chat into your current project on the Red Hat Developer Sandbox
# (or any single namespace you may edit): no operator, no new namespaces, no
# cluster RBAC. See gitops/README.md, "Developer Sandbox".
set -euo pipefail
LIB="$(dirname "$0")/lib"
# shellcheck source=lib/common.sh
. "$LIB/common.sh"
# shellcheck source=lib/preflight.sh
. "$LIB/preflight.sh"
# shellcheck source=lib/cluster-objects.sh
. "$LIB/cluster-objects.sh"

usage() {
  cat <<'EOF'
Usage: bootstrap/sandbox.sh [--repo URL] [--revision REV] [--dry-run]

Applies gitops/{builds,database,backend,frontend}/overlays/sandbox to the
current project (oc project), after creating the Secrets those manifests need.
--repo and --revision rewrite gitops/components/git-source and stop, as with
install.sh. Environment as for install.sh: LLM_API_BASE, LLM_API_KEY, and
optionally DJANGO_SECRET_KEY.
EOF
}

parse_args "$@"

PARTS="builds database backend frontend"
use_git_source

# What sandbox.sh does, asked of the cluster before any of it is done. Sets NS.
preflight() {
  local kind
  if ! preflight_login; then
    preflight_llm_env ""
    return
  fi
  NS=$(oc project -q 2>/dev/null) || true
  if [ -z "$NS" ]; then
    problem "no current project" "oc project <your project> (oc projects lists them)"
    preflight_llm_env ""
    return
  fi
  for kind in secrets configmaps services serviceaccounts persistentvolumeclaims deployments.apps \
    networkpolicies.networking.k8s.io routes.route.openshift.io \
    imagestreams.image.openshift.io buildconfigs.build.openshift.io \
    imagestreamimports.image.openshift.io rolebindings.rbac.authorization.k8s.io; do
    need create "$kind" "$NS"
  done
  need patch deployments.apps "$NS"
  if [ -n "$DENIED" ]; then
    permissions_problem "ask for the admin role in $NS (edit may not create RoleBindings), or switch to a project where you have it: oc project <name>"
  else
    preflight_registry "$NS"
  fi
  preflight_llm_env "$NS"
}

# The dry run names no namespace: the objects land in the current project.
NS=""
if ! $DRY_RUN; then
  preflight
  preflight_report
  say "Project: $NS"
fi

say "1/3 Secrets and cluster facts kept out of Git"
cluster_only_objects "$NS" "$NS" "$NS"

say "2/3 Builds, database, backend, frontend"
for part in $PARTS; do
  render "gitops/$part/overlays/sandbox" | apply -n "$NS"
done

if $DRY_RUN; then
  say "dry run: nothing applied"
  exit 0
fi

trust_frontend_host "$NS" "$NS" || exit 1

say "3/3 Waiting for the first builds and rollouts (several minutes)"
for tag in backend:latest frontend:latest; do
  wait_for "image $tag" "$tag" 1800 oc get imagestreamtags.image.openshift.io "$tag" -n "$NS" -o 'jsonpath={.metadata.name}'
done
for deployment in postgresql backend frontend; do
  oc rollout status "deployment/$deployment" -n "$NS" --timeout=15m >&2
done
say "Chat: https://$(frontend_host "$NS")"

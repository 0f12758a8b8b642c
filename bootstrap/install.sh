#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs OpenShift GitOps (or reuses the one installed), a namespace-scoped
# Argo CD and the llm-chat app-of-apps on a cluster where you are cluster-admin.
# See gitops/README.md.
set -euo pipefail
LIB="$(dirname "$0")/lib"
# shellcheck source=lib/common.sh
. "$LIB/common.sh"
# shellcheck source=lib/preflight.sh
. "$LIB/preflight.sh"
# shellcheck source=lib/operator.sh
. "$LIB/operator.sh"
# shellcheck source=lib/cluster-objects.sh
. "$LIB/cluster-objects.sh"

usage() {
  cat <<'EOF'
Usage: bootstrap/install.sh [--repo URL] [--revision REV] [--dry-run]

  --repo URL       your fork's public HTTPS Git URL; rewrites
                   gitops/components/git-source and stops (no cluster needed)
  --revision REV   branch, tag or commit to deploy (same file)
  --dry-run        print every manifest it would apply and stop; needs neither
                   oc nor a cluster (kubectl or kustomize renders)

Environment (read once, never printed): LLM_API_BASE, LLM_API_KEY, and
optionally DJANGO_SECRET_KEY (generated if unset).
EOF
}

parse_args "$@"

GITOPS_NS=llm-chat-gitops
BACKEND_NS=llm-chat-backend
FRONTEND_NS=llm-chat-frontend

use_git_source

# What install.sh does, asked of the cluster before any of it is done.
preflight() {
  local kind ns
  if ! preflight_login; then
    preflight_llm_env ""
    return
  fi
  need create namespaces ""
  need get packagemanifests.packages.operators.coreos.com openshift-marketplace
  need list subscriptions.operators.coreos.com "*"
  need list clusterserviceversions.operators.coreos.com "*"
  need create operatorgroups.operators.coreos.com "$OPERATOR_NS"
  need create subscriptions.operators.coreos.com "$OPERATOR_NS"
  for kind in argocds appprojects applications; do
    need create "$kind.argoproj.io" "$GITOPS_NS"
  done
  for ns in "$BACKEND_NS" "$FRONTEND_NS"; do
    need create rolebindings.rbac.authorization.k8s.io "$ns"
    need create resourcequotas "$ns"
    need create limitranges "$ns"
    need create secrets "$ns"
  done
  need create configmaps "$BACKEND_NS"
  need patch deployments.apps "$BACKEND_NS"
  need get routes.route.openshift.io "$FRONTEND_NS"
  need create imagestreamimports.image.openshift.io default
  if [ -n "$DENIED" ]; then
    permissions_problem "log in as a cluster-admin, or deploy into a project of your own with bootstrap/sandbox.sh"
  else
    preflight_operator
    preflight_registry default
  fi
  preflight_llm_env "$BACKEND_NS"
}

if ! $DRY_RUN; then
  preflight
  preflight_report
fi

install_gitops_operator

say "2/6 Argo CD instance and AppProject in $GITOPS_NS"
render bootstrap/argocd | apply
if ! $DRY_RUN; then
  wait_for "Argo CD" Available 900 oc get argocds.argoproj.io argocd -n "$GITOPS_NS" -o 'jsonpath={.status.phase}'
fi

say "3/6 Application namespaces and the controller's RoleBindings"
render bootstrap/app-namespaces | apply

say "4/6 Secrets and cluster facts kept out of Git"
cluster_only_objects "$BACKEND_NS" "$FRONTEND_NS" "$BACKEND_NS" "$FRONTEND_NS"

say "5/6 Root Application (app-of-apps)"
render gitops/apps/root | apply

if $DRY_RUN; then
  say "dry run: nothing applied"
  exit 0
fi

say "6/6 Waiting for every Application to be Synced and Healthy (first builds take minutes)"
apps_ready() {
  oc get applications.argoproj.io -n "$GITOPS_NS" --no-headers \
    -o 'custom-columns=NAME:.metadata.name,SYNC:.status.sync.status,HEALTH:.status.health.status' |
    awk '$2 == "Synced" && $3 == "Healthy" { ready++ } END { print ready + 0 "/" NR }'
}
wait_for "Applications Synced and Healthy (oc get applications -n $GITOPS_NS; gitops/README.md, Troubleshooting)" \
  5/5 2700 apps_ready

trust_frontend_host "$FRONTEND_NS" "$BACKEND_NS" || exit 1
oc rollout status deployment/backend -n "$BACKEND_NS" --timeout=15m >&2

say "Chat:    https://$(frontend_host "$FRONTEND_NS")"
say "Argo CD: https://$(oc get route argocd-server -n "$GITOPS_NS" -o 'jsonpath={.spec.host}')"

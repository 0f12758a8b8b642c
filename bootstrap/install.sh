#!/usr/bin/env bash
# Installs OpenShift GitOps, a namespace-scoped Argo CD and the llm-chat
# app-of-apps on a cluster where you are cluster-admin. See gitops/README.md.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: bootstrap/install.sh [--repo URL] [--revision REV] [--dry-run]

  --repo URL       your fork's Git URL (default: gitops/components/git-source)
  --revision REV   branch, tag or commit to deploy (default: the same file)
  --dry-run        print every manifest it would apply and stop; needs neither
                   oc nor a cluster (kubectl or kustomize renders)

Environment (read once, never printed): LLM_API_BASE, LLM_API_KEY, and
optionally DJANGO_SUPERUSER_PASSWORD and DJANGO_SECRET_KEY (generated if unset).
EOF
}

parse_args "$@"

GITOPS_NS=llm-chat-gitops
BACKEND_NS=llm-chat-backend
FRONTEND_NS=llm-chat-frontend

$DRY_RUN || command -v oc >/dev/null || fail "oc is not on PATH"
$DRY_RUN || oc whoami >/dev/null || fail "log in first: oc login ..."
use_git_source

say "1/6 OpenShift GitOps operator (Namespace, OperatorGroup, Subscription)"
render bootstrap/operator | apply
if ! $DRY_RUN; then
  wait_for "ArgoCD CRD" "True" 900 \
    oc get crd argocds.argoproj.io -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}'
fi

say "2/6 Argo CD instance and AppProject in $GITOPS_NS"
render bootstrap/argocd | apply
if ! $DRY_RUN; then
  wait_for "Argo CD" "Available" 900 oc get argocd argocd -n "$GITOPS_NS" -o 'jsonpath={.status.phase}'
fi

say "3/6 Application namespaces and the controller's RoleBindings"
render bootstrap/app-namespaces | apply

say "4/6 Secrets and cluster facts kept out of Git"
domain=$(apps_domain)
cluster_only_objects "$BACKEND_NS" "$domain" "$BACKEND_NS" "$FRONTEND_NS"

say "5/6 Root Application (app-of-apps)"
render gitops/apps/root | apply

if $DRY_RUN; then
  say "dry run: nothing applied"
  exit 0
fi

say "6/6 Waiting for every Application to be Synced and Healthy (first builds take minutes)"
apps_status() {
  oc get applications.argoproj.io -n "$GITOPS_NS" --no-headers \
    -o 'custom-columns=NAME:.metadata.name,SYNC:.status.sync.status,HEALTH:.status.health.status'
}
deadline=$((SECONDS + 2700))
last=""
while :; do
  status=$(apps_status 2>/dev/null || true)
  if [ "$status" != "$last" ]; then
    printf '%s\n' "$status" >&2
    last=$status
  fi
  total=$(printf '%s\n' "$status" | grep -c . || true)
  ready=$(printf '%s\n' "$status" | grep -c ' Synced *Healthy$' || true)
  [ "$total" -eq 5 ] && [ "$ready" -eq 5 ] && break
  [ $SECONDS -lt $deadline ] || fail "not all Applications are Synced and Healthy; see gitops/README.md, Troubleshooting"
  sleep 15
done

say "Chat:    https://$(oc get route frontend-route -n "$FRONTEND_NS" -o 'jsonpath={.spec.host}')"
say "Argo CD: https://$(oc get route argocd-server -n "$GITOPS_NS" -o 'jsonpath={.spec.host}')"

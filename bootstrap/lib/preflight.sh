# shellcheck shell=bash
# Checks before anything is applied. Each check adds what it finds missing to
# one list; preflight_report prints the list, each item with its fix, and stops.
# Sourced after common.sh.

PROBLEMS=""
DENIED=""
# Any image from the registry the builds' base images come from: importing it
# shows whether the cluster (its proxy, its allowedRegistriesForImport) gets there.
REGISTRY_PROBE_IMAGE=registry.access.redhat.com/ubi9/ubi-minimal:latest
# The oauth-proxy image itself (gitops/builds/base/oauth-proxy-imagestream.yaml):
# importing it shows that the cluster's pull secret covers registry.redhat.io and
# that the tag exists.
OAUTH_PROXY_IMAGE=registry.redhat.io/openshift4/ose-oauth-proxy-rhel9:v4.17

# problem WHAT FIX
problem() {
  PROBLEMS="$PROBLEMS  - $1
    fix: $2
"
}

# oc on PATH and logged in; every later check needs both.
preflight_login() {
  if ! command -v oc >/dev/null 2>&1; then
    problem "oc is not on PATH" \
      "install the OpenShift CLI (web console: ? > Command line tools) and put it on PATH"
    return 1
  fi
  if ! oc whoami >/dev/null 2>&1; then
    problem "oc is not logged in to a cluster" \
      "oc login --token=... --server=... (web console: your name > Copy login command)"
    return 1
  fi
}

# can VERB RESOURCE NAMESPACE: asks the cluster. An empty NAMESPACE means
# cluster scope; "*" means every namespace.
can() {
  case $3 in
    "") oc auth can-i "$1" "$2" >/dev/null 2>&1 ;;
    "*") oc auth can-i "$1" "$2" --all-namespaces >/dev/null 2>&1 ;;
    *) oc auth can-i "$1" "$2" -n "$3" >/dev/null 2>&1 ;;
  esac
}

# need VERB RESOURCE NAMESPACE: as can, and remembers a "no" for the report.
need() {
  local scope=""
  case $3 in
    "") ;;
    "*") scope=" --all-namespaces" ;;
    *) scope=" -n $3" ;;
  esac
  can "$@" || DENIED="$DENIED      $1 $2$scope
"
}

# permissions_problem FIX: one item for every "no" that need() collected.
permissions_problem() {
  [ -n "$DENIED" ] || return 0
  problem "oc auth can-i answers no for:
${DENIED%
}" "$1"
}

# LLM_API_BASE and LLM_API_KEY are needed only to create litellm-secrets.
preflight_llm_env() {
  if [ -n "${1:-}" ] && oc get secret litellm-secrets -n "$1" >/dev/null 2>&1; then
    return
  fi
  [ -n "${LLM_API_BASE:-}" ] ||
    problem "LLM_API_BASE is not set" "export LLM_API_BASE=https://your-endpoint/v1"
  [ -n "${LLM_API_KEY+set}" ] ||
    problem "LLM_API_KEY is not set" "read -rs LLM_API_KEY && export LLM_API_KEY (empty if the endpoint needs no key)"
}

# A dry-run import in NAMESPACE: the cluster fetches the image's metadata and
# creates nothing. oc exits 0 either way; its message tells.
# import_problem NAMESPACE IMAGE FIX: a problem unless a dry-run import of IMAGE works.
import_problem() {
  local out why
  out=$(oc import-image llm-chat-registry-probe --from="$2" \
    --confirm --dry-run -n "$1" 2>&1) || true
  case $out in
    *"completed successfully"*) ;;
    *)
      why=$(printf '%s\n' "$out" | grep -m1 '^error' || printf '%s\n' "$out" | head -n 1)
      problem "the cluster cannot import $2: $why" "$3" ;;
  esac
}

preflight_registry() {
  import_problem "$1" "$REGISTRY_PROBE_IMAGE" \
    "let the cluster reach registry.access.redhat.com (cluster-wide proxy; allowedRegistriesForImport in image.config.openshift.io/cluster) or mirror it"
  import_problem "$1" "$OAUTH_PROXY_IMAGE" \
    "the cluster's pull secret (secret/pull-secret in openshift-config) needs credentials for registry.redhat.io, and the cluster must reach it; or mirror the image"
}

preflight_report() {
  [ -n "$PROBLEMS" ] || return 0
  printf 'error: %s cannot start; nothing was applied. Fix these first:\n%s' \
    "${0##*/}" "$PROBLEMS" >&2
  exit 1
}

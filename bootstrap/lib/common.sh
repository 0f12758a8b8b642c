# Shared by install.sh and sandbox.sh. Sourced, never run.
# Progress goes to stderr; with --dry-run, stdout carries only the manifests.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GIT_SOURCE_FILE=gitops/components/git-source/git-source.yaml
# The upstream file names an example owner; a real run needs a fork.
PLACEHOLDER_OWNER=github.com/example/
DRY_RUN=false
REPO=""
REVISION=""
# The tree manifests are rendered from: the checkout, or a scratch copy when a
# dry run previews another repository.
WORK=$ROOT

# The flags both scripts take; each script defines its own usage().
parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --repo) REPO=${2:?--repo needs a URL}; shift 2 ;;
      --revision) REVISION=${2:?--revision needs a value}; shift 2 ;;
      --dry-run) DRY_RUN=true; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; exit 64 ;;
    esac
  done
}

say() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# kustomize as oc, kubectl or kustomize ship it, whichever is here.
render() {
  if command -v oc >/dev/null 2>&1; then
    oc kustomize "$WORK/$1"
  elif command -v kubectl >/dev/null 2>&1; then
    kubectl kustomize "$WORK/$1"
  elif command -v kustomize >/dev/null 2>&1; then
    kustomize build "$WORK/$1"
  else
    fail "need oc, kubectl or kustomize on PATH to render $1"
  fi
}

# Print manifests (dry run) or apply them.
apply() {
  if $DRY_RUN; then
    printf -- '---\n'
    cat
  else
    oc apply -f - >&2
  fi
}

git_source_value() {
  sed -n "s/^  $1: *//p" "$WORK/$GIT_SOURCE_FILE"
}

# Point gitops/components/git-source at --repo/--revision. A real run rewrites
# the checkout and stops: Argo CD and the builds read Git, so the change must be
# pushed first. A dry run previews the change in a scratch copy.
use_git_source() {
  local repo=${REPO:-$(git_source_value url)}
  local revision=${REVISION:-$(git_source_value revision)}
  if [ "$repo" = "$(git_source_value url)" ] && [ "$revision" = "$(git_source_value revision)" ]; then
    if [[ $repo == *"$PLACEHOLDER_OWNER"* ]] && ! $DRY_RUN; then
      fail "$GIT_SOURCE_FILE still names the example repository; pass --repo <your fork's URL>"
    fi
    say "Git source: $repo @ $revision"
    return
  fi
  if $DRY_RUN; then
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
    cp -R "$ROOT/gitops" "$ROOT/bootstrap" "$WORK/"
  fi
  sed -i.bak -e "s|^  url: .*|  url: $repo|" -e "s|^  revision: .*|  revision: $revision|" \
    "$WORK/$GIT_SOURCE_FILE"
  rm -f "$WORK/$GIT_SOURCE_FILE.bak"
  say "Git source: $repo @ $revision"
  if ! $DRY_RUN; then
    say "$GIT_SOURCE_FILE now points at your fork. Commit and push it, then run this again:"
    say "  git commit -m 'Point GitOps at my fork' -- $GIT_SOURCE_FILE && git push"
    exit 2
  fi
}

random_hex() {
  od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# secret NAME NAMESPACE KEY=VALUE_VARIABLE...
# Creates the Secret unless it exists. Values travel through a file descriptor,
# never through arguments or the terminal. A dry run prints the Secret with the
# name of each variable in place of its value.
secret() {
  local name=$1 namespace=$2 pair key var
  shift 2
  if $DRY_RUN; then
    printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n' "$name"
    [ -n "$namespace" ] && printf '  namespace: %s\n' "$namespace"
    printf '  labels:\n    app.kubernetes.io/part-of: llm-chat\ntype: Opaque\nstringData:\n'
    for pair in "$@"; do
      printf '  %s: "<value of $%s>"\n' "${pair%%=*}" "${pair#*=}"
    done
    return
  fi
  local ns_args=()
  [ -n "$namespace" ] && ns_args=(-n "$namespace")
  if oc get secret "$name" "${ns_args[@]}" >/dev/null 2>&1; then
    say "Secret $name exists in ${namespace:-this project}: kept (delete it to recreate)"
    return
  fi
  oc create secret generic "$name" "${ns_args[@]}" --from-env-file=<(
    for pair in "$@"; do
      key=${pair%%=*} var=${pair#*=}
      printf '%s=%s\n' "$key" "${!var}"
    done
  ) >&2
  oc label secret "$name" "${ns_args[@]}" app.kubernetes.io/part-of=llm-chat >&2
}

# The Secrets and the ConfigMap that stay out of Git, for a backend namespace and
# the namespaces that run builds.
cluster_only_objects() {
  local backend_ns=$1 apps_domain=$2 ns
  shift 2
  if ! $DRY_RUN; then
    if ! oc get secret litellm-secrets ${backend_ns:+-n "$backend_ns"} >/dev/null 2>&1; then
      [ -n "${LLM_API_BASE:-}" ] || fail "set LLM_API_BASE (and LLM_API_KEY) in the environment"
      [ -n "${LLM_API_KEY+set}" ] || fail "set LLM_API_KEY in the environment (empty if none)"
    fi
    if [ -z "${DJANGO_SUPERUSER_PASSWORD:-}" ]; then
      say "DJANGO_SUPERUSER_PASSWORD unset: generating one. Read it back with"
      say "  oc extract secret/litellm-secrets ${backend_ns:+-n $backend_ns} --keys=DJANGO_SUPERUSER_PASSWORD --to=-"
    fi
  fi
  DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(random_hex 32)}
  DJANGO_SUPERUSER_PASSWORD=${DJANGO_SUPERUSER_PASSWORD:-$(random_hex 12)}
  DATABASE_NAME=llmchat DATABASE_USER=llmchat DATABASE_PASSWORD=$(random_hex 24)
  WEBHOOK_SECRET=$(random_hex 20)
  secret litellm-secrets "$backend_ns" LLM_API_BASE=LLM_API_BASE LLM_API_KEY=LLM_API_KEY \
    DJANGO_SECRET_KEY=DJANGO_SECRET_KEY DJANGO_SUPERUSER_PASSWORD=DJANGO_SUPERUSER_PASSWORD
  secret postgresql "$backend_ns" database-name=DATABASE_NAME database-user=DATABASE_USER \
    database-password=DATABASE_PASSWORD
  for ns in "$@"; do
    secret build-webhook "$ns" WebHookSecretKey=WEBHOOK_SECRET
  done
  {
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-ingress\n'
    [ -n "$backend_ns" ] && printf '  namespace: %s\n' "$backend_ns"
    printf '  labels:\n    app.kubernetes.io/part-of: llm-chat\ndata:\n  apps-domain: %s\n' "$apps_domain"
  } | apply
}

# The apps domain, from the console's URL: any user may read it.
apps_domain() {
  if $DRY_RUN; then
    echo "${APPS_DOMAIN:-apps.cluster.example.com}"
    return
  fi
  local console
  console=$(oc whoami --show-console)
  console=${console#https://}
  echo "${console#*.}"
}

# Wait until `oc get` with a jsonpath prints what is expected, showing progress.
wait_for() {
  local what=$1 expected=$2 timeout=$3 got=""
  shift 3
  local deadline=$((SECONDS + timeout))
  until got=$("$@" 2>/dev/null) && [ "$got" = "$expected" ]; do
    [ $SECONDS -lt $deadline ] || fail "timed out waiting for $what (last: ${got:-nothing})"
    printf '.' >&2
    sleep 10
  done
  printf '\n' >&2
  say "$what: $expected"
}

# shellcheck shell=bash
# The Secrets and the ConfigMap that stay out of Git (templates in
# bootstrap/secrets/), and the restarts that carry a change of them into pods.
# Sourced after common.sh.

random_hex() {
  od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# oauth-proxy's cookie secret: 24 random bytes as 32 characters of base64url,
# which oauth-proxy decodes back to the 24 bytes of an AES-192 key.
random_cookie_secret() {
  head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n'
}

# The Deployments that read each Secret or ConfigMap written here
# (tests/gitops/test_bootstrap_cluster.py holds this against the manifests).
readers_of() {
  case $1 in
    litellm-secrets | cluster-ingress) echo backend ;;
    postgresql) echo postgresql backend ;;
    chat-proxy) echo backend frontend ;;
    frontend-oauth-proxy) echo frontend ;;
  esac
}

# Containers read these as environment variables when they start: restart the
# readers that already run, so a rewritten value reaches them.
restart_readers() {
  local deployment
  for deployment in $(readers_of "$1"); do
    if oc get deployment "$deployment" -n "$2" >/dev/null 2>&1; then
      oc rollout restart "deployment/$deployment" -n "$2" >&2
    fi
  done
}

# secret NAME NAMESPACE KEY=VALUE_VARIABLE...
# Creates the Secret unless it exists. Values travel through a file descriptor,
# never through arguments or the terminal. A dry run prints the Secret with the
# name of each variable in place of its value, and no namespace when NAMESPACE
# is empty (the current project).
secret() {
  local name=$1 namespace=$2 pair key var
  shift 2
  if $DRY_RUN; then
    printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n' "$name"
    [ -z "$namespace" ] || printf '  namespace: %s\n' "$namespace"
    printf '  labels:\n    app.kubernetes.io/part-of: llm-chat\ntype: Opaque\nstringData:\n'
    for pair in "$@"; do
      printf '  %s: "<value of $%s>"\n' "${pair%%=*}" "${pair#*=}"
    done
    return
  fi
  if oc get secret "$name" -n "$namespace" >/dev/null 2>&1; then
    say "Secret $name exists in $namespace: kept (delete it to recreate)"
    return
  fi
  oc create secret generic "$name" -n "$namespace" --from-env-file=<(
    for pair in "$@"; do
      key=${pair%%=*} var=${pair#*=}
      printf '%s=%s\n' "$key" "${!var}"
    done
  ) >&2
  oc label secret "$name" -n "$namespace" app.kubernetes.io/part-of=llm-chat >&2
  restart_readers "$name" "$namespace"
}

# ConfigMap cluster-ingress: the one host the backend trusts (ALLOWED_HOSTS and,
# as https://HOST, CSRF_TRUSTED_ORIGINS). Empty until the frontend Route exists.
ingress_configmap() {
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-ingress\n'
  [ -z "$1" ] || printf '  namespace: %s\n' "$1"
  printf '  labels:\n    app.kubernetes.io/part-of: llm-chat\ndata:\n  frontend-host: "%s"\n' "$2"
}

# The value of key `secret` of Secret chat-proxy in NAMESPACE; empty without one.
proxy_secret_in() {
  oc get secret chat-proxy -n "$1" -o 'jsonpath={.data.secret}' 2>/dev/null | base64 --decode 2>/dev/null
}

# The proxy secret nginx sends and the backend checks: the value the backend's or
# the frontend's namespace already holds, else a new one. Never printed.
shared_proxy_secret() {
  local backend frontend=""
  if ! $DRY_RUN; then
    backend=$(proxy_secret_in "$1") || backend=""
    [ "$1" = "$2" ] || frontend=$(proxy_secret_in "$2") || frontend=""
    if [ -n "$backend" ] && [ -n "$frontend" ] && [ "$backend" != "$frontend" ]; then
      warn "Secret chat-proxy differs between $1 and $2, so the backend believes no user:" \
        "delete both and run this script again."
    fi
    if [ -n "$backend$frontend" ]; then
      printf '%s' "${backend:-$frontend}"
      return
    fi
  fi
  random_hex 32
}

# cluster_only_objects BACKEND_NS FRONTEND_NS BUILD_NS...: the Secrets, and
# cluster-ingress with no host yet unless it exists. An empty namespace (dry
# run of sandbox.sh) means the current project.
cluster_only_objects() {
  local backend_ns=$1 frontend_ns=$2 ns
  shift 2
  DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(random_hex 32)}
  # shellcheck disable=SC2034 # read by secret() through ${!var}
  DATABASE_NAME=llmchat DATABASE_USER=llmchat DATABASE_PASSWORD=$(random_hex 24)
  # shellcheck disable=SC2034 # read by secret() through ${!var}
  WEBHOOK_SECRET=$(random_hex 20)
  # shellcheck disable=SC2034 # read by secret() through ${!var}
  CHAT_PROXY_SECRET=$(shared_proxy_secret "$backend_ns" "$frontend_ns")
  # shellcheck disable=SC2034 # read by secret() through ${!var}
  SESSION_SECRET=$(random_cookie_secret)
  secret litellm-secrets "$backend_ns" LLM_API_BASE=LLM_API_BASE LLM_API_KEY=LLM_API_KEY \
    DJANGO_SECRET_KEY=DJANGO_SECRET_KEY
  secret postgresql "$backend_ns" database-name=DATABASE_NAME database-user=DATABASE_USER \
    database-password=DATABASE_PASSWORD
  secret chat-proxy "$backend_ns" secret=CHAT_PROXY_SECRET
  [ "$frontend_ns" = "$backend_ns" ] || secret chat-proxy "$frontend_ns" secret=CHAT_PROXY_SECRET
  secret frontend-oauth-proxy "$frontend_ns" session_secret=SESSION_SECRET
  for ns in "$@"; do
    secret build-webhook "$ns" WebHookSecretKey=WEBHOOK_SECRET
  done
  if $DRY_RUN || ! oc get configmap cluster-ingress -n "$backend_ns" >/dev/null 2>&1; then
    ingress_configmap "$backend_ns" "" | apply -n "$backend_ns"
  fi
}

# The host the router admitted for frontend-route in NAMESPACE, else the one
# the API server gave it; empty when there is neither.
frontend_host() {
  local host
  host=$(oc get route frontend-route -n "$1" -o 'jsonpath={.status.ingress[0].host}' 2>/dev/null) || true
  [ -n "$host" ] || host=$(oc get route frontend-route -n "$1" -o 'jsonpath={.spec.host}' 2>/dev/null) || true
  printf '%s' "$host"
}

# trust_frontend_host FRONTEND_NS BACKEND_NS: write the Route's host into
# cluster-ingress and restart the backend when it changed. Returns 1, with a
# warning, when the Route has no host.
trust_frontend_host() {
  local host current
  host=$(frontend_host "$1")
  case $host in
    "" | *[!a-z0-9.-]*)
      warn "Route frontend-route in $1 has no usable host (${host:-none}), so the backend" \
        "trusts no browser yet: every page answers 400. Once" \
        "'oc get route frontend-route -n $1' shows a host, run this script again."
      return 1 ;;
  esac
  current=$(oc get configmap cluster-ingress -n "$2" -o 'jsonpath={.data.frontend-host}' 2>/dev/null) || true
  if [ "$current" = "$host" ]; then
    say "The backend trusts https://$host"
    return
  fi
  ingress_configmap "$2" "$host" | apply -n "$2"
  restart_readers cluster-ingress "$2"
  say "The backend now trusts https://$host (and only it)"
}

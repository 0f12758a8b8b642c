# shellcheck shell=bash
# Shared by install.sh and sandbox.sh. Sourced, never run.
# Written for bash 3.2 (macOS) as well as Linux: no arrays, no bash-4 expansions
# (tests/gitops/test_bootstrap_portability.py lists what is off limits).
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
# Seconds between two looks at the cluster (tests set 0). Timeouts are counted
# in looks of about ten seconds, so they do not depend on the clock.
POLL_SECONDS=${BOOTSTRAP_POLL_SECONDS:-10}

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
warn() { printf 'warning: %s\n' "$*" >&2; }
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

# Print manifests (dry run) or apply them; arguments go to oc apply.
# shellcheck disable=SC2120 # the arguments are optional
apply() {
  if $DRY_RUN; then
    printf -- '---\n'
    cat
  else
    oc apply "$@" -f - >&2
  fi
}

git_source_value() {
  sed -n "s/^  $1: *//p" "$WORK/$GIT_SOURCE_FILE"
}

# Argo CD and the builds clone without credentials, so only a public HTTPS URL
# works. Values are written as plain YAML scalars: refuse what would not be one.
check_git_source() {
  case $1 in
    https://?*) ;;
    *) fail "--repo must be a public HTTPS Git URL (https://...): Argo CD and the builds clone it without credentials" ;;
  esac
  case "$1$2" in
    *[[:space:]]* | *[\'\"\\\#\`]*)
      fail "--repo and --revision may not contain spaces, quotes, backslashes, # or backquotes" ;;
  esac
  case $2 in
    [-\&\*\!\|\>%\@\[\]\{\}\,\?:]*) fail "--revision may not start with a YAML indicator (one of -&*!|>%@[]{},?:)" ;;
  esac
}

# Rewrite the URL and revision; awk takes them from its environment, so no
# character in them is special (sed would read & and | in a URL).
write_git_source() {
  local file=$WORK/$GIT_SOURCE_FILE
  GIT_URL=$1 GIT_REVISION=$2 awk '
    /^  url: / { print "  url: " ENVIRON["GIT_URL"]; next }
    /^  revision: / { print "  revision: " ENVIRON["GIT_REVISION"]; next }
    { print }
  ' "$file" >"$file.new"
  mv "$file.new" "$file"
}

# Point gitops/components/git-source at --repo/--revision. A real run rewrites
# the checkout and stops, before any oc call: Argo CD and the builds read Git, so
# the change must be pushed first. A dry run previews the change in a scratch copy.
use_git_source() {
  local repo=${REPO:-$(git_source_value url)}
  local revision=${REVISION:-$(git_source_value revision)}
  if [ "$repo" = "$(git_source_value url)" ] && [ "$revision" = "$(git_source_value revision)" ]; then
    case $repo in
      *"$PLACEHOLDER_OWNER"*)
        $DRY_RUN || fail "$GIT_SOURCE_FILE still names the example repository; pass --repo <your fork's URL>" ;;
    esac
    say "Git source: $repo @ $revision"
    return
  fi
  check_git_source "$repo" "$revision"
  if $DRY_RUN; then
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
    cp -R "$ROOT/gitops" "$ROOT/bootstrap" "$WORK/"
  fi
  write_git_source "$repo" "$revision"
  say "Git source: $repo @ $revision"
  if ! $DRY_RUN; then
    say "$GIT_SOURCE_FILE now points at your fork. Commit and push it, then run this again:"
    say "  git commit -m 'Point GitOps at my fork' -- $GIT_SOURCE_FILE && git push"
    exit 2
  fi
}

# wait_for WHAT EXPECTED TIMEOUT COMMAND...: run COMMAND until it prints
# EXPECTED; "Failed" is final. Shows a dot per look.
wait_for() {
  local what=$1 expected=$2 looks=$(($3 / 10)) got="" dots=""
  shift 3
  until got=$("$@" 2>/dev/null) && [ "$got" = "$expected" ]; do
    looks=$((looks - 1))
    [ "$got" != Failed ] && [ "$looks" -gt 0 ] || break
    printf '.' >&2
    dots=yes
    sleep "$POLL_SECONDS"
  done
  [ -z "$dots" ] || printf '\n' >&2
  [ "$got" != Failed ] || fail "$what: Failed"
  [ "$got" = "$expected" ] || fail "timed out waiting for $what (last: ${got:-nothing})"
  say "$what: $expected"
}

# shellcheck shell=bash
# The OpenShift GitOps operator: find an existing install and reuse it, or
# subscribe on the pinned channel. Sourced by install.sh after common.sh and
# preflight.sh.

PACKAGE=openshift-gitops-operator
OPERATOR_NS=openshift-gitops-operator
OPERATOR_DIR=bootstrap/operator
# Set by find_gitops_operator: "namespace name channel" of an existing
# Subscription, else "namespace name" of an installed CSV without one.
FOUND_SUBSCRIPTION=""
FOUND_CSV=""

# A field of subscription.yaml; for name, metadata.name comes first.
subscription_value() {
  sed -n "s/^  $1: *//p" "$WORK/$OPERATOR_DIR/subscription.yaml" | head -n 1
}

# A Subscription for the package in any namespace (older installs used
# openshift-operators), or failing that its CSV. OLM copies a CSV installed for
# all namespaces into every namespace with reason Copied: those are not installs.
find_gitops_operator() {
  FOUND_SUBSCRIPTION=$(oc get subscriptions.operators.coreos.com --all-namespaces --no-headers \
    -o 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PACKAGE:.spec.name,CHANNEL:.spec.channel' |
    awk -v pkg="$PACKAGE" '$3 == pkg { print $1, $2, $4; exit }')
  [ -z "$FOUND_SUBSCRIPTION" ] || return 0
  FOUND_CSV=$(oc get clusterserviceversions.operators.coreos.com --all-namespaces --no-headers \
    -o 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name,REASON:.status.reason' |
    awk -v prefix="$PACKAGE." 'index($2, prefix) == 1 && $3 != "Copied" { print $1, $2; exit }')
}

operator_groups() {
  oc get operatorgroups.operators.coreos.com -n "$OPERATOR_NS" --no-headers \
    -o 'custom-columns=NAME:.metadata.name'
}

# What install.sh's preflight checks about the operator; call after login.
preflight_operator() {
  local channel source offered groups ns name current
  channel=$(subscription_value channel)
  source=$(subscription_value source)
  find_gitops_operator
  if [ -n "$FOUND_SUBSCRIPTION" ]; then
    read -r ns name current <<EOF
$FOUND_SUBSCRIPTION
EOF
    [ "$current" = "$channel" ] || warn "Subscription $name in $ns follows channel $current, not $channel" \
      "(pinned in $OPERATOR_DIR/subscription.yaml); it is reused as it is, channel unchanged"
    return
  fi
  [ -z "$FOUND_CSV" ] || return 0
  offered=$(oc get packagemanifests.packages.operators.coreos.com "$PACKAGE" -n openshift-marketplace \
    -o 'jsonpath={.status.channels[*].name}' 2>/dev/null) || true
  if [ -z "$offered" ]; then
    problem "no catalog offers the package $PACKAGE (oc get packagemanifest $PACKAGE -n openshift-marketplace)" \
      "enable the $source catalog (oc get catalogsource -n openshift-marketplace), or mirror it on a disconnected cluster"
    return
  fi
  case " $offered " in
    *" $channel "*) ;;
    *) problem "the pinned channel $channel is not offered; the cluster offers: $offered" \
      "set spec.channel in $OPERATOR_DIR/subscription.yaml to one of those, commit and push" ;;
  esac
  [ "$(oc get packagemanifests.packages.operators.coreos.com "$PACKAGE" -n openshift-marketplace \
    -o 'jsonpath={.status.catalogSource}')" = "$source" ] ||
    problem "$PACKAGE does not come from the catalog $source here" \
      "set spec.source in $OPERATOR_DIR/subscription.yaml to the catalog the package manifest names"
  groups=$(operator_groups | grep -c . || true)
  [ "$groups" -le 1 ] ||
    problem "$OPERATOR_NS has $groups OperatorGroups; OLM installs nothing there (TooManyOperatorGroups)" \
      "keep one: oc get operatorgroups -n $OPERATOR_NS; oc delete operatorgroup <extra> -n $OPERATOR_NS"
}

# The phase of the CSV the Subscription NAME in NS installed; empty until OLM
# has installed one.
subscription_csv_phase() {
  local csv
  csv=$(oc get subscriptions.operators.coreos.com "$2" -n "$1" -o 'jsonpath={.status.installedCSV}')
  [ -z "$csv" ] || oc get clusterserviceversions.operators.coreos.com "$csv" -n "$1" -o 'jsonpath={.status.phase}'
}

csv_phase() {
  oc get clusterserviceversions.operators.coreos.com "$2" -n "$1" -o 'jsonpath={.status.phase}'
}

apply_operator_file() {
  apply <"$WORK/$OPERATOR_DIR/$1"
}

# Reuse what find_gitops_operator found, or subscribe; then wait until the CSV
# has Succeeded (its CRDs are then served). An existing Subscription is never
# applied to (that would switch its channel), and a namespace that already has
# an OperatorGroup gets no second one.
install_gitops_operator() {
  local ns name rest
  if [ -n "$FOUND_SUBSCRIPTION" ]; then
    read -r ns name rest <<EOF
$FOUND_SUBSCRIPTION
EOF
    say "1/6 OpenShift GitOps operator: reusing Subscription $name in $ns"
    wait_for "operator (CSV phase)" Succeeded 900 subscription_csv_phase "$ns" "$name"
    return
  fi
  if [ -n "$FOUND_CSV" ]; then
    read -r ns name <<EOF
$FOUND_CSV
EOF
    say "1/6 OpenShift GitOps operator: reusing $name in $ns (no Subscription: OLM will not update it)"
    wait_for "operator (CSV phase)" Succeeded 900 csv_phase "$ns" "$name"
    return
  fi
  say "1/6 OpenShift GitOps operator (Namespace, OperatorGroup, Subscription)"
  apply_operator_file namespace.yaml
  name=""
  $DRY_RUN || name=$(operator_groups | head -n 1)
  if [ -n "$name" ]; then
    say "OperatorGroup $name exists in $OPERATOR_NS: kept, none added"
  else
    apply_operator_file operatorgroup.yaml
  fi
  apply_operator_file subscription.yaml
  $DRY_RUN || wait_for "operator (CSV phase)" Succeeded 900 \
    subscription_csv_phase "$OPERATOR_NS" "$(subscription_value name)"
}

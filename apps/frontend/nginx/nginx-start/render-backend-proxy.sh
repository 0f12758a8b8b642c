# Sourced by the nginx image's run script just before nginx starts. nginx
# does not read environment variables, so the backend address from
# BACKEND_URL and the DNS server of the pod are written into the API
# locations here. The target directory (NGINX_DEFAULT_CONF_PATH) is
# group-writable in the image, so this works under the arbitrary UID (group 0)
# that OpenShift assigns.

backend_url="${BACKEND_URL:-}"
backend_url="${backend_url%/}"
# A path would make nginx rewrite the request URI: only scheme, host, port.
if [[ ! "${backend_url}" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$ ]]; then
    echo "BACKEND_URL must be like http://host:port, got '${backend_url}'" >&2
    exit 1
fi
# The pod's DNS servers, as the kubelet wrote them (BACKEND_RESOLVER overrides).
backend_resolver="${BACKEND_RESOLVER:-}"
if [[ -z "${backend_resolver}" ]]; then
    while read -r key value _; do
        if [[ "${key}" == nameserver && -n "${value}" ]]; then
            # nginx wants IPv6 addresses in brackets.
            [[ "${value}" == *:* ]] && value="[${value}]"
            backend_resolver="${backend_resolver:+${backend_resolver} }${value}"
        fi
    done < "${RESOLV_CONF:-/etc/resolv.conf}"
fi
if [[ -z "${backend_resolver}" ]]; then
    echo "no nameserver in ${RESOLV_CONF:-/etc/resolv.conf}: set BACKEND_RESOLVER" >&2
    exit 1
fi
backend_template="$(< "$(dirname "${BASH_SOURCE[0]}")/backend-proxy.conf.template")"
backend_template="${backend_template//'${RESOLVER}'/${backend_resolver}}"
printf '%s\n' "${backend_template//'${BACKEND_URL}'/${backend_url}}" \
    > "${NGINX_DEFAULT_CONF_PATH}/backend-proxy.conf"
echo "---> API paths proxied to ${backend_url}, names resolved by ${backend_resolver}"
unset backend_url backend_resolver backend_template key value

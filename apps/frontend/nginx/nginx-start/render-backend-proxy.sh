# Sourced by the nginx image's run script just before nginx starts. nginx
# does not read environment variables, so the settings below are written into
# the application's listen directive and API locations here: BACKEND_URL, the
# DNS server of the pod, and CHAT_AUTH (oauth-proxy | none, default none) with
# CHAT_PROXY_SECRET. The target directory (NGINX_DEFAULT_CONF_PATH) is
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
chat_auth="${CHAT_AUTH:-none}"
case "${chat_auth}" in
    oauth-proxy)
        # Written into the configuration, so only characters that need no
        # quoting there; never printed.
        if [[ ! "${CHAT_PROXY_SECRET:-}" =~ ^[A-Za-z0-9_-]{32,128}$ ]]; then
            echo "CHAT_AUTH=oauth-proxy needs CHAT_PROXY_SECRET:" \
                "32 to 128 characters of A-Z a-z 0-9 _ -" >&2
            exit 1
        fi
        chat_listen=127.0.0.1:8080
        chat_user='$http_x_forwarded_user'
        chat_proxy_secret="${CHAT_PROXY_SECRET}"
        admin_access_token='$http_x_forwarded_access_token'
        ;;
    none)
        chat_listen=8080
        chat_user='""'
        chat_proxy_secret=""
        admin_access_token='""'
        ;;
    *)
        echo "CHAT_AUTH must be oauth-proxy or none, got '${chat_auth}'" >&2
        exit 1
        ;;
esac
backend_template="$(< "$(dirname "${BASH_SOURCE[0]}")/backend-proxy.conf.template")"
backend_template="${backend_template//'${LISTEN}'/${chat_listen}}"
backend_template="${backend_template//'${RESOLVER}'/${backend_resolver}}"
backend_template="${backend_template//'${BACKEND_URL}'/${backend_url}}"
backend_template="${backend_template//'${CHAT_AUTH}'/${chat_auth}}"
backend_template="${backend_template//'${CHAT_USER}'/${chat_user}}"
backend_template="${backend_template//'${ADMIN_ACCESS_TOKEN}'/${admin_access_token}}"
backend_template="${backend_template//'${CHAT_PROXY_SECRET}'/${chat_proxy_secret}}"
# The file holds the proxy secret: readable by nginx's own user only.
(
    umask 077
    printf '%s\n' "${backend_template}" > "${NGINX_DEFAULT_CONF_PATH}/backend-proxy.conf"
)
echo "---> API paths proxied to ${backend_url}, names resolved by ${backend_resolver}," \
    "listening on ${chat_listen}, CHAT_AUTH=${chat_auth}"
unset backend_url backend_resolver backend_template key value chat_auth chat_listen \
    chat_user chat_proxy_secret admin_access_token

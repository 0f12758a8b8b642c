# Sourced by the nginx image's run script just before nginx starts. nginx
# does not read environment variables, so the backend address from
# BACKEND_URL is written into the API locations here. The target directory
# (NGINX_DEFAULT_CONF_PATH) is group-writable in the image, so this works
# under the arbitrary UID (group 0) that OpenShift assigns.

backend_url="${BACKEND_URL:-http://backend-service:8000}"
backend_url="${backend_url%/}"
# A path would make nginx rewrite the request URI: only scheme, host, port.
if [[ ! "${backend_url}" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$ ]]; then
    echo "BACKEND_URL must be like http://host:port, got '${backend_url}'" >&2
    exit 1
fi
backend_template="$(< "$(dirname "${BASH_SOURCE[0]}")/backend-proxy.conf.template")"
printf '%s\n' "${backend_template//'${BACKEND_URL}'/${backend_url}}" \
    > "${NGINX_DEFAULT_CONF_PATH}/backend-proxy.conf"
echo "---> API paths proxied to ${backend_url}"
unset backend_url backend_template

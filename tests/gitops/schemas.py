"""Validate objects: core kinds with kubernetes-validate (strict), the OpenShift,
Argo CD and OLM kinds with the JSON schemas in schemas/ (strict as well)."""

import functools
import json
from pathlib import Path

import jsonschema
import kubernetes_validate

from tests.gitops.rules_versions import OLDEST, SAMPLES

# The Kubernetes of the oldest OpenShift we support: an API version, kind or
# field that it lacks fails here.
KUBERNETES_VERSION = SAMPLES["versions"][OLDEST]["kubernetes"]
SCHEMAS = Path(__file__).parent / "schemas"


@functools.cache
def _validator(group, kind, version):
    path = SCHEMAS / group / f"{kind.lower()}_{version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    return jsonschema.Draft7Validator(schema)


def problems(obj):
    """Schema violations of one object, as readable lines."""
    name = f"{obj.get('kind')} {obj.get('metadata', {}).get('name')}"
    group, _, version = obj["apiVersion"].rpartition("/")
    if (SCHEMAS / group).is_dir() and group:
        validator = _validator(group, obj["kind"], version)
        if validator is None:
            return [f"{name}: no schema for {obj['apiVersion']} {obj['kind']}"]
        return [
            f"{name}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(obj)
        ]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{name}: {'/'.join(map(str, error.path))}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"{name}: {error.message}"]
    return []

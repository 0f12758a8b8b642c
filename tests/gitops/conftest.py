import copy

import pytest

from tests.gitops import manifests


@pytest.fixture(params=["cluster", "sandbox"])
def deployed(request):
    """What one overlay of every part deploys; a copy each test may break."""
    return copy.deepcopy(manifests.topology(request.param))


@pytest.fixture
def cluster():
    return copy.deepcopy(manifests.topology("cluster"))


@pytest.fixture
def apps():
    return copy.deepcopy(manifests.child_applications())


@pytest.fixture
def templates():
    return manifests.templates()


@pytest.fixture
def no_oc_path(tmp_path):
    return manifests.bootstrap_path_without_oc(tmp_path)


@pytest.fixture(scope="session")
def dry_runs(tmp_path_factory):
    """Both bootstrap scripts' --dry-run output, rendered once, without oc."""
    path = manifests.bootstrap_path_without_oc(tmp_path_factory.mktemp("no-oc"))
    return {
        script: manifests.run_bootstrap(script, "--dry-run", path=path)
        for script in ("install.sh", "sandbox.sh")
    }

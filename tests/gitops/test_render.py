import pytest

from tests.gitops.manifests import KUBECTL, kustomization_dirs, kustomize, named
from tests.gitops.rules_argocd import application_sources_render


def test_kustomize_comes_from_the_pinned_wheel():
    assert KUBECTL.is_file()


@pytest.mark.parametrize("path", kustomization_dirs())
def test_every_kustomization_renders(path):
    assert kustomize(path) != []


def test_every_application_source_exists_and_renders(apps):
    assert application_sources_render(apps + kustomize("gitops/apps/root")) == []


def test_an_application_source_that_is_missing_or_does_not_render_is_rejected(apps):
    named(apps, "Application", "llm-chat-builds")["spec"]["source"]["path"] = (
        "gitops/build"
    )
    named(apps, "Application", "llm-chat-backend")["spec"]["source"]["path"] = (
        "gitops/components"
    )
    assert application_sources_render(apps) == [
        "llm-chat-backend: gitops/components does not render",
        "llm-chat-builds: path gitops/build does not exist",
    ]

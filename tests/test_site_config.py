import subprocess

import pytest
import yaml
from jupyter_book.config import validate_yaml

from helpers.site_config import ROOT, public_url, repository_url, site_config


@pytest.mark.parametrize("given, expected", [
    ("https://github.com/owner/book", "https://github.com/owner/book"),
    ("https://github.com/owner/book.git", "https://github.com/owner/book"),
    ("git@github.com:owner/book.git\n", "https://github.com/owner/book"),
    ("https://gitlab.com/owner/my.book/", "https://gitlab.com/owner/my.book"),
    ("/srv/git/book", None),
    ("file:///srv/git/book", None),
    ("https://example.com/owner/book", None),
])
def test_public_url(given, expected):
    assert public_url(given) == expected


def git_repo(tmp_path, origin=None):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    if origin:
        subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", origin], check=True)
    return tmp_path


def test_repository_url_from_the_origin_remote(tmp_path, monkeypatch):
    monkeypatch.delenv("BOOK_REPOSITORY_URL", raising=False)
    assert repository_url(git_repo(tmp_path, "git@github.com:owner/book.git")) == "https://github.com/owner/book"


def test_no_repository_url_for_a_local_clone(tmp_path, monkeypatch):
    monkeypatch.delenv("BOOK_REPOSITORY_URL", raising=False)
    assert repository_url(git_repo(tmp_path / "a")) is None
    assert repository_url(git_repo(tmp_path / "b", "/srv/git/book")) is None


def test_the_environment_overrides_the_remote_and_is_checked(tmp_path, monkeypatch):
    repo = git_repo(tmp_path, "https://github.com/owner/book")
    monkeypatch.setenv("BOOK_REPOSITORY_URL", "https://gitlab.com/other/book")
    assert repository_url(repo) == "https://gitlab.com/other/book"
    monkeypatch.setenv("BOOK_REPOSITORY_URL", "www.github.com/other")
    with pytest.raises(ValueError, match="BOOK_REPOSITORY_URL"):
        repository_url(repo)


def book_config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def test_without_a_repository_the_config_is_unchanged():
    assert site_config(book_config(), None) == book_config()


def test_launch_buttons_and_repository_link_pass_jupyter_books_schema():
    github = site_config(book_config(), "https://github.com/owner/book")
    assert github["repository"]["url"] == "https://github.com/owner/book"
    assert github["html"]["use_repository_button"] and github["html"]["home_page_in_navbar"]
    assert github["launch_buttons"] == {"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org"}
    validate_yaml(github, raise_on_errors=True)


def test_binder_can_build_the_repository_and_import_helpers():
    version = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")  # Binder's Python
    assert f'requires-python = ">={version}"' in (ROOT / "pyproject.toml").read_text()
    assert f"Python {version}" in (ROOT / "README.md").read_text()
    assert "pip install --no-deps -e ." in (ROOT / "postBuild").read_text()

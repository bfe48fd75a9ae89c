import pytest

from helpers import cache


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    """A private results folder, so tests never touch the committed results."""
    monkeypatch.setattr(cache, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.delenv("BOOK_CACHE", raising=False)
    return tmp_path / "results"


@pytest.fixture(autouse=True)
def no_progress(monkeypatch):
    monkeypatch.setenv("BOOK_PROGRESS", "0")


@pytest.fixture(autouse=True)
def fresh_session():
    """Each test starts without the smoke results an earlier test kept in this process."""
    cache.SESSION.clear()

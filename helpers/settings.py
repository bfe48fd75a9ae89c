"""Every setting the helpers take from the environment, read here and nowhere else, and the
repository's folders.

| variable | meaning | default |
| --- | --- | --- |
| ``BOOK_PROFILE`` | the profile (`helpers.profiles`): smoke, cpu, gpu, paper (and variants, e.g. cpu-2threads) | cpu |
| ``BOOK_CACHE`` | how results are found (`helpers.cache`): use, require, plan or refresh | use |
| ``BOOK_PROGRESS`` | ``0`` hides progress bars | shown |
| ``BOOK_WORKERS`` | runs at once in a grid; ``1``: in this process, without Ray | one per core |
| ``BOOK_THREADS`` | intra-op threads of each run (unless its profile pins them) and of every process | 1 |
| ``BOOK_RUNS_PER_GPU`` | runs sharing one GPU | 4 |
| ``BOOK_DATA`` | where datasets are looked for first | ``data/`` |
| ``BOOK_LEDGER`` | a file that records every lookup of a result (`helpers.ledger`) | none |
| ``BOOK_REPOSITORY_URL`` | the public repository, for the site's buttons | the ``origin`` remote |
"""
import contextlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK_DIR = ROOT / "book"
RESULTS_DIR = BOOK_DIR / "results"
DATA_DIR = ROOT / "data"
CACHE_MODES = ("use", "require", "plan", "refresh")


@contextlib.contextmanager
def environment(**variables):
    """Run the block with these environment variables set, then restore them."""
    old = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def profile_name():
    return os.environ.get("BOOK_PROFILE", "cpu")


def cache_mode():
    mode = os.environ.get("BOOK_CACHE", "use")
    if mode not in CACHE_MODES:
        raise ValueError(f"BOOK_CACHE must be one of {CACHE_MODES}, got {mode!r}")
    return mode


def progress_enabled():
    """Progress bars are shown unless BOOK_PROGRESS=0 (the book build and the tests set it)."""
    return os.environ.get("BOOK_PROGRESS", "1") != "0"


def positive_int(var, default, meaning=""):
    """The environment variable `var` as a positive integer (`default` when unset)."""
    value = os.environ.get(var)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{var} must be a positive integer{meaning}, got {value!r}")
    return int(value)


def threads_per_run():
    return positive_int("BOOK_THREADS", 1)


def workers():
    """BOOK_WORKERS, or None (unset: as many as the machine or cluster allows)."""
    return positive_int("BOOK_WORKERS", None, " (1: no Ray)")


def runs_per_gpu():
    return positive_int("BOOK_RUNS_PER_GPU", 4)


def data_override():
    """BOOK_DATA as a folder, or None."""
    given = os.environ.get("BOOK_DATA")
    return Path(given) if given else None


def ledger_path():
    return os.environ.get("BOOK_LEDGER") or None


def repository_url_given():
    return os.environ.get("BOOK_REPOSITORY_URL", "").strip()

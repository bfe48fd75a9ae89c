"""Experiment results as JSON files under ``book/results/<profile>/``, written atomically.

``BOOK_CACHE`` says how a result is found: ``use`` (default: load it if present, else compute and
save it), ``require`` (a missing result is an error: nothing trains) or ``refresh`` (compute
again and overwrite). The ``smoke`` profile never reads or writes results.
"""
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent.parent / "book" / "results"
CACHE_MODES = ("use", "require", "refresh")


class MissingResult(RuntimeError):
    """BOOK_CACHE=require and a result is not in the cache."""


def cache_mode():
    mode = os.environ.get("BOOK_CACHE", "use")
    if mode not in CACHE_MODES:
        raise ValueError(f"BOOK_CACHE must be one of {CACHE_MODES}, got {mode!r}")
    return mode


def spec_key(spec):
    """A short stable hash of a JSON-able spec (sorted keys, so field order does not matter)."""
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def result_path(profile, name, spec):
    return RESULTS_DIR / profile / f"{name}-{spec_key(spec)}.json"


def load_named(profile, name):
    """Every cached result saved under `name` in `profile` (any configuration), oldest first."""
    paths = sorted((RESULTS_DIR / profile).glob(f"{name}-*.json"), key=lambda p: p.stat().st_mtime)
    return [load_json(p) for p in paths if re.fullmatch(re.escape(name) + r"-[0-9a-f]{12}\.json", p.name)]


def save_json(path, data):
    """Write JSON so that readers see either the old file or the whole new one, never a half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_json(path):
    with open(path) as f:
        return json.load(f)


def cached(profile, name, spec, compute):
    """The result for `spec`: from the cache when allowed, else `compute()` (and saved). A fresh
    result goes through JSON too, so it is exactly what a later cache hit returns."""
    if profile == "smoke":
        return json.loads(json.dumps(compute()))
    path, mode = result_path(profile, name, spec), cache_mode()
    if mode != "refresh" and path.exists():
        return load_json(path)
    if mode == "require":
        raise MissingResult(f"{path.relative_to(RESULTS_DIR.parent.parent)} is not in the cache "
                            f"(BOOK_CACHE=require). Run `make reproduce` to recompute the "
                            f"{profile} results, or unset BOOK_CACHE to train just the missing ones.")
    result = json.loads(json.dumps(compute()))
    save_json(path, result)
    return result

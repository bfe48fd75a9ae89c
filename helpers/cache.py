"""Experiment results as JSON files under ``book/results/<profile>/``, written atomically.

A result is saved as ``<name>-<key>.json.gz``, where the key hashes its *spec* (the configuration,
the options of the computation and the engine version), and the spec is stored in the result.
Gzipped, the results take a third of the room (the repository travels whole to GPU machines:
`helpers.gpu_check`).
``BOOK_CACHE`` says how a result is found: ``use`` (default: load it if present, else compute and
save it), ``require`` (a missing result is an error: nothing trains), ``plan`` (like require, but
a grid first notes all its missing results in the ledger: see `helpers.plan`) or ``refresh``
(compute again and overwrite). A profile whose ``cache`` is off (``smoke``) never reads or writes
result files; it keeps each result for the life of the process instead, so that a chapter and its
claims, asking for the same runs, train them once (``refresh`` trains them again).
"""
import gzip
import hashlib
import json
import os
import tempfile
from pathlib import Path

from . import settings
from .profiles import get_profile

RESULTS_DIR = settings.RESULTS_DIR
SUFFIX = ".json.gz"


SESSION = {}  # results of the profiles that keep no files, by result_file, for this process


class MissingResult(RuntimeError):
    """BOOK_CACHE=require and a result is not in the cache."""


def spec_key(spec):
    """A short stable hash of a JSON-able spec (sorted keys, so field order does not matter)."""
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def result_file(profile, name, spec):
    """Where a result is saved, relative to `RESULTS_DIR`."""
    return f"{profile}/{name}-{spec_key(spec)}{SUFFIX}"


def result_path(profile, name, spec):
    return RESULTS_DIR / result_file(profile, name, spec)


def save_json(path, data):
    """Write JSON (gzipped, without a timestamp, when `path` ends in .gz) so that readers see
    either the old file or the whole new one, never a half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, sort_keys=True).encode()
    if path.suffix == ".gz":
        text = gzip.compress(text, mtime=0)  # the same bytes for the same result
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_json(path):
    with (gzip.open if Path(path).suffix == ".gz" else open)(path, "rb") as f:
        return json.load(f)


def as_json(result):
    """`result` as a later cache hit returns it (tuples become lists, and so on)."""
    return json.loads(json.dumps(result))


def lookup(profile, name, spec):
    """The cached result for `spec`, or None when it must be computed (or, with BOOK_CACHE=plan,
    noted as missing). Raises `MissingResult` when it is missing and BOOK_CACHE=require."""
    mode = settings.cache_mode()
    if not get_profile(profile).cache:
        return None if mode == "refresh" else SESSION.get(result_file(profile, name, spec))
    path = result_path(profile, name, spec)
    if mode != "refresh" and path.exists():
        return load_json(path)
    if mode == "require":
        raise MissingResult(f"{path.relative_to(RESULTS_DIR.parent.parent)} is not in the cache "
                            f"(BOOK_CACHE=require). Run `make reproduce` to recompute the "
                            f"{profile} results, or unset BOOK_CACHE to train just the missing ones.")
    return None


def only_cached():
    """A context in which a missing result raises `MissingResult` whatever ``BOOK_CACHE`` says:
    nothing trains (a profile that keeps no files still computes what its session lacks), and no
    ledger notes what it looks up (`make plan` plans the chapter's own profile only)."""
    return settings.environment(BOOK_CACHE="require", BOOK_LEDGER="")  # and no plan notes its lookups


def store(profile, name, spec, result):
    """Save a freshly computed result (with its spec) where `lookup` finds it; returns it as JSON."""
    result = as_json({**result, "spec": spec})
    if get_profile(profile).cache:
        save_json(result_path(profile, name, spec), result)
    else:
        SESSION[result_file(profile, name, spec)] = result
    return result

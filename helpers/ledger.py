"""A record of the results the code asks for, so that `helpers.plan` can say what is missing.

When ``BOOK_LEDGER`` names a file, every lookup of a cached result (`helpers.grid.run_jobs`)
appends one JSON line to it: the result's file, whether it was found, and what it takes to compute
it again without the notebook that asked (its function, configuration, options and suffix).
Unset, nothing is written.
"""
import json
from dataclasses import asdict

from .cache import result_file
from .settings import ledger_path


def _append(entries):
    path = ledger_path()
    if path:
        with open(path, "a") as f:
            f.writelines(json.dumps(e, sort_keys=True) + "\n" for e in entries)


def note_jobs(jobs, results):
    """Record each job of a grid and whether its result was in the cache."""
    _append({"file": result_file(job.profile, job.name, job.spec), "found": result is not None,
             "job": {"compute": f"{job.compute.__module__}:{job.compute.__qualname__}",
                     "config": asdict(job.config), "options": job.options, "suffix": job.suffix}}
            for job, result in zip(jobs, results))


def read_ledger(path):
    """The entries of a ledger file, in order."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]

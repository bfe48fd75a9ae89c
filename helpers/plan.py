"""`python -m helpers.plan [chapter ...]`: the results the chapters need, how many are cached,
and the minutes the missing ones will take on this machine, before anything trains.

Each chapter is executed from a copy (the notebook is not touched) with ``BOOK_CACHE=plan`` and a
ledger (`helpers.ledger`): every grid notes its results, and the first grid with a missing
result stops the chapter, since what follows may depend on it (a peak LR read off range tests,
say); the claims of `helpers.claims` are read the same way. The minutes come from the wall times
that provenance recorded for cached results of the same kind on this CPU at this thread count
(other CPUs' when there are none), as core-seconds per training image, spread over the cores a
grid keeps busy here (see `helpers.grid`).

``--compute`` trains what the plan lists (in parallel, saving each result as it arrives, so an
interrupted run loses only the runs in flight) without executing notebooks, and plans again
until nothing is missing. ``--prune`` deletes stale results: files in ``book/results/<profile>/``
that nothing asks for, known only once every chapter runs to its end.
"""
import argparse
import contextlib
import importlib
import os
import re
import statistics
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from . import cache
from .ledger import read_ledger
from .profiles import get_profile
from .reproduce import chapter_notebooks
from .settings import environment, threads_per_run, workers
from .provenance import cpu_model


@dataclass
class Trace:
    """What one chapter (or the claims) asked of the cache: ledger entries, and why it stopped
    early, if it did (`stopped` is None when it ran to its end)."""
    name: str
    entries: list = field(default_factory=list)
    stopped: str = None

    @property
    def jobs(self):
        """The jobs asked for, one entry per result file."""
        return list({e["file"]: e for e in self.entries}.values())

    @property
    def files(self):
        return {e["file"] for e in self.entries}

    @property
    def missing(self):
        """The missing jobs, one entry per result file."""
        return [e for e in self.jobs if not e["found"]]


@contextlib.contextmanager
def planning(profile):
    """Run the block with BOOK_CACHE=plan and a fresh ledger; yields the ledger's path."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Path(tmp) / "ledger.jsonl"
        ledger.touch()
        with environment(BOOK_PROFILE=profile, BOOK_CACHE="plan", BOOK_LEDGER=str(ledger),
                         BOOK_PROGRESS="0", BOOK_WORKERS="1"):
            yield ledger


def trace_chapter(path, profile, timeout=1200):
    """Execute a copy of the notebook `path` in plan mode and return its `Trace`."""
    nb = nbformat.read(path, as_version=4)
    trace = Trace(path.stem)
    with planning(profile) as ledger:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        with client.setup_kernel():
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, i)
                except CellExecutionError as e:
                    trace.stopped = f"cell {i}: {e.ename}: {e.evalue}"
                    break
        trace.entries = read_ledger(ledger)
    return trace


def trace_claims(profile, names=()):
    """A `Trace` per claim of `helpers.claims` (of the chapters named, or all): the results each
    compares."""
    from .claims import CLAIMS
    traces = []
    for claim in CLAIMS:
        if names and claim.chapter not in names:
            continue
        trace = Trace(f"{claim.chapter}: {claim.statement}")
        with planning(profile) as ledger:
            try:
                claim.decide(profile=profile)
            except cache.MissingResult as e:
                trace.stopped = f"{type(e).__name__}: {e}"
            trace.entries = read_ledger(ledger)
        traces.append(trace)
    return traces


def images(spec):
    """The training images a job passes through: epochs x images, or a range test's iterations
    x batch size."""
    config = spec["config"]
    if "finder" in spec:
        return spec["finder"]["num_it"] * config["batch_size"]
    n = config["n_train"]
    if not n:
        from .data import dataset_info
        n = dataset_info(config["dataset"]).n_train
    return n * config["epochs"]


def kind(spec):
    return "range test" if "finder" in spec else "interpolation" if "pairs" in spec else "training"


def this_machine():
    return cpu_model(), threads_per_run()


def threads_of(provenance):
    """The intra-op threads a result was computed with (older results name them in `device`)."""
    threads = provenance.get("machine", {}).get("threads")
    found = re.search(r"(\d+) threads", provenance.get("device", ""))
    return threads or (int(found.group(1)) if found else 1)


def core_seconds_per_image(profile):
    """{kind: median core-seconds per training image (wall time x threads)} of the cached
    results computed on this CPU at this thread count (or, where none were, on any CPU), and
    whether they were this CPU's."""
    here, anywhere = defaultdict(list), defaultdict(list)
    for path in (cache.RESULTS_DIR / profile).glob(f"*{cache.SUFFIX}"):
        result = cache.load_json(path)
        prov, spec = result.get("provenance"), result.get("spec")
        if not prov or not spec or "config" not in spec or prov.get("machine", {}).get("gpu"):
            continue
        rate = prov["wall_time_s"] * threads_of(prov) / images(spec)
        anywhere[kind(spec)].append(rate)
        machine = prov.get("machine", {})
        if (machine.get("cpu"), machine.get("threads")) == this_machine():
            here[kind(spec)].append(rate)
    rates = here if here else anywhere
    return {k: statistics.median(v) for k, v in rates.items()}, bool(here)


def cores():
    """The cores a grid keeps busy here: runs at once x threads per run."""
    threads = threads_per_run()
    return (workers() or max(1, (os.cpu_count() or 1) // threads)) * threads


def entry_spec(entry):
    """The spec of the job a ledger entry describes (its config and options), for `images`."""
    return {"config": entry["job"]["config"], **entry["job"]["options"]}


def minutes(entries, rates):
    """Minutes to compute the jobs of `entries` at `rates` (core-seconds per image) on `cores()`."""
    fallback = max(rates.values(), default=0.0)
    seconds = 0.0
    for e in entries:
        spec = entry_spec(e)
        seconds += images(spec) * rates.get(kind(spec), fallback)
    return seconds / cores() / 60


def stale_files(profile, traces):
    """Result files of `profile` that no trace asks for (None unless every trace ran to its end)."""
    if any(t.stopped for t in traces):
        return None
    used = set().union(*(t.files for t in traces))
    return sorted(f"{profile}/{p.name}" for p in (cache.RESULTS_DIR / profile).glob(f"*{cache.SUFFIX}")
                  if f"{profile}/{p.name}" not in used)


def plan(profile, names=()):
    """The traces of the chapters named (or all) and of their claims, and the stale files."""
    chapters = [trace_chapter(p, profile) for p in chapter_notebooks(names)]
    claim_traces = trace_claims(profile, names)
    stale = stale_files(profile, chapters + claim_traces) if not names else None
    return chapters, claim_traces, stale


def report(profile, chapters, claim_traces, stale):
    """The plan as text: per chapter and per claim, the results cached and missing, the minutes
    the missing ones take, and the minutes all of them would take from scratch."""
    rates, measured_here = core_seconds_per_image(profile)
    machine = "this CPU ({}, {} threads per run)".format(*this_machine()) if measured_here else "other CPUs"
    lines = [f"Plan for the {profile} profile (minutes at the speed of results computed on {machine}, "
             f"on {cores()} cores)"]
    for title, traces in (("chapter", chapters), ("claim", claim_traces)):
        lines += ["", f"{title:60s} cached missing minutes from scratch"]
        for t in traces:
            status = f"  stopped at {t.stopped[:100]}" if t.stopped else ""
            lines.append(f"{t.name[:60]:60s} {len(t.files) - len(t.missing):6d} {len(t.missing):7d} "
                         f"{minutes(t.missing, rates):7.1f} {minutes(t.jobs, rates):12.1f}{status}")
    book = Trace("book", [e for t in chapters for e in t.entries])  # a run that chapters share counts once
    lines += ["", f"total: {minutes(book.missing, rates):.1f} min for the missing results the chapters asked for "
                  f"({minutes(book.jobs, rates):.1f} min for all of them from scratch)"]
    if any(t.stopped for t in chapters):
        lines.append("(a chapter that stopped asks for more once its missing results are computed)")
    if stale is None:
        lines.append("stale results: known once every chapter and claim is planned to its end")
    else:
        lines.append(f"stale results: {len(stale)}" + "".join(f"\n  {f}" for f in stale))
    return "\n".join(lines)


def job_of(entry):
    """The `helpers.runs.Job` a ledger entry describes."""
    from .config import Config
    from .runs import Job
    module, name = entry["job"]["compute"].split(":")
    config = {k: tuple(v) if isinstance(v, list) else v for k, v in entry["job"]["config"].items()}
    return Job(Config(**config), getattr(importlib.import_module(module), name), entry["job"]["options"],
               entry["job"]["suffix"])


def compute(profile, names=()):
    """Train what the chapters' plans list, and plan again, until nothing is missing or a chapter
    stops on something else than a missing result."""
    from .grid import run_jobs
    while True:
        chapters = [trace_chapter(p, profile) for p in chapter_notebooks(names)]
        missing = Trace("book", [e for t in chapters for e in t.entries]).missing
        if not missing:
            return chapters
        print(f"computing {len(missing)} missing results "
              f"({minutes(missing, core_seconds_per_image(profile)[0]):.0f} min estimated)", flush=True)
        with environment(BOOK_PROFILE=profile, BOOK_CACHE="use"):
            run_jobs([job_of(e) for e in missing])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter)")
    parser.add_argument("--compute", action="store_true", help="train the missing results")
    parser.add_argument("--prune", action="store_true", help="delete stale results")
    args = parser.parse_args(argv)
    profile = get_profile().name
    if not get_profile(profile).cache:
        raise SystemExit(f"the {profile} profile keeps no results: nothing to plan")
    if args.compute:
        compute(profile, args.chapters)
    chapters, claim_traces, stale = plan(profile, args.chapters)
    print(report(profile, chapters, claim_traces, stale))
    if args.prune:
        if stale is None:
            raise SystemExit("not pruning: stale results are known only when every chapter is planned to its end")
        for f in stale:
            (cache.RESULTS_DIR / f).unlink()
        print(f"deleted {len(stale)} stale results")


if __name__ == "__main__":
    main()

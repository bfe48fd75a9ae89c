"""Independent computations in parallel, on Ray: `run_jobs(jobs)` returns their results in order.

The driver looks every job up in the cache first and dispatches only the missing ones; each
result comes back to the driver and is saved (atomically) as it arrives, so an interrupted grid
keeps every finished run, and no file system is shared with the workers.

Where the jobs run:
- ``BOOK_WORKERS=1``: in this process, one after another, without Ray.
- otherwise Ray: ``RAY_ADDRESS`` joins an existing cluster (every node needs this project
  installed, with its dataset); without it a local cluster starts on first use, sized to the
  machine: on a CPU one run per core (``BOOK_WORKERS`` runs if set), on GPUs
  ``BOOK_RUNS_PER_GPU`` runs share each GPU (fractional ``num_gpus``; default 4).
- where Ray is not installed (a lent GPU machine, to which its wheel is too large to carry), a
  pool of as many local processes as that local cluster would run.
- Each run uses ``BOOK_THREADS`` intra-op threads (default 1) wherever it runs, so a result does
  not depend on how it was run: the same config on the same kind of machine gives the same bits
  serially and in a grid. Provenance records the thread count.

A job that raises, or whose worker dies, is tried once more; if it fails again the other
results are kept and a `GridError` names its configuration. Ctrl-C cancels the outstanding jobs.
"""
import atexit
import contextlib
import importlib.util
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

import torch
from fastprogress.fastprogress import progress_bar

from .cache import MissingResult, lookup, store
from .ledger import note_jobs
from .profiles import get_profile
from .settings import cache_mode, progress_enabled, runs_per_gpu, threads_per_run, workers

ATTEMPTS = 2  # a failed job is tried once more


class GridError(RuntimeError):
    """Some jobs of a grid failed twice; the message names their configurations."""


def execute(job):
    """Compute one job, in this process or in a Ray worker (either of which imported `helpers`
    and so runs with BOOK_THREADS intra-op threads)."""
    return job()


def describe(job):
    return f"{job.name} ({job.config})"


def run_jobs(jobs):
    """The results of `jobs` (see `helpers.runs.Job`), in order: cached ones loaded, the others
    computed (in parallel when there are several and BOOK_WORKERS is not 1; one at a time with
    the threads their profile pins, if it does) and saved."""
    jobs = list(jobs)
    results = [lookup(job.profile, job.name, job.spec) for job in jobs]  # may raise MissingResult
    note_jobs(jobs, results)
    missing = [i for i, r in enumerate(results) if r is None]
    if not missing:
        return results
    if cache_mode() == "plan" and any(get_profile(jobs[i].profile).cache for i in missing):
        raise MissingResult(f"{len(missing)} of the {len(jobs)} results of this grid are not in the cache "
                            f"(BOOK_CACHE=plan: nothing trains; the ledger lists them)")
    bar = progress_bar(range(len(missing)), leave=False) if progress_enabled() and len(missing) > 1 else None
    if bar is not None:
        bar.comment = f"{len(missing)} runs"
        bar.update(0)
    failures = []

    def arrived(i, result, error):
        if error is not None:
            failures.append(f"{describe(jobs[i])}: {type(error).__name__}: {error}")
        else:
            results[i] = store(jobs[i].profile, jobs[i].name, jobs[i].spec, result)
        if bar is not None:
            bar.update(len(missing) - sum(r is None for r in results) + len(failures))

    pinned = {get_profile(jobs[i].profile).threads for i in missing} - {0}
    serial = workers() == 1 or len(missing) == 1 or pinned
    with intra_op_threads(max(pinned, default=0)):
        parallel = run_on_ray if ray_installed() else run_in_processes
        (run_serially if serial else parallel)([(i, jobs[i]) for i in missing], arrived)
    if failures:
        raise GridError(f"{len(failures)} of {len(jobs)} jobs failed {ATTEMPTS} times (the other "
                        "results are saved):\n" + "\n".join(failures))
    return results


@contextlib.contextmanager
def intra_op_threads(n):
    """Run the block with `n` intra-op threads (0: leave them as they are)."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_serially(indexed, arrived):
    for i, job in indexed:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                result = execute(job)
            except Exception as e:  # noqa: BLE001 (any error of a run is reported with its config)
                if attempt == ATTEMPTS:
                    arrived(i, None, e)
            else:
                arrived(i, result, None)
                break


def ray_installed():
    return importlib.util.find_spec("ray") is not None


def local_workers():
    """Runs at once on this machine: BOOK_WORKERS, else BOOK_RUNS_PER_GPU per GPU, else one per
    BOOK_THREADS threads of the CPU."""
    gpus = torch.cuda.device_count()
    return workers() or (gpus * runs_per_gpu() if gpus else max(1, (os.cpu_count() or 1) // threads_per_run()))


POOL = {}  # the pool of `run_in_processes` and what it was made for: kept between grids, as Ray keeps workers


def process_pool():
    """A pool of `local_workers` spawned processes for this process's BOOK_* settings (which its
    workers copy when they start): the last one while they are the same, else a new one."""
    key = (local_workers(), sorted((k, v) for k, v in os.environ.items() if k.startswith("BOOK_")))
    if POOL.get("key") != key:
        close_pool()
        POOL.update(key=key, pool=ProcessPoolExecutor(key[0], mp_context=multiprocessing.get_context("spawn")))
    return POOL["pool"]


@atexit.register
def close_pool(wait=True):
    """Shut the pool down, cancelling the jobs that have not started."""
    pool = POOL.pop("pool", None)
    POOL.pop("key", None)
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)


def run_in_processes(indexed, arrived):
    """The jobs in the `process_pool`, each tried up to `ATTEMPTS` times. A worker that dies
    breaks the pool: every job unfinished in it counts an attempt and goes to a new pool."""
    jobs, pool = dict(indexed), process_pool()
    pending = {pool.submit(execute, job): (i, 1, pool) for i, job in indexed}
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i, attempt, used = pending.pop(future)
                error = future.exception()
                if isinstance(error, BrokenProcessPool) and used is POOL.get("pool"):
                    close_pool(wait=False)
                if error is not None and attempt < ATTEMPTS:
                    pool = process_pool()
                    pending[pool.submit(execute, jobs[i])] = (i, attempt + 1, pool)
                else:
                    arrived(i, None if error else future.result(), error)
    except KeyboardInterrupt:
        close_pool(wait=False)
        print(f"interrupted: {len(pending)} jobs cancelled, finished ones are saved", file=sys.stderr)
        raise


def start_ray():
    """Join RAY_ADDRESS, or start a local cluster sized to this machine (once per process)."""
    # On a busy 2-core machine the local node can take longer to register than Ray's default
    # wait (ray-project/ray#47087: "The current node timed out during startup").
    os.environ.setdefault("RAY_raylet_start_wait_time_s", "120")
    import ray
    if ray.is_initialized():
        return ray
    env = {k: v for k, v in os.environ.items() if k.startswith("BOOK_")}
    options = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                   runtime_env={"env_vars": env})
    if not os.environ.get("RAY_ADDRESS"):
        options.update(num_cpus=local_workers() * threads_per_run(), num_gpus=torch.cuda.device_count(),
                       object_store_memory=256 * 2 ** 20)  # results are small
    ray.init(**options)
    return ray


def run_on_ray(indexed, arrived):
    ray = start_ray()
    gpus = ray.cluster_resources().get("GPU", 0)
    remote = ray.remote(execute).options(num_cpus=threads_per_run(), num_gpus=1 / runs_per_gpu() if gpus else 0,
                                         max_retries=0)
    attempts, pending = {}, {}
    for i, job in indexed:
        pending[remote.remote(job)] = i
        attempts[i] = 1
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            i = pending.pop(done[0])
            try:
                result = ray.get(done[0])
            except ray.exceptions.RayError as e:
                cause = getattr(e, "cause", None) or e
                if attempts[i] < ATTEMPTS:
                    attempts[i] += 1
                    pending[remote.remote(dict(indexed)[i])] = i
                else:
                    arrived(i, None, cause)
            else:
                arrived(i, result, None)
    except KeyboardInterrupt:
        for ref in pending:
            ray.cancel(ref, force=True)
        print(f"interrupted: {len(pending)} jobs cancelled, finished ones are saved", file=sys.stderr)
        raise

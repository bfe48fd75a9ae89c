"""The parallel grid: a local 2-worker Ray cluster, started and stopped here."""

import os

import pytest

from helpers import engine, grid, runs, settings
from helpers.cache import MissingResult, load_json
from helpers.config import make_config
from helpers.runs import Job, finder_result, range_tests, run_job, run_many, run_seeds

TINY = dict(n_train=256, n_valid=128, batch_size=64, epochs=1, depth=8)


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    os.environ["BOOK_WORKERS"] = "2"
    grid.start_ray()
    yield ray
    ray.shutdown()
    os.environ.pop("BOOK_WORKERS")


def configs(profile="smoke"):
    return [make_config(profile, **TINY, lr=lr, seed=s, name=f"g{lr}") for lr in (0.05, 0.2) for s in (0, 1)]


def serial(monkeypatch, fn, *args, **kw):
    """`fn` computed again (the smoke profile keeps its results for the process), in this process."""
    with monkeypatch.context() as m:
        m.setenv("BOOK_WORKERS", "1")
        m.setenv("BOOK_CACHE", "refresh")
        return fn(*args, **kw)


def strip(result):
    return {k: v for k, v in result.items() if k != "provenance"}  # times differ


def test_grid_results_equal_serial_ones_to_the_bit(ray_cluster, monkeypatch):
    parallel = run_many(configs())
    alone = serial(monkeypatch, run_many, configs())
    assert [strip(r) for r in parallel] == [strip(r) for r in alone]
    assert [r["config"]["lr"] for r in parallel] == [0.05, 0.05, 0.2, 0.2]  # in the order given
    assert {r["provenance"]["machine"]["threads"] for r in parallel + alone} == {1}
    finders = range_tests(configs()[:2], num_it=8, stop_div=False)
    assert [f["lr"] for f in finders] == [f["lr"] for f in serial(monkeypatch, range_tests, configs()[:2],
                                                                     num_it=8, stop_div=False)]


def test_without_ray_a_pool_of_processes_gives_the_same_bits(monkeypatch):
    monkeypatch.setattr(grid, "ray_installed", lambda: False)
    monkeypatch.setattr(grid, "run_on_ray", None)  # never called
    monkeypatch.setenv("BOOK_WORKERS", "2")
    dispatched = []
    real = grid.run_in_processes
    monkeypatch.setattr(grid, "run_in_processes", lambda jobs, *a: dispatched.append(len(jobs)) or real(jobs, *a))
    pooled = run_many(configs())
    assert dispatched == [4]
    assert [strip(r) for r in pooled] == [strip(r) for r in serial(monkeypatch, run_many, configs())]
    assert [r["config"]["lr"] for r in pooled] == [0.05, 0.05, 0.2, 0.2]


def dies(config):
    """A job whose process dies (as one killed for its memory would)."""
    os._exit(1)


def test_without_ray_jobs_whose_worker_dies_are_retried_in_a_new_pool_then_named(results_dir, monkeypatch):
    monkeypatch.setattr(grid, "ray_installed", lambda: False)
    monkeypatch.setenv("BOOK_WORKERS", "2")
    jobs = [Job(c, dies, suffix="-dies") for c in configs("cpu")[:2]]
    with pytest.raises(grid.GridError, match=r"(?s)2 of 2 jobs failed 2 times.*g0.05-dies.*BrokenProcessPool"):
        grid.run_jobs(jobs)
    assert not results_dir.exists()
    jobs = [run_job(c) for c in configs("cpu")[:2]]  # a new pool takes the next grid
    assert [r["config"]["seed"] for r in grid.run_jobs(jobs)] == [0, 1]


def test_only_missing_results_are_dispatched_and_each_is_saved(ray_cluster, results_dir, monkeypatch):
    first = configs("cpu")[:1]
    run_many(first)
    dispatched = []
    real = grid.run_on_ray
    monkeypatch.setattr(grid, "run_on_ray", lambda jobs, *a: dispatched.append(len(jobs)) or real(jobs, *a))
    results = run_many(configs("cpu"))
    assert dispatched == [3] and len(list((results_dir / "cpu").glob("g*.json.gz"))) == 4
    saved = {load_json(p)["final"]["accuracy"] for p in (results_dir / "cpu").glob("g*.json.gz")}
    assert saved == {r["final"]["accuracy"] for r in results}
    monkeypatch.setenv("BOOK_CACHE", "require")
    monkeypatch.setattr(grid, "run_on_ray", lambda *a: pytest.fail("Ray started under BOOK_CACHE=require"))
    assert run_many(configs("cpu")) == results
    with pytest.raises(MissingResult):
        run_many([make_config("cpu", **TINY, lr=0.3)])


def broken_job(config):
    """A job that raises in whichever process runs it (its finder arguments skip the checks)."""
    finder = dict(start_lr=1.0, end_lr=0.1, num_it=8, scale="exp", stop_div=True, bn_stats="batch")
    return Job(config, finder_result, {"finder": finder}, "-broken")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_failing_run_is_retried_once_then_named_and_the_others_kept(ray_cluster, results_dir,
                                                                     monkeypatch, workers):
    monkeypatch.setenv("BOOK_WORKERS", workers)
    good = configs("cpu")[:2]
    calls = []
    real = grid.execute
    monkeypatch.setattr(grid, "execute", lambda job: calls.append(job.name) or real(job))
    jobs = [run_job(good[0]), broken_job(good[0]), run_job(good[1])]
    with pytest.raises(grid.GridError, match=r"(?s)1 of 3 jobs failed 2 times.*g0.05-broken .*start_lr"):
        grid.run_jobs(jobs)
    if workers == "1":
        assert calls.count("g0.05-broken") == 2
    assert len(list((results_dir / "cpu").glob("g*.json.gz"))) == 2  # both good runs are saved


def test_seed_grids_keep_their_settings_apart(monkeypatch):
    monkeypatch.setenv("BOOK_WORKERS", "1")
    out = run_seeds({"low": make_config("smoke", **TINY, lr=0.05), "high": make_config("smoke", **TINY, lr=0.2)})
    assert list(out) == ["low", "high"] and [len(v) for v in out.values()] == [2, 2]  # smoke: seeds 0, 1
    assert [r["config"]["seed"] for r in out["high"]] == [0, 1] and out["high"][0]["config"]["lr"] == 0.2


def test_bad_worker_and_thread_settings(monkeypatch):
    for var, fn in (("BOOK_WORKERS", settings.workers), ("BOOK_THREADS", settings.threads_per_run),
                    ("BOOK_RUNS_PER_GPU", settings.runs_per_gpu)):
        monkeypatch.setenv(var, "0")
        with pytest.raises(ValueError, match=f"{var} must be a positive integer"):
            fn()


def test_results_of_another_engine_version_are_computed_again(results_dir, monkeypatch):
    monkeypatch.setenv("BOOK_WORKERS", "1")
    calls = []
    job = Job(make_config("cpu", **TINY), lambda config: calls.append(1) or {})
    grid.run_jobs([job])
    grid.run_jobs([job])
    assert len(calls) == 1
    monkeypatch.setattr(runs, "ENGINE_VERSION", engine.ENGINE_VERSION + 1)
    grid.run_jobs([job])
    assert len(calls) == 2


def test_a_profile_that_pins_threads_runs_its_jobs_one_at_a_time_with_them(results_dir, monkeypatch):
    import torch
    monkeypatch.setenv("BOOK_WORKERS", "2")
    monkeypatch.setattr(grid, "run_on_ray", lambda *a: pytest.fail("a pinned profile went to Ray"))
    pinned = [make_config("cpu-2threads", **TINY, lr=0.1, seed=s, n_test=128) for s in (0, 1)]
    before = torch.get_num_threads()
    results = run_many(pinned)
    assert {r["provenance"]["machine"]["threads"] for r in results} == {2}
    assert torch.get_num_threads() == before  # put back afterwards
    assert len(list((results_dir / "cpu-2threads").glob("*.json.gz"))) == 2  # stored apart from cpu

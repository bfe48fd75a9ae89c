import json
import math

import pytest

from helpers import cache, engine, runs
from helpers.cache import MissingResult, result_path, save_json
from helpers.config import Config, make_config, require_complete, with_seeds
from helpers.grid import run_jobs
from helpers.profiles import PROFILES, get_profile
from helpers.runs import Job, range_test, run

TINY = dict(n_train=256, n_valid=128, batch_size=64, epochs=1, depth=8)


@pytest.fixture
def counted(results_dir, monkeypatch):
    """`counted(profile, name, **options)`: one made-up job through `run_jobs`, in this process,
    whose result {"v": n} says it was the n-th computation of the test."""
    monkeypatch.setenv("BOOK_WORKERS", "1")
    calls = []

    def compute(config, **options):
        calls.append(1)
        return {"v": len(calls)}

    def counted(profile="cpu", name="exp", **options):
        return run_jobs([Job(make_config(profile, **TINY, name=name), compute, options)])[0]
    return counted


# ---- bad input: ValueError naming the argument and what is allowed
@pytest.mark.parametrize("field,value", [
    ("lr", 0), ("lr", -0.1), ("lr", float("nan")), ("pct_start", 0), ("pct_start", 1.0),
    ("pct_start", 1.5), ("mom", 1.0), ("mom", -0.1), ("mom_min", 1.2), ("wd", -1e-4),
    ("depth", 18), ("depth", 57), ("schedule", "sgdr"), ("opt", "lbfgs"), ("head", "mlp"),
    ("steps", (0.75, 0.5)), ("epochs", 0), ("batch_size", 0), ("step_factor", 2.0),
    ("n_train", 32), ("epochs", 1.5), ("epochs", True)])
def test_bad_hyperparameters_name_the_argument(field, value):
    with pytest.raises(ValueError, match=f"{field}.* must be"):
        make_config("smoke", **{field: value})


def test_unknown_dataset_profile_and_field():
    with pytest.raises(ValueError, match="dataset must be one of"):
        make_config("smoke", dataset="imagenet")
    with pytest.raises(ValueError, match="profile must be one of"):
        make_config("tpu")
    with pytest.raises(ValueError, match="unknown config fields \\['learning_rate'\\]"):
        make_config("smoke", learning_rate=0.1)


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("BOOK_PROFILE", "paper")
    assert get_profile().dataset == "cifar10" and get_profile().depth == 56
    monkeypatch.setenv("BOOK_PROFILE", "laptop")
    names = "\\['cpu', 'cpu-2threads', 'cpu-gpu', 'gpu', 'paper', 'smoke', 'smoke-2threads'\\]"
    with pytest.raises(ValueError, match=f"profile must be one of {names}"):
        get_profile()
    monkeypatch.delenv("BOOK_PROFILE")
    assert get_profile().name == "cpu"


def test_a_profiles_config_has_its_sizes_unless_overridden():
    sizes = ("dataset", "depth", "n_train", "n_valid", "batch_size", "epochs")
    for name, p in PROFILES.items():
        config = require_complete(make_config(name))
        assert [getattr(config, f) for f in sizes] == [getattr(p, f) for f in sizes]
    config = make_config("cpu", epochs=2, depth=14)
    assert (config.epochs, config.depth, config.n_train) == (2, 14, 10_000)


def test_bad_cache_mode(monkeypatch, counted):
    monkeypatch.setenv("BOOK_CACHE", "sometimes")
    with pytest.raises(ValueError, match="BOOK_CACHE must be one of"):
        counted()


# ---- a run: history, provenance, determinism
def test_run_history_and_provenance():
    config = make_config("smoke", **{**TINY, "epochs": 2}, mom_min=0.85, n_test=0)  # final metrics: the epochs'
    result = run(config)
    it, ep = result["history"]["iteration"], result["history"]["epoch"]
    n = 2 * (256 // 64)
    assert len(it["lr"]) == len(it["mom"]) == len(it["loss"]) == n
    assert max(it["lr"]) == pytest.approx(config.lr, rel=0.05) and it["lr"][-1] < config.lr / 10
    assert min(it["mom"]) == pytest.approx(0.85, abs=0.02) and it["mom"][0] == pytest.approx(0.9)
    assert ep["epoch"] == [1, 2] and len(ep["valid_loss"]) == len(ep["accuracy"]) == 2
    assert result["final"]["accuracy"] == pytest.approx(ep["accuracy"][-1])
    assert result["diverged_at"] is None and result["config"]["mom_min"] == 0.85
    prov = result["provenance"]
    assert prov["profile"] == "smoke" and {"torch", "fastai", "torchvision"} <= set(prov["versions"])
    assert prov["device"] and prov["wall_time_s"] > 0 and prov["date"] and prov["git_commit"]
    import torch
    assert prov["machine"]["threads"] == 1 and prov["machine"]["cpu"]  # BOOK_THREADS' default
    assert prov["machine"]["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert prov["machine"]["gpu"] is None or torch.cuda.is_available()
    json.dumps(result)  # JSON-able


def test_final_metrics_on_the_test_images_the_config_names():
    config = make_config("smoke", **TINY, n_test=300)
    result = run(config)
    assert result["final"]["images"] == 300 and len(result["history"]["epoch"]["accuracy"]) == 1
    assert run(make_config("smoke", **TINY, n_test=0))["final"]["images"] == 128  # n_test 0: the epochs' images
    with pytest.raises(ValueError, match="n_test must be a positive integer"):
        make_config("smoke", n_test=-1)


def test_every_config_has_the_profiles_sizes_and_its_seeds():
    config = make_config("cpu", name="x")
    assert config.n_test == get_profile("cpu").n_test and Job(config, run).spec["config"]["n_test"] == 10_000
    assert [c.seed for c in with_seeds(config)] == list(get_profile("cpu").seeds) and len(get_profile("cpu").seeds) >= 5
    assert runs.finder_job(config).options["finder"]["num_it"] == get_profile("cpu").finder_iters
    assert [c.seed for c in with_seeds(make_config("smoke"))] == list(get_profile("smoke").seeds)


def test_same_config_same_history(monkeypatch):
    monkeypatch.setenv("BOOK_CACHE", "refresh")  # train twice, not once and read back
    trained = []
    monkeypatch.setattr(runs, "train", lambda config: trained.append(1) or engine.train(config))
    config = make_config("smoke", **TINY)
    assert run(config)["history"] == run(config)["history"] and len(trained) == 2


def test_step_schedule_drops_the_lr():
    config = make_config("smoke", **{**TINY, "epochs": 4}, schedule="step", lr=0.05, steps=(0.5, 0.75))
    lrs = run(config)["history"]["iteration"]["lr"]
    assert lrs[:8] == pytest.approx([0.05] * 8) and lrs[8:12] == pytest.approx([0.005] * 4)
    assert lrs[12:] == pytest.approx([0.0005] * 4)


def test_nan_run_is_recorded(monkeypatch):
    import torch.nn as nn

    class NaNLoss(nn.CrossEntropyLoss):
        def forward(self, pred, y):
            return super().forward(pred, y) * float("nan")
    monkeypatch.setattr(engine.nn, "CrossEntropyLoss", NaNLoss)
    result = run(make_config("smoke", **{**TINY, "epochs": 3}))
    assert result["diverged_at"] == 0 and math.isnan(result["history"]["iteration"]["loss"][0])
    assert math.isnan(result["final"]["valid_loss"])
    assert len(result["history"]["epoch"]["epoch"]) == 1  # stopped at the end of the first epoch


def test_a_huge_but_finite_loss_counts_as_divergence():
    result = run(make_config("smoke", **{**TINY, "epochs": 2}, schedule="constant", lr=5e3))
    loss = result["history"]["iteration"]["loss"]
    assert result["diverged_at"] is not None
    assert not math.isfinite(loss[result["diverged_at"]]) or loss[result["diverged_at"]] > 10 * loss[0]
    assert all(not math.isfinite(x) or x > 10 * loss[0] for x in loss[result["diverged_at"]:])


# ---- the cache
def test_cache_miss_then_hit(results_dir, counted):
    first = counted(a=1)
    assert first["v"] == 1 and first["spec"]["a"] == 1
    assert counted(a=1) == first  # a hit: not computed again
    assert counted(a=2)["v"] == 2  # other options are a miss
    assert sorted(p.name.split("-")[0] for p in (results_dir / "cpu").iterdir()) == ["exp", "exp"]


def test_key_ignores_field_order(results_dir):
    assert result_path("cpu", "x", {"a": 1, "b": 2}) == result_path("cpu", "x", {"b": 2, "a": 1})


def test_require_and_refresh(monkeypatch, counted):
    monkeypatch.setenv("BOOK_CACHE", "require")
    with pytest.raises(MissingResult, match="make reproduce"):
        counted()
    monkeypatch.setenv("BOOK_CACHE", "use")
    assert counted()["v"] == 1
    monkeypatch.setenv("BOOK_CACHE", "require")
    assert counted()["v"] == 1
    monkeypatch.setenv("BOOK_CACHE", "refresh")
    assert counted()["v"] == 2
    monkeypatch.setenv("BOOK_CACHE", "use")
    assert counted()["v"] == 2


def test_run_is_cached_per_profile(results_dir, monkeypatch):
    config = make_config("cpu", **TINY)
    first = run(config)
    files = list((results_dir / "cpu").glob("run-*.json.gz"))
    assert len(files) == 1 and cache.load_json(files[0])["final"] == first["final"]
    monkeypatch.setattr(runs, "train", lambda c: pytest.fail("trained although cached"))
    assert run(config) == first


def test_smoke_keeps_results_for_the_process_only(results_dir, monkeypatch, counted):
    assert counted("smoke")["v"] == 1 and counted("smoke")["v"] == 1  # computed once per process
    assert counted("smoke", a=1)["v"] == 2  # another spec is another job
    assert not results_dir.exists() and not get_profile("smoke").cache
    monkeypatch.setenv("BOOK_CACHE", "require")
    assert counted("smoke", a=2)["v"] == 3  # require is for cached profiles
    monkeypatch.setenv("BOOK_CACHE", "refresh")
    assert counted("smoke")["v"] == 4
    cache.SESSION.clear()  # a new process
    monkeypatch.setenv("BOOK_CACHE", "use")
    assert counted("smoke")["v"] == 5


def test_interrupted_write_leaves_no_half_file(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    save_json(path, {"old": True})

    def dies_before_the_disk_has_it(fd):
        raise KeyboardInterrupt
    monkeypatch.setattr(cache.os, "fsync", dies_before_the_disk_has_it)
    with pytest.raises(KeyboardInterrupt):
        save_json(path, {"new": True})
    assert json.loads(path.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary left behind
    assert path.stat().st_mode & 0o777 == 0o644


def test_range_test_result(results_dir):
    config = make_config("cpu", **TINY)
    r = range_test(config, start_lr=1e-4, end_lr=1.0, num_it=8, stop_div=False)
    assert len(r["lr"]) == len(r["train_loss"]) == len(r["train_loss_smooth"]) == len(r["valid_loss"]) == 8
    assert r["lr"][0] == pytest.approx(1e-4) and len(r["valid_metrics"]["accuracy"]) == 8
    assert len(list((results_dir / "cpu").glob("run-finder-*.json.gz"))) == 1
    with pytest.raises(ValueError, match="scale must be one of"):
        range_test(config, scale="log")


def test_bench_prints_throughputs_and_ratios(capsys):
    from helpers import bench
    learner, hand, standard = bench.main(["--iters", "2", "--warmup", "1", "--repeats", "1", "--bs", "32", "--depth", "8"])
    out = capsys.readouterr().out.strip().splitlines()
    assert all(x > 0 for x in (learner, hand, standard))
    assert [line.split()[0] for line in out[1:4]] == ["learner", "hand", "standard"]
    assert out[-1] == f"ratios learner/hand={learner / hand:.2f} learner/standard={learner / standard:.2f}"


def test_bench_times_a_grid_in_a_fresh_process_and_names_the_faster_setting(capsys, monkeypatch):
    from helpers import bench
    assert bench.grid_speed(2, 128, workers=1, threads=1) > 0  # a real grid, in another process
    monkeypatch.setattr(bench, "grid_speed", lambda runs, images, workers, threads: 100.0 * workers / threads)
    assert list(bench.compare_grids(4, 128, cores=2).values()) == [50.0, 200.0]
    assert capsys.readouterr().out.splitlines()[-1] == (
        "grid ratio parallel/serial=4.00: the default (BOOK_WORKERS unset, BOOK_THREADS=1) is faster here")
    monkeypatch.setattr(bench, "grid_speed", lambda runs, images, workers, threads: 100.0 * threads / workers)
    bench.compare_grids(4, 128, cores=2)
    assert capsys.readouterr().out.splitlines()[-1].endswith("BOOK_WORKERS=1 BOOK_THREADS=2 is faster here")


@pytest.mark.parametrize("opt", ["adagrad", "adadelta", "rmsprop", "adamax", "adam", "adamw"])
def test_every_optimizer_trains(opt):
    result = run(make_config("smoke", **TINY, schedule="constant", opt=opt, lr=0.001))
    assert result["diverged_at"] is None and len(result["history"]["iteration"]["lr"]) == 4


def test_one_cycle_needs_momentum_and_clr_needs_bounds():
    with pytest.raises(ValueError, match="opt must be one of .* for one_cycle"):
        make_config("smoke", opt="adagrad")
    with pytest.raises(ValueError, match="base_lr must be set"):
        make_config("smoke", schedule="triangular", lr=0.1)
    with pytest.raises(ValueError, match="base_lr must be set"):
        make_config("smoke", schedule="triangular", lr=0.1, base_lr=0.2)


def test_an_incomplete_config_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="config is incomplete .*make_config"):
        run(Config())
    with pytest.raises(ValueError, match="config is incomplete"):
        range_test(Config(profile="smoke"))
    from helpers.interpolation import interpolation
    with pytest.raises(ValueError, match="config is incomplete"):
        interpolation(Config(), {"line": (1, 2)}, [0, 1])


def test_a_schedule_missing_from_the_table_raises():
    from helpers.engine import FIT, build_learner, fit
    from helpers.config import SCHEDULES
    assert set(FIT) == set(SCHEDULES)
    config = make_config("smoke", **TINY)
    object.__setattr__(config, "schedule", "sgdr")  # past the Config's own check
    with pytest.raises(ValueError, match="schedule must be one of"):
        fit(build_learner(config, device="cpu"), config)


def test_numpy_numbers_become_plain_floats():
    import numpy as np
    config = make_config("smoke", lr=np.float64(0.2), wd=np.float32(1e-4))
    assert type(config.lr) is float and type(config.wd) is float and config.lr == 0.2


# ---- chapter 1's cycle and its named variants
def test_cycle_config_names_variants_by_what_they_change():
    from helpers.config import BOOK_CYCLE, cycle_config
    base = cycle_config("smoke")
    assert base.name == "engine-1cycle" and base.lr == BOOK_CYCLE["lr"] and base.mom_min == 0.85
    assert cycle_config("smoke", epochs=base.epochs) == base  # a profile default is no change
    assert cycle_config("smoke", wd=1e-4, mom=0.95) == base
    variant = cycle_config("smoke", mom=0.9, mom_min=0.9, wd=1e-3)
    assert variant.name == "cycle-mom0.9-mom_min0.9-wd0.001" and variant.wd == 1e-3
    assert cycle_config("smoke", wd=1e-3, mom_min=0.9, mom=0.9) == variant  # order does not matter
    assert cycle_config("smoke", name="x", opt="adam").name == "x"
    with pytest.raises(ValueError, match="unknown config fields \\['momentum'\\]"):
        cycle_config("smoke", momentum=0.9)
    with pytest.raises(ValueError, match="wd must be"):
        cycle_config("smoke", wd=-1.0)


def test_seeded_finder_jobs_are_one_range_test_per_seed_of_each_setting():
    settings = {"a": make_config("cpu", name="a"), "b": make_config("smoke", name="b", lr=0.2)}
    jobs = runs.seeded_finder_jobs(settings, start_lr=1e-3, end_lr=1.0)
    assert {k: [j.spec for j in js] for k, js in jobs.items()} == {
        k: [runs.finder_job(c, start_lr=1e-3, end_lr=1.0).spec for c in with_seeds(config)]
        for k, config in settings.items()}
    assert [len(js) for js in jobs.values()] == [5, 2]  # the seeds of each config's profile

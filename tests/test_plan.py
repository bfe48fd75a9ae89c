"""The plan: the ledger of asked-for results, plan mode, the cost estimate, stale files, and a grid
interrupted and resumed."""
import json

import pytest

from helpers import grid, plan
from helpers.cache import MissingResult, result_file, save_json
from helpers.config import make_config
from helpers.experiments import clr
from helpers.ledger import read_ledger
from helpers.runs import Job, run_job

TINY = dict(n_train=256, n_valid=128, batch_size=64, epochs=1, depth=8)
COMPUTED = []


def fake_result(config, value=1.0):
    """A stand-in for training: instant, and it records that it ran."""
    COMPUTED.append(config.lr)
    if value is None:
        raise KeyboardInterrupt  # the reader pressing Ctrl-C during this run
    return {"final": {"accuracy": value}, "provenance": {"wall_time_s": 2.0}}


def fake_jobs(lrs, value=1.0):
    return [Job(make_config("cpu", **TINY, name="p", lr=lr), fake_result, {"value": value}) for lr in lrs]


@pytest.fixture
def ledger(tmp_path, monkeypatch, results_dir):
    path = tmp_path / "ledger.jsonl"
    monkeypatch.setenv("BOOK_LEDGER", str(path))
    monkeypatch.setenv("BOOK_WORKERS", "1")
    COMPUTED.clear()
    return path


def test_plan_mode_notes_the_whole_grid_then_trains_nothing(ledger, monkeypatch):
    monkeypatch.setenv("BOOK_CACHE", "plan")
    jobs = fake_jobs([0.1, 0.2, 0.3])
    with pytest.raises(MissingResult, match="3 of the 3 results"):
        grid.run_jobs(jobs)
    assert COMPUTED == []
    entries = read_ledger(ledger)
    assert [e["found"] for e in entries] == [False] * 3
    assert [e["file"] for e in entries] == [result_file("cpu", j.name, j.spec) for j in jobs]
    rebuilt = [plan.job_of(e) for e in entries]  # what --compute trains
    assert [j.spec for j in rebuilt] == [j.spec for j in jobs] and rebuilt[0].compute is fake_result


def test_an_interrupted_grid_resumes_where_it_stopped(ledger, monkeypatch, results_dir):
    first, interrupted = fake_jobs([0.1, 0.2]), fake_jobs([0.3], value=None)
    with pytest.raises(KeyboardInterrupt):
        grid.run_jobs(first + interrupted)
    assert COMPUTED == [0.1, 0.2, 0.3] and len(list((results_dir / "cpu").glob("p-*.json.gz"))) == 2
    COMPUTED.clear()
    again = first + fake_jobs([0.3])
    results = grid.run_jobs(again)  # the same grid once more: only the run in flight trains
    assert COMPUTED == [0.3] and [r["final"]["accuracy"] for r in results] == [1.0] * 3
    monkeypatch.setenv("BOOK_CACHE", "plan")
    assert grid.run_jobs(again) == results
    assert [e["found"] for e in read_ledger(ledger)][-3:] == [True] * 3


def entry(lr, found, epochs=1, finder=None):
    job = run_job(make_config("cpu", **{**TINY, "epochs": epochs}, lr=lr))
    options = {"finder": finder} if finder else {}
    return {"file": result_file("cpu", job.name, job.spec), "found": found,
            "job": {"compute": "x:y", "config": json.loads(json.dumps(job.spec["config"])),
                    "options": options, "suffix": ""}}


def test_minutes_count_images_at_the_measured_rate_over_the_cores(monkeypatch):
    monkeypatch.setenv("BOOK_WORKERS", "2")
    monkeypatch.setenv("BOOK_THREADS", "1")
    rates = {"training": 0.01, "range test": 0.1}
    finder = {"num_it": 10, "start_lr": 1e-5, "end_lr": 10.0, "scale": "exp", "stop_div": True, "bn_stats": "batch"}
    entries = [entry(0.1, False, epochs=3), entry(0.2, False, finder=finder)]
    # 256 images x 3 epochs x 0.01 core-s, and 10 iterations x 64 images x 0.1 core-s, on 2 cores
    assert plan.minutes(entries, rates) == pytest.approx((256 * 3 * 0.01 + 10 * 64 * 0.1) / 2 / 60)


def test_rates_are_core_seconds_per_image_on_this_cpu_when_it_computed_some(results_dir, monkeypatch):
    monkeypatch.setenv("BOOK_THREADS", "1")

    def save(name, seconds, provenance):  # a result of 256 images x 1 epoch
        job = run_job(make_config("cpu", **TINY, name=name))
        save_json(results_dir / result_file("cpu", job.name, job.spec),
                  {"spec": job.spec, "provenance": {"wall_time_s": seconds, **provenance}})

    save("old", 2.56, {"device": "cpu (x86_64, 2 threads)"})
    assert plan.core_seconds_per_image("cpu") == ({"training": pytest.approx(0.02)}, False)
    save("here", 0.256, {"device": "cpu", "machine": {"cpu": plan.this_machine()[0], "threads": 1}})
    assert plan.core_seconds_per_image("cpu") == ({"training": pytest.approx(0.001)}, True)


def test_stale_files_are_those_no_complete_trace_asks_for(results_dir):
    (results_dir / "cpu").mkdir(parents=True)
    used, old = entry(0.1, True), entry(0.5, True)
    for e in (used, old):
        (results_dir / e["file"]).write_text("{}")
    done = plan.Trace("engine", [used])
    assert plan.stale_files("cpu", [done]) == [old["file"]]
    assert plan.stale_files("cpu", [done, plan.Trace("clr", [], stopped="cell 3: MissingResult")]) is None


def test_a_trace_counts_each_missing_file_once():
    trace = plan.Trace("clr", [entry(0.1, False), entry(0.1, False), entry(0.2, True)])
    assert len(trace.files) == 2 and [e["found"] for e in trace.missing] == [False]


def test_unknown_chapters_are_named():
    with pytest.raises(ValueError, match="chapters must be among .*'clr'.*got \\['clrs'\\]"):
        plan.chapter_notebooks(["clrs"])


def test_the_committed_results_hold_every_run_the_clr_claims_compare():
    traces = plan.trace_claims("cpu", ["clr"])
    assert [t.name for t in traces] == [f"clr: {c.statement}" for c in clr.CLAIMS]
    assert all(t.stopped is None and t.files and not t.missing for t in traces)


def test_the_report_gives_each_chapter_its_missing_minutes_and_its_minutes_from_scratch(monkeypatch):
    monkeypatch.setattr(plan, "core_seconds_per_image", lambda profile: ({"training": 0.01}, True))
    monkeypatch.setenv("BOOK_WORKERS", "2")
    monkeypatch.setenv("BOOK_THREADS", "1")
    shared, missing = entry(0.1, True, epochs=30), entry(0.2, False, epochs=30)  # 256 x 30 x 0.01 s: 0.64 min
    text = plan.report("cpu", [plan.Trace("a", [shared, missing]), plan.Trace("b", [shared])], [], [])
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line[:2] in ("a ", "b ")}
    assert rows == {"a": ["1", "1", "0.6", "1.3"], "b": ["1", "0", "0.0", "0.6"]}  # on 2 cores
    assert "total: 0.6 min" in text and "(1.3 min for all of them from scratch)" in text  # shared run once
    assert "stale results: 0" in text


def test_a_missing_run_that_two_chapters_share_counts_once_in_the_total(monkeypatch):
    monkeypatch.setattr(plan, "core_seconds_per_image", lambda profile: ({"training": 0.01}, True))
    monkeypatch.setenv("BOOK_WORKERS", "2")
    monkeypatch.setenv("BOOK_THREADS", "1")
    missing = entry(0.2, False, epochs=30)  # 0.64 min on 2 cores
    text = plan.report("cpu", [plan.Trace("a", [missing]), plan.Trace("b", [missing])], [], [])
    assert "total: 0.6 min" in text and "(0.6 min for all of them from scratch)" in text

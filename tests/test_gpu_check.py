"""The GPU check (`helpers.gpu_check`) in its dry run: every step on this machine at a toy size,
so that a GPU's few minutes go into measuring, not debugging."""
import json
import tarfile
from types import SimpleNamespace

import pytest

from helpers import gpu_check


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu-check")
    return out, gpu_check.check(gpu_check.STEPS, minutes=9, out=out, dry=True)


def test_every_step_runs_and_reports(dry_run):
    _, report = dry_run
    assert report["dry run"] and list(report["steps"]) == list(gpu_check.STEPS)
    assert {s["status"] for s in report["steps"].values()} == {"done"}
    steps = report["steps"]
    assert steps["unit"]["tests"] > 10 and steps["unit"]["exit"] == steps["unit"]["failures"] == 0
    assert set(steps["bench"]) >= {"16", "32", "learner/hand at least 0.95"}
    assert all(v["images/s"] > 0 for v in steps["runs"]["concurrent runs"].values())
    assert steps["paper"]["depth"] == 56 and steps["paper"]["run iterations"] == 20
    from helpers.experiments import super_convergence
    assert set(steps["headline"]) - {"status", "seconds"} == {c.statement for c in super_convergence.CLAIMS}
    assert {d["verdict"] for d in steps["headline"].values() if isinstance(d, dict)} <= {
        "held", "contradicted", "inconclusive"}
    assert len(steps["cpu"]["claims"]) == 2 and steps["cpu"]["failed"] == []
    assert isinstance(steps["cpu"]["moved"], list)


def test_the_archive_holds_the_report_and_logs(dry_run):
    out, report = dry_run
    with tarfile.open(out / "gpu-check.tar.gz") as tar:
        names = tar.getnames()
        packed = json.load(tar.extractfile("gpu-check/report.json"))
    assert packed == json.loads(json.dumps(report))
    assert {f"gpu-check/logs/{s}.log" for s in gpu_check.STEPS} <= set(names)
    assert sorted(p.name for p in out.iterdir()) == ["cpu-gpu.tar.gz", "gpu-check.tar.gz", "report.json"]


def test_a_step_past_its_time_is_stopped_and_the_rest_skipped(tmp_path, monkeypatch):
    monkeypatch.setitem(gpu_check.LIMITS, "headline", 2)
    report = gpu_check.check(["headline"], minutes=1, out=tmp_path, dry=True)
    assert report["steps"]["headline"]["status"] == "stopped at its limit of 2 s"
    report = gpu_check.check(["unit", "bench"], minutes=0.3, out=tmp_path, dry=True)
    assert {s["status"] for s in report["steps"].values()} == {"skipped: no time left"}


def test_a_cpu_job_is_scaled_to_the_papers_images_and_batch():
    run = {"config": {"n_train": 10_000, "epochs": 4, "dataset": "fashion_mnist", "batch_size": 128}}
    assert gpu_check.paper_images(run) == 50_000 * 200  # 5 times the images, 50 times the epochs
    assert gpu_check.paper_images({**run, "finder": {"num_it": 400}}) == 400 * 1000  # batch 1000


def test_a_claim_that_fails_is_reported_and_the_next_one_decided(tmp_path):
    class Claim:
        def __init__(self, statement, verdict):
            self.statement, self.verdict = statement, verdict

        def decide(self, profile):
            if self.verdict is None:
                raise RuntimeError("no dataset there")
            return SimpleNamespace(verdict=self.verdict, text=lambda: "+1.0", ours="ours")
    out = gpu_check.decided([Claim("a", None), Claim("b", "held")], "smoke", tmp_path / "r.json")
    assert out == {"a": {"error": "RuntimeError: no dataset there"},
                   "b": {"verdict": "held", "difference": "+1.0", "ours": "ours"}}
    assert json.loads((tmp_path / "r.json").read_text()) == out


def test_bad_minutes():
    with pytest.raises(ValueError, match="minutes must be positive"):
        gpu_check.main(["--minutes", "0", "--dry-run"])

"""Gradient clipping (`helpers.clipping`): fastai's `GradientClip`, with the norms it saw."""
import pytest
import torch
from fastai.callback.training import GradientClip

from helpers.clipping import RecordedGradientClip, clipped_job, clipped_result
from helpers.config import cycle_config
from helpers.engine import build_learner, quiet, train
from helpers.runs import run_job


def config(**changes):
    return cycle_config("smoke", **{"lr": 3.0, "n_train": 512, "batch_size": 64, **changes})


def weights_after(config, clip):
    learn = build_learner(config, cbs=[clip])
    with quiet(learn):
        learn.fit_one_cycle(config.epochs, config.lr)
    return [p.detach().clone() for p in learn.model.parameters()]


def test_clips_as_fastais_gradient_clip_and_keeps_the_norms():
    c = config()
    recorded = RecordedGradientClip(0.5)
    ours, fastais = weights_after(c, recorded), weights_after(c, GradientClip(0.5))
    assert all(torch.equal(a, b) for a, b in zip(ours, fastais))
    assert len(recorded.norms) == c.epochs * 512 // 64
    assert all(n > 0 for n in recorded.norms)


def test_the_result_says_how_often_the_norm_was_clipped(results_dir):
    c = config()
    result = clipped_result(c, max_norm=0.5)
    norms = result["clipping"]["norms"]
    assert len(norms) == len(result["history"]["iteration"]["loss"])
    assert result["clipping"]["clipped"] == pytest.approx(sum(n > 0.5 for n in norms) / len(norms))
    assert 0 < result["clipping"]["clipped"] <= 1  # at a peak of 3 some iterations are clipped


def test_a_norm_never_reached_leaves_training_as_it_was():
    c = config(epochs=1)
    clipped = clipped_result(c, max_norm=1e6)
    plain = train(c)[0]
    assert clipped["clipping"]["clipped"] == 0
    assert clipped["history"]["iteration"]["loss"] == plain["history"]["iteration"]["loss"]
    assert clipped["final"] == plain["final"]


def test_the_job_is_cached_apart_from_the_unclipped_run():
    c = config()
    job = clipped_job(c, 1.0)
    assert job.name == f"{c.name}-clip1" != run_job(c).name
    assert job.spec["max_norm"] == 1.0 and "max_norm" not in run_job(c).spec
    assert job()["clipping"]["max_norm"] == 1.0


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan"), "1"])
def test_bad_max_norm_is_refused(bad):
    with pytest.raises(ValueError, match="max_norm"):
        clipped_job(config(), bad)

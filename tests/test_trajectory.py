"""Where a run's weights go (`helpers.trajectory`)."""
import pytest
import torch

from helpers.config import cycle_config
from helpers.engine import train
from helpers.trajectory import flat, trajectory_job, trajectory_result


def config(**changes):
    return cycle_config("smoke", **{"n_train": 512, "batch_size": 64, "epochs": 1, **changes})


def test_recording_leaves_training_as_it_was():
    c = config()
    recorded, plain = trajectory_result(c), train(c)[0]
    assert recorded["history"]["iteration"]["loss"] == plain["history"]["iteration"]["loss"]
    assert recorded["final"] == plain["final"]


def test_steps_add_up_to_at_least_the_distance_travelled():
    c = config()
    record = trajectory_result(c)["trajectory"]
    n = len(record["grad_norm"])
    assert n == len(record["step"]) == len(record["distance"]) == 512 // 64
    assert record["distance"][0] == pytest.approx(record["step"][0])  # the first step starts at the start
    for i in range(n):  # the triangle inequality, up to float32 rounding
        assert record["distance"][i] <= sum(record["step"][:i + 1]) * (1 + 1e-5)
    assert all(g > 0 for g in record["grad_norm"])


def test_the_first_step_of_plain_sgd_is_the_lr_times_the_gradient_norm():
    """Without momentum or weight decay, SGD's first step is lr * |gradient|."""
    c = config(schedule="constant", lr=0.05, mom=0.0, mom_min=None, wd=0.0)
    record = trajectory_result(c)["trajectory"]
    assert record["step"][0] == pytest.approx(0.05 * record["grad_norm"][0], rel=1e-4)


def test_flat_joins_every_parameter():
    params = [torch.ones(2, 3), torch.zeros(4)]
    assert flat(params).shape == (10,)


def test_the_job_is_cached_apart_and_runs():
    c = config()
    job = trajectory_job(c)
    assert job.name == f"{c.name}-trajectory"
    assert len(job()["trajectory"]["step"]) == 512 // 64

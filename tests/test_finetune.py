"""Fine-tuning from a body pretrained in the book (`helpers.finetune`), in the smoke profile."""
import json

import pytest
import torch

from fastai.callback.core import Callback

from helpers.config import make_config
from helpers.experiments import fine_tuning as ft
from helpers.engine import build_learner, quiet
from helpers.finetune import (body_of, body_state, decode, encode, finetune_finder_job, finetune_job, fit_finetune,
                              pretrain_job, splitter)
from helpers.profiles import get_profile


def fake(accuracies):
    """Made-up results, one per accuracy (in %)."""
    return [{"final": {"accuracy": a / 100}} for a in accuracies]


HIGH, LOW = [85.0, 85.4, 84.8, 85.2, 85.1], [80.0, 80.5, 79.6, 80.2, 80.1]


def configs():
    pretrain = make_config("smoke", dataset="fashion_mnist_0-4", n_train=256, n_valid=64, n_test=0, lr=0.1)
    return pretrain, make_config("smoke", dataset="fashion_mnist_5-9", n_train=128, n_valid=64, n_test=0,
                                 batch_size=32, epochs=2, lr=0.05)


class FitEnds(Callback):
    """The model's weights at the end of every fit."""
    def __init__(self):
        self.states = []

    def after_fit(self):
        self.states.append({k: v.detach().clone() for k, v in self.model.state_dict().items()})


@pytest.fixture(scope="module")
def pretrained():
    pretrain, _ = configs()
    return pretrain_job(pretrain)()


def test_the_body_survives_the_trip_through_json():
    state = body_state(build_learner(configs()[0]).model)
    back = decode(encode(state))
    assert state.keys() == back.keys() and all(torch.equal(state[k], back[k]) for k in state)
    assert not any(k.startswith("head.") for k in state)


def test_the_frozen_stage_trains_the_head_and_batchnorm_only_then_everything_with_a_slice_of_lrs(pretrained):
    _, config = configs()
    ends = FitEnds()
    learn = build_learner(config, cbs=[ends])
    body = body_of(pretrained)
    learn.model.load_state_dict(body, strict=False)
    learn.splitter = splitter
    with quiet(learn):
        fit_finetune(learn, config, freeze_epochs=1, lr_mult=10)
    frozen, end = ends.states
    conv = "blocks.0.conv1.weight"
    assert torch.equal(frozen[conv], body[conv]) and not torch.equal(end[conv], body[conv])
    assert not torch.equal(frozen["blocks.0.bn1.weight"], body["blocks.0.bn1.weight"])  # fastai's train_bn
    body_lr, head_lr = (h["lr"] for h in learn.opt.hypers)
    assert body_lr * 10 == pytest.approx(head_lr)


def test_a_finetuning_job_logs_every_fit_and_depends_on_its_body(pretrained):
    pretrain, config = configs()
    result = finetune_job(config, pretrain, freeze_epochs=1, cycles=2)()
    per_epoch = 128 // 32
    assert len(result["history"]["iteration"]["lr"]) == 3 * per_epoch
    assert result["history"]["epoch"]["epoch"] == [1, 2, 3]
    lrs = result["history"]["iteration"]["lr"]
    assert max(lrs[per_epoch:2 * per_epoch]) == pytest.approx(max(lrs[2 * per_epoch:]), rel=0.2)  # two cycles
    other = make_config("smoke", dataset="fashion_mnist_0-4", n_train=256, n_valid=64, n_test=0, lr=0.2)
    assert finetune_job(config, other).spec != finetune_job(config, pretrain).spec


@pytest.mark.parametrize("arg,value", [("freeze_epochs", -1), ("lr_mult", 0.5), ("cycles", 3)])
def test_wrong_finetuning_settings_raise_naming_the_argument(arg, value):
    pretrain, config = configs()
    with pytest.raises(ValueError, match=arg):
        finetune_job(config, pretrain, **{arg: value})


def test_range_tests_from_the_body_frozen_and_after_training_the_head_unfrozen(pretrained):
    pretrain, config = configs()
    frozen = finetune_finder_job(config, pretrain, num_it=8)()
    unfrozen = finetune_finder_job(config, pretrain, freeze_epochs=1, unfreeze=True, num_it=8)()
    assert len(frozen["lr"]) == len(unfrozen["lr"]) == 8
    assert frozen["train_loss"] != unfrozen["train_loss"]  # the head trained first, then the body too
    spec = finetune_finder_job(config, pretrain, num_it=8).spec
    assert spec["body"]["dataset"] == "fashion_mnist_0-4" and spec["finder"]["num_it"] == 8


# ---- the chapter's arms and claims
def test_every_fine_tuning_arm_has_the_same_budget_and_its_own_seeds_body():
    budget, head = ft.budget("smoke"), ft.head_epochs("smoke")
    specs = set()
    for arm in ft.ARMS:
        jobs = ft.arm_jobs(arm, 0.01, "smoke")
        assert [j.config.seed for j in jobs] == list(get_profile("smoke").seeds)
        assert all(j.config.dataset == "fashion_mnist_5-9" and j.config.n_train == 5 * ft.PER_CLASS for j in jobs)
        assert all(j.config.epochs + j.options.get("freeze_epochs", 0) == budget for j in jobs)
        assert all(j.options["body"]["seed"] == j.config.seed and j.options["body"]["dataset"] == "fashion_mnist_0-4"
                   for j in jobs if arm != ft.SCRATCH)
        specs |= {json.dumps(j.spec, sort_keys=True) for j in jobs}
    assert len(specs) == len(ft.ARMS) * len(get_profile("smoke").seeds)
    assert ft.arm_jobs(ft.HEAD_FIRST, 0.01, "smoke")[0].options["freeze_epochs"] == head
    with pytest.raises(ValueError, match="arm must be"):
        ft.arm_jobs("frozen forever", 0.01, "smoke")


def test_a_fine_tuning_arm_is_read_at_its_best_lr():
    sweep = {(arm, lr): fake([80 + 10 * (lr == 0.03 and arm == ft.UNFROZEN)] * 5) for arm in ft.ARMS for lr in ft.LRS}
    best = ft.best_lrs(sweep)
    assert best[ft.UNFROZEN] == 0.03 and set(best) == set(ft.ARMS)
    held = ft.PRETRAINED.decide_on({ft.UNFROZEN: fake(HIGH), ft.SCRATCH: fake(LOW)})
    assert held.verdict == "held"
    assert ft.ONE_CYCLE_BEATS.decide_on({ft.UNFROZEN: fake(LOW), ft.TWO_CYCLES: fake(HIGH)}).verdict == "contradicted"

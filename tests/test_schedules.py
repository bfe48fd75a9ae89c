import pytest
import torch

from helpers.config import make_config
from helpers.runs import run
from helpers.schedules import (CLR_MODES, WSD_DECAY, clr_lr, clr_schedule, cosine_decay, linear_one_cycle,
                               pytorch_reference, three_phase, warmup_constant, warmup_cosine,
                               warmup_stable_decay)


@pytest.mark.parametrize("mode", CLR_MODES)
def test_clr_matches_pytorch_cycliclr(mode):
    base, top, step, gamma, n = 0.01, 0.3, 37, 0.997, 400
    theirs, _ = pytorch_reference(lambda opt: torch.optim.lr_scheduler.CyclicLR(
        opt, base, top, step_size_up=step, mode=mode, gamma=gamma, cycle_momentum=False), n, lr=base)
    ours = [clr_lr(i, base, top, step, mode, gamma) for i in range(n)]
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


def test_schedule_of_training_fraction():
    f = clr_schedule(100, 0.1, 0.6, 10)  # 10 iterations up, 10 down
    assert [f(i / 100) for i in (0, 5, 10, 15, 20, 29, 30, 99)] == pytest.approx(
        [0.1, 0.35, 0.6, 0.35, 0.1, 0.55, 0.6, 0.15])


@pytest.mark.parametrize("mode", CLR_MODES)
def test_schedule_of_training_fraction_matches_pytorch_cycliclr(mode):
    theirs, _ = pytorch_reference(lambda opt: torch.optim.lr_scheduler.CyclicLR(
        opt, 0.01, 0.3, step_size_up=7, mode=mode, gamma=0.99, cycle_momentum=False), 150, lr=0.01)
    f = clr_schedule(150, 0.01, 0.3, 7, mode, 0.99)
    assert [f(i / 150) for i in range(150)] == pytest.approx(theirs, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("kw,match", [(dict(mode="cosine"), "mode"), (dict(base_lr=0.7), "base_lr"),
                                      (dict(step_size=0), "step_size")])
def test_bad_clr_arguments(kw, match):
    args = {**dict(n_iter=100, base_lr=0.1, max_lr=0.6, step_size=10), **kw}
    with pytest.raises(ValueError, match=match):
        clr_schedule(**args)


@pytest.mark.parametrize("mode", CLR_MODES)
def test_training_follows_the_cyclical_schedule(mode):
    config = make_config("smoke", n_train=512, batch_size=64, epochs=3, schedule=mode, lr=0.3,
                         base_lr=0.05, step_epochs=0.5, clr_gamma=0.99)
    lrs = run(config)["history"]["iteration"]["lr"]
    assert len(lrs) == 24
    assert lrs == pytest.approx([clr_lr(i, 0.05, 0.3, 4, mode, 0.99) for i in range(24)])


@pytest.mark.parametrize("n,pct", [(200, 0.45), (97, 0.3), (1000, 0.4)])
def test_linear_one_cycle_matches_pytorch_three_phase(n, pct):
    max_lr, div, div_final, moms = 3.0, 10.0, 1000.0, (0.95, 0.85)
    lrs, momenta = pytorch_reference(lambda opt: torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr, total_steps=n, pct_start=pct, anneal_strategy="linear", three_phase=True,
        div_factor=div, final_div_factor=div_final / div, base_momentum=moms[1], max_momentum=moms[0]), n)
    scheds = linear_one_cycle(n, max_lr, pct, div, div_final, moms)
    assert [scheds["lr"](i / n) for i in range(n)] == pytest.approx(lrs, rel=1e-9, abs=1e-12)
    assert [scheds["mom"](i / n) for i in range(n)] == pytest.approx(momenta, rel=1e-9, abs=1e-12)
    assert 0.99 * max_lr < max(lrs) <= max_lr and lrs[-1] == pytest.approx(max_lr / div_final)


@pytest.mark.parametrize("kw,match", [(dict(pct_start=0.5), "pct_start"), (dict(pct_start=0), "pct_start"),
                                      (dict(div=0.5), "div"), (dict(div=100, div_final=10), "div")])
def test_bad_linear_one_cycle_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        linear_one_cycle(**{**dict(n_iter=100, max_lr=1.0), **kw})


def test_training_follows_the_linear_cycle():
    config = make_config("smoke", n_train=512, batch_size=64, epochs=5, schedule="linear_cycle", lr=0.5,
                         pct_start=0.4, div=10, div_final=1000, mom=0.95, mom_min=0.85)
    it = run(config)["history"]["iteration"]
    assert len(it["lr"]) == 40 and len(it["mean_abs_grad"]) == 40
    assert it["lr"] == pytest.approx([three_phase(i, 40, 0.4, 0.05, 0.5, 0.0005) for i in range(40)])
    assert it["mom"] == pytest.approx([three_phase(i, 40, 0.4, 0.95, 0.85, 0.95) for i in range(40)])
    assert all(g > 0 for g in it["mean_abs_grad"])


@pytest.mark.parametrize("kw", [dict(pct_start=0.5), dict(div=100, div_final=10), dict(opt="rmsprop")])
def test_bad_linear_cycle_config(kw):
    with pytest.raises(ValueError, match="must be"):
        make_config("smoke", schedule="linear_cycle", **kw)


def test_pytorch_reference_reads_what_the_scheduler_sets():
    lrs, momenta = pytorch_reference(lambda opt: torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5), 5,
                                     lr=1.0, momentum=0.8)
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25] and momenta == [0.8] * 5


# ---- what came after: cosine, warm-up + cosine, warmup-stable-decay, warm-up + constant
def sequential(*phases, milestones):
    return lambda opt: torch.optim.lr_scheduler.SequentialLR(
        opt, [make(opt) for make in phases], milestones=milestones)


def fastai_lrs(schedule, n):
    """The LRs of a fastai schedule over `n` iterations (its linear pieces compute in float32)."""
    return [float(schedule(i / n)) for i in range(n)]


def test_cosine_decay_matches_pytorch():
    lrs, _ = pytorch_reference(lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, 120, eta_min=0.4e-4),
                               120, lr=0.4)
    assert fastai_lrs(cosine_decay(0.4, 1e4), 120) == pytest.approx(lrs, rel=1e-9, abs=1e-12)


def test_warmup_cosine_matches_pytorch():
    n, w = 200, 10  # pct_start 0.05
    lrs, _ = pytorch_reference(sequential(
        lambda opt: torch.optim.lr_scheduler.LinearLR(opt, 1 / 25, 1.0, total_iters=w),
        lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, n - w, eta_min=0.4e-4),
        milestones=[w]), n, lr=0.4)
    # PyTorch's cosine after a milestone is computed recursively: its rounding adds up to ~3e-6
    assert fastai_lrs(warmup_cosine(0.4, 0.05, 25, 1e4), n) == pytest.approx(lrs, rel=1e-5, abs=1e-12)


def test_warmup_stable_decay_matches_pytorch():
    n, w, d = 200, 10, int(WSD_DECAY * 200)
    lrs, _ = pytorch_reference(sequential(
        lambda opt: torch.optim.lr_scheduler.LinearLR(opt, 1 / 25, 1.0, total_iters=w),
        lambda opt: torch.optim.lr_scheduler.ConstantLR(opt, 1.0, total_iters=n - w - d),
        lambda opt: torch.optim.lr_scheduler.LinearLR(opt, 1.0, 1e-4, total_iters=d),
        milestones=[w, n - d]), n, lr=0.4)
    assert fastai_lrs(warmup_stable_decay(0.4, 0.05, 25, 1e4), n) == pytest.approx(lrs, rel=1e-6, abs=1e-12)


def test_warmup_constant_matches_pytorch():
    lrs, _ = pytorch_reference(lambda opt: torch.optim.lr_scheduler.LinearLR(opt, 1 / 25, 1.0, total_iters=10),
                               200, lr=2.0)
    assert fastai_lrs(warmup_constant(2.0, 0.05, 25), 200) == pytest.approx(lrs, rel=1e-6, abs=1e-12)


def test_bad_warmup_arguments():
    with pytest.raises(ValueError, match="pct_start"):
        warmup_cosine(0.4, 1.0, 25, 1e4)
    with pytest.raises(ValueError, match="decay"):
        warmup_stable_decay(0.4, 0.85, 25, 1e4)
    with pytest.raises(ValueError, match="pct_start"):
        make_config("smoke", schedule="wsd", pct_start=0.85)


@pytest.mark.parametrize("schedule,expected", [
    ("cosine", lambda n: cosine_decay(0.3, 1e4)), ("warmup_cosine", lambda n: warmup_cosine(0.3, 0.25, 25, 1e4)),
    ("wsd", lambda n: warmup_stable_decay(0.3, 0.25, 25, 1e4)),
    ("warmup_constant", lambda n: warmup_constant(0.3, 0.25, 25))])
def test_training_follows_the_later_schedules(schedule, expected):
    config = make_config("smoke", n_train=512, batch_size=64, epochs=2, schedule=schedule, lr=0.3)
    history = run(config)["history"]["iteration"]
    assert history["lr"] == pytest.approx(fastai_lrs(expected(16), 16))
    assert history["mom"] == pytest.approx([0.9] * 16)

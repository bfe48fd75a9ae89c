import copy
import math

import pytest
import torch
from fastai.callback.schedule import LRFinder

from helpers.callbacks import divergence, IterationLog, RangeTest, WeightSnapshots, find_lr
from helpers.config import make_config
from helpers.engine import build_learner, quiet


def learner(**overrides):
    config = make_config("smoke", **{"n_train": 256, "n_valid": 128, "batch_size": 32, **overrides})
    return build_learner(config, device="cpu")


def fit_quietly(learn, n_epoch, **kw):
    with quiet(learn):
        learn.fit(n_epoch, **kw)


def state(learn):
    return copy.deepcopy(learn.model.state_dict()), copy.deepcopy(learn.opt.state_dict())


def assert_same(a, b):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    else:
        assert a == b


def test_find_lr_restores_model_and_optimizer_exactly():
    learn = learner()
    fit_quietly(learn, 1, lr=0.05)  # momentum buffers and BatchNorm statistics are now non-trivial
    before = state(learn)
    with quiet(learn):
        cb = find_lr(learn, 1e-4, 1.0, num_it=10, stop_div=False)
    assert len(cb.valid_losses) == 10
    model_after, opt_after = state(learn)
    assert_same(before[0], model_after)
    assert_same(before[1], opt_after)
    assert any(s.get("momentum_buffer") is not None for s in opt_after["state"].values())  # state to lose


def test_training_after_find_lr_is_the_training_without_it():
    plain, probed = learner(), learner()
    with quiet(probed):
        find_lr(probed, 1e-4, 10.0, num_it=10)
    assert probed.opt is None  # as it was found
    fit_quietly(plain, 1, lr=0.05)
    fit_quietly(probed, 1, lr=0.05)
    assert_same(state(plain), state(probed))


def test_range_test_records_validation_every_iteration_and_uses_fastais_exp_schedule():
    learn = learner()
    cb = RangeTest(1e-5, 1.0, num_it=12, stop_div=False)
    fit_quietly(learn, 2, cbs=cb)
    ours = list(learn.recorder.lrs)
    assert len(cb.valid_losses) == len(cb.train_losses) == len(cb.valid_metrics["accuracy"]) == 12
    assert all(0 <= a <= 1 for a in cb.valid_metrics["accuracy"])

    reference = learner()
    with quiet(reference), reference.no_logging():
        reference.fit(2, cbs=LRFinder(1e-5, 1.0, num_it=12, stop_div=False))
    assert ours == pytest.approx(list(reference.recorder.lrs))
    ratios = [b / a for a, b in zip(ours, ours[1:])]
    assert ratios == pytest.approx([ratios[0]] * len(ratios))


def test_range_test_linear_scale():
    learn = learner()
    cb = RangeTest(0.01, 3.0, num_it=10, scale="linear", stop_div=False)
    fit_quietly(learn, 2, cbs=cb)
    lrs = list(learn.recorder.lrs)
    steps = [b - a for a, b in zip(lrs, lrs[1:])]
    assert lrs[0] == pytest.approx(0.01) and steps == pytest.approx([steps[0]] * len(steps))


def test_range_test_with_equal_ends_is_a_constant_lr_control():
    learn = learner()
    fit_quietly(learn, 3, cbs=RangeTest(0.05, 0.05, num_it=12, scale="linear", stop_div=False))
    assert list(learn.recorder.lrs) == pytest.approx([0.05] * 12)


def test_range_test_stops_on_divergence_only_when_asked():
    def iterations(stop_div):
        learn = learner()
        cb = RangeTest(1e-3, 1e4, num_it=40, stop_div=stop_div)
        fit_quietly(learn, 6, cbs=cb)
        return len(cb.valid_losses)
    assert iterations(True) < 40 == iterations(False)


@pytest.mark.parametrize("kw,match", [(dict(scale="log"), "scale"), (dict(start_lr=0), "start_lr"),
                                      (dict(start_lr=1, end_lr=0.1), "start_lr"), (dict(num_it=3), "num_it")])
def test_range_test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        RangeTest(**kw)


def test_weight_snapshots_at_epochs_and_iterations():
    learn = learner()
    snaps = WeightSnapshots(epochs=[1, 2], iters=[0])
    learn.add_cb(snaps)  # kept after fit, as `helpers.engine.train` keeps it
    fit_quietly(learn, 2, lr=0.05)
    assert set(snaps.snapshots) == {("epoch", 1), ("epoch", 2), ("iter", 0)}
    final = learn.model.state_dict()
    for name, value in snaps.snapshots[("epoch", 2)].items():
        assert value.device.type == "cpu" and torch.equal(value, final[name].cpu())
    w = "stem.0.weight"
    assert not torch.equal(snaps.snapshots[("epoch", 1)][w], snaps.snapshots[("epoch", 2)][w])
    first = snaps.snapshots[("epoch", 1)][w].clone()
    with quiet(learn):
        learn.validate()  # fastai's validation runs an "epoch 0", which must not replace epoch 1
    assert torch.equal(snaps.snapshots[("epoch", 1)][w], first)


def test_gradient_stats_one_value_per_iteration():
    learn = learner()
    stats = IterationLog()
    fit_quietly(learn, 1, lr=0.05, cbs=stats)
    assert len(stats.mean_abs_grads) == len(learn.dls.train)
    assert all(math.isfinite(g) and g > 0 for g in stats.mean_abs_grads)


def test_gradient_stats_value_matches_a_direct_computation():
    learn = learner()
    stats = IterationLog()
    with quiet(learn):
        learn.fit(1, lr=0.0, cbs=stats)  # lr 0: the weights never move, so every gradient is reproducible
    xb, yb = next(iter(learn.dls.train.new(seed=learn.dls.train.seed)))
    learn.model.train()
    learn.model.zero_grad()
    torch.nn.functional.cross_entropy(learn.model(xb), yb).backward()
    grads = torch.cat([p.grad.abs().flatten() for p in learn.model.parameters()])
    assert stats.mean_abs_grads[0] == pytest.approx(float(grads.mean()), rel=1e-3)


def test_nan_loss_is_recorded_not_raised():
    learn = learner()
    log = IterationLog()
    base_loss, calls = learn.loss_func, []

    def poisoned(pred, y):
        calls.append(1)
        loss = base_loss(pred, y)
        return loss * float("nan") if len(calls) == 3 else loss
    learn.loss_func = poisoned
    fit_quietly(learn, 2, lr=0.05, cbs=log)
    per_epoch = len(learn.dls.train)  # the check runs at the end of the epoch, then the run stops
    assert log.diverged_at == 2 and len(log.losses) == per_epoch and math.isnan(log.losses[2])
    assert len(learn.recorder.values) == 1  # the second epoch never ran


def test_batch_statistics_evaluation_leaves_batchnorm_buffers_alone():
    learn = learner()
    fit_quietly(learn, 1, lr=0.05)
    xb, _ = learn.dls.valid.one_batch()
    buffers = copy.deepcopy(dict(learn.model.named_buffers()))
    batch, running = RangeTest(bn_stats="batch"), RangeTest(bn_stats="running")
    batch.learn = running.learn = learn
    with_batch_stats, with_running_stats = batch._predict(xb), running._predict(xb)
    assert_same(buffers, dict(learn.model.named_buffers()))
    learn.model.eval()
    with torch.no_grad():
        assert torch.equal(with_running_stats, learn.model(xb))
    assert not torch.allclose(with_batch_stats, with_running_stats)
    with pytest.raises(ValueError, match="bn_stats must be one of"):
        RangeTest(bn_stats="frozen")


def test_divergence_is_a_loss_that_ends_far_above_the_start():
    nan, inf = float("nan"), float("inf")
    assert divergence([]) is None and divergence([2.3, 1.0, 0.5]) is None
    assert divergence([2.3, 40.0, 1.0, 0.5]) is None  # a spike that comes back
    assert divergence([2.3, 1.0, 40.0, nan, inf]) == 2  # where the last diverged stretch began
    assert divergence([2.3, 30.0, 1.0, 24.0, 50.0]) == 3
    assert divergence([nan, nan]) == 0
    assert divergence([2.3, 1.0], final_loss=3e31) == 1 and divergence([2.3, 1.0], final_loss=nan) == 1
    assert divergence([2.3, 1.0], final_loss=0.9) is None

"""Schedule-Free optimizers in the book's fastai Learner (`helpers.schedule_free`)."""
import pytest
import schedulefree
import torch

from helpers.config import make_config
from helpers.engine import build_learner, quiet, train
from helpers.evaluation import bn_buffers
from helpers.schedule_free import ScheduleFreeModes


def sf_config(**changes):
    settings = dict(n_train=512, batch_size=64, epochs=2, schedule="constant", opt="sgd_schedulefree", lr=0.5)
    return make_config("smoke", **{**settings, **changes})


def fit_with_modes(config, recompute_bn=True):
    modes = ScheduleFreeModes(recompute_bn=recompute_bn)
    learn = build_learner(config, cbs=[modes])
    with quiet(learn):
        learn.fit(config.epochs, config.lr)
    return learn


def test_fastai_trains_as_the_packages_own_loop():
    """The Learner (with its validations at the averaged weights) leaves the same training weights
    as a plain loop over the same batches with the package's optimizer, which switches to the
    averaged weights and back after every epoch, as the Learner does to validate."""
    config = sf_config()
    learn = fit_with_modes(config)
    plain = build_learner(config)  # same seed: same initial weights, same batches
    opt = schedulefree.SGDScheduleFree(plain.model.parameters(), lr=config.lr, momentum=config.mom,
                                       weight_decay=config.wd)
    plain.model.train()
    opt.train()
    for _ in range(config.epochs):
        for xb, yb in plain.dls.train:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(plain.model(xb), yb).backward()
            opt.step()
        opt.eval()
        opt.train()
    for ours, theirs in zip(learn.model.parameters(), plain.model.parameters()):
        assert torch.allclose(ours, theirs, atol=1e-6)


def test_recomputing_batchnorm_leaves_training_alone():
    """The recompute uses its own loader and puts the training statistics back: the run trains
    the same with and without it, and a validation leaves every BatchNorm buffer as it was."""
    config = sf_config()
    with_bn, without = fit_with_modes(config), fit_with_modes(config, recompute_bn=False)
    for a, b in zip(with_bn.model.parameters(), without.model.parameters()):
        assert torch.equal(a, b)
    before = bn_buffers(with_bn.model)
    with quiet(with_bn):
        with_bn.validate()
    assert all(torch.equal(a, b) for a, b in zip(before, bn_buffers(with_bn.model)))


@pytest.mark.parametrize("opt,lr,wd", [("sgd_schedulefree", 0.5, 1e-4), ("adamw_schedulefree", 0.005, 1e-2)])
def test_a_schedule_free_run_records_where_it_could_stop(opt, lr, wd):
    result = train(sf_config(opt=opt, lr=lr, wd=wd, schedule="warmup_constant"))[0]
    sf = result["schedule_free"]
    assert [a["epoch"] for a in sf["anytime"]] == [1, 2]
    assert sf["anytime"][-1]["accuracy"] == pytest.approx(result["final"]["accuracy"])
    assert sf["bn_batches"] == 50 and 0 <= sf["without_bn_recompute"]["accuracy"] <= 1


def test_other_runs_record_nothing_of_it():
    assert "schedule_free" not in train(make_config("smoke", epochs=1))[0]


@pytest.mark.parametrize("changes,match", [(dict(schedule="one_cycle"), "schedule"), (dict(mom=0.0), "mom")])
def test_bad_schedule_free_settings(changes, match):
    with pytest.raises(ValueError, match=match):
        sf_config(**changes)

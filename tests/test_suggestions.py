import pytest

from helpers.callbacks import find_lr
from helpers.config import make_config
from helpers.engine import build_learner, quiet
from helpers.suggestions import SUGGESTERS, suggestion, suggestions


def test_suggestions_match_fastais_lr_find():
    config = make_config("smoke", n_train=256, batch_size=16)
    reference = build_learner(config, device="cpu")
    with quiet(reference):
        expected = reference.lr_find(1e-5, 10, num_it=40, show_plot=False,
                                     suggest_funcs=tuple(SUGGESTERS.values()))
    learn = build_learner(config, device="cpu")
    with quiet(learn):
        find_lr(learn, 1e-5, 10, num_it=40)
    finder = {"finder": {"num_it": 40}, "lr": [float(x) for x in learn.recorder.lrs],
              "train_loss_smooth": [float(x) for x in learn.recorder.losses]}
    ours = suggestions(finder)
    assert [ours[name] for name in SUGGESTERS] == pytest.approx(list(expected), rel=1e-6)


def made_up_range_test():
    """61 iterations, LR 10**(-5 + i/10) at iteration i. The loss is flat at 2.0 up to i = 19,
    falls by 0.05 an iteration to 0.5 at i = 40 (by 0.5 from i = 32 to 33), then rises by 0.1.
    The first tenth and the last five iterations, which fastai ignores, are lower still."""
    loss = [5.0] + [0.0] * 5 + [2.0] * 14
    for i in range(20, 41):
        loss.append(loss[-1] - (0.5 if i == 33 else 0.05))
    loss += [0.5 + 0.1 * k for k in range(1, 16)] + [0.0] * 5
    return {"finder": {"num_it": 61}, "lr": [10 ** (-5 + i / 10) for i in range(61)], "train_loss_smooth": loss}


def test_suggestions_of_a_made_up_curve():
    finder = made_up_range_test()
    lr = finder["lr"]
    expected = {"minimum/10": lr[40] / 10, "loss minimum": lr[40],
                "steep": lr[32],  # the largest drop
                "valley": lr[28],  # the longest descent is i = 19..40: 18 + 22 // 3 + 22 // 6
                "slide": lr[25]}  # from the right, slopes 15 iterations apart last differ at i = 40 and 25
    assert suggestions(finder) == pytest.approx(expected, rel=1e-6)
    finder["train_loss_smooth"][45:56] = [float("nan")] + [0.0] * 10  # what follows a NaN is ignored
    assert suggestions(finder) == pytest.approx(expected, rel=1e-6)
    assert {name: suggestion(finder, name) for name in expected} == pytest.approx(expected, rel=1e-6)  # one at a time

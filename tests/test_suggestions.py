import pytest

from helpers.callbacks import find_lr
from helpers.config import make_config
from helpers.engine import build_learner, quiet
from helpers.suggestions import SUGGESTERS, suggestions


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
    assert ours["loss minimum"] == pytest.approx(ours["minimum/10"] * 10)

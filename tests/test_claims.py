"""The chapters' claims, checked against the committed cpu-profile results.

Each test states what a chapter's text says about its results; if the results are recomputed and
no longer bear a sentence out, the test fails and the text must be revisited.
"""
import numpy as np
import pytest

from helpers.cache import load_named
from helpers.plotting import smooth


def named(name, n=3):
    results = sorted(load_named("cpu", name), key=lambda r: r["config"]["seed"])
    assert len(results) == n, f"expected {n} results named {name!r} in book/results/cpu"
    return results


def accuracies(name):
    return np.array([100 * r["final"]["accuracy"] for r in named(name)])


# ---- chapter "Reading under- and overfitting"
def test_underfitting_validation_loss_still_falling():
    for r in named("fit-const-small-lr"):
        valid, train = r["history"]["epoch"]["valid_loss"], r["history"]["epoch"]["train_loss"]
        assert valid[-1] < valid[len(valid) // 2] and valid[-1] < valid[0]
        assert train[-1] < train[-2]  # the training loss too is still falling
        assert np.mean(np.array(valid) <= np.array(train)) >= 0.5  # at or below the training loss
    assert accuracies("fit-const-small-lr").mean() < accuracies("fit-const-balanced").mean() - 5


def test_overfitting_validation_loss_turns_up():
    for r in named("fit-over-a"):
        valid, train = r["history"]["epoch"]["valid_loss"], r["history"]["epoch"]["train_loss"]
        best = int(np.argmin(valid))
        assert best < len(valid) - 5  # the minimum comes well before the end
        assert valid[-1] > 1.1 * valid[best]  # and the loss climbs after it
        assert train[-1] < 0.15  # while the training set is memorised


def test_weight_decay_range_tests_cannot_be_told_apart():
    lowest = {wd: [min(smooth(r["valid_loss"])) for r in load_named("cpu", "fit-finder")
                   if r["config"]["wd"] == wd] for wd in (1e-4, 4e-3)}
    assert all(len(v) == 3 for v in lowest.values())
    seed_range = max(max(v) - min(v) for v in lowest.values())
    assert abs(np.mean(lowest[1e-4]) - np.mean(lowest[4e-3])) < seed_range


# ---- chapter "The LR range test"
SUGGESTED = {"slide": "lr-slide", "minimum/10": "lr-minimum-10", "steep": "lr-steep",
             "valley": "lr-valley", "loss minimum": "lr-loss-minimum"}


def test_slide_minimum10_and_steep_train_equally_well():
    good = [accuracies(SUGGESTED[m]) for m in ("slide", "minimum/10", "steep")]
    means = [a.mean() for a in good]
    assert max(means) - min(means) < max(a.std(ddof=1) for a in good)


@pytest.mark.parametrize("method", ["valley", "loss minimum"])
def test_valley_and_loss_minimum_are_worse_by_more_than_the_spread(method):
    good_lowest = min(accuracies(SUGGESTED[m]).mean() for m in ("slide", "minimum/10", "steep"))
    worse = accuracies(SUGGESTED[method])
    assert good_lowest - worse.mean() > 2
    assert good_lowest - worse.mean() > max(accuracies(SUGGESTED[m]).std(ddof=1)
                                            for m in ("slide", "minimum/10", "steep"))


def test_valley_suggests_about_ten_times_smaller_rates():
    lr = {m: np.median([r["config"]["lr"] for r in named(name)]) for m, name in SUGGESTED.items()}
    assert lr["valley"] * 3 < min(lr["slide"], lr["minimum/10"], lr["steep"])
    assert lr["loss minimum"] > 2 * max(lr["slide"], lr["minimum/10"], lr["steep"])


# ---- chapter "Cyclical learning rates and adaptive optimizers"
CLR_RUNS = {"clr": "clr-triangular", "fixed": "clr-fixed", "Adagrad": "clr-adagrad",
            "Adadelta": "clr-adadelta", "RMSprop": "clr-rmsprop", "Adam": "clr-adam",
            "Adamax": "clr-adamax"}
ADAPTIVE = ("Adagrad", "Adadelta", "RMSprop", "Adam", "Adamax")


def test_clr_has_the_best_mean_accuracy_and_beats_the_fixed_rate_beyond_the_spread():
    acc = {k: accuracies(v) for k, v in CLR_RUNS.items()}
    assert max(acc, key=lambda k: acc[k].mean()) == "clr"
    gap = acc["clr"].mean() - acc["fixed"].mean()
    assert gap > max(acc["clr"].std(ddof=1), acc["fixed"].std(ddof=1))


def test_clr_and_the_best_adaptive_optimizer_adagrad_are_within_the_spread():
    acc = {k: accuracies(v) for k, v in CLR_RUNS.items()}
    assert max(ADAPTIVE, key=lambda k: acc[k].mean()) == "Adagrad"
    gap = acc["clr"].mean() - acc["Adagrad"].mean()
    assert 0 < gap < 1.5 * max(acc["clr"].std(ddof=1), acc["Adagrad"].std(ddof=1))


def test_clr_accuracy_peaks_at_the_end_of_each_cycle():
    runs = named("clr-triangular")
    per_epoch = np.mean([r["history"]["epoch"]["accuracy"] for r in runs], axis=0)
    cycle_ends = [i for i in range(1, len(per_epoch), 2)]  # step of one epoch: a cycle is two
    assert all(per_epoch[i] > per_epoch[i - 1] for i in cycle_ends)
    assert all(per_epoch[i] > per_epoch[i + 1] for i in cycle_ends if i + 1 < len(per_epoch))
    assert runs[0]["config"]["step_epochs"] == 1

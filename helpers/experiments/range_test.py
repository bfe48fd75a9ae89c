"""The LR range test chapter: one range test per seed of the book's ResNet, the peak LR that
later chapters read off it, and 1cycle trained at each of fastai's suggestions."""
from dataclasses import replace

import numpy as np
import pandas as pd

from ..analysis import acc, compare, smooth
from ..claim import Claim, difference
from ..config import make_config, with_seeds
from ..profiles import get_profile
from ..runs import range_tests, run_job
from ..suggestions import suggestions

FINDER = dict(start_lr=1e-5, end_lr=10)
GOOD = ("slide", "minimum/10", "steep")  # the suggestions that train well here
PAPER = "fastai (lr_find's suggestions)"


def finders(profile=None):
    """The range tests, one per seed of the profile."""
    return range_tests(with_seeds(make_config(get_profile(profile).name, name="lr")), **FINDER)


def proposed(profile=None):
    """fastai's suggestions and the loss minimum (columns) of each seed's test (rows)."""
    p = get_profile(profile)
    return pd.DataFrame([suggestions(f) for f in finders(p.name)], index=pd.Index(p.seeds, name="seed"))


def suggested(method, profile=None):
    """fastai's suggestion `method` (`helpers.suggestions`), median over the seeds' tests."""
    return float(proposed(profile)[method].median())


def peak_lr(profile=None):
    """The book's peak LR from the test: a tenth of the loss minimum (fastai's "minimum/10")."""
    return suggested("minimum/10", profile)


def accuracy_peak_lr(profile=None):
    """Where the smoothed validation accuracy of the tests peaks, median over the seeds."""
    return float(np.median([f["lr"][int(np.argmax(smooth(f["valid_metrics"]["accuracy"])))]
                            for f in finders(profile)]))


def trained(profile=None):
    """{suggestion: [1cycle config per seed]}: each seed trains at the suggestions of its own test."""
    p = get_profile(profile).name
    table = proposed(p)
    base = make_config(p, name="lr", schedule="one_cycle", mom=0.95, mom_min=0.85, wd=1e-4)
    return {method: [replace(base, name=f"lr-{method.replace('/', '-').replace(' ', '-')}",
                             lr=table.loc[s, method], seed=s) for s in table.index]
            for method in table.columns}


def arms(profile=None):
    return {method: [run_job(c) for c in configs] for method, configs in trained(profile).items()}


def weakest_good(results):
    return min(GOOD, key=lambda m: acc(results[m]).mean())


def good_ranked(results, margin):
    strongest = max(GOOD, key=lambda m: acc(results[m]).mean())
    weakest = weakest_good(results)
    return (f"{strongest} minus {weakest}", compare(acc(results[strongest]), acc(results[weakest]), margin),
            {"strongest": strongest, "weakest": weakest})


def against_weakest(method):
    """The measure of "`method` trains better than the weakest of the three good suggestions"."""
    def measure(results, margin):
        weakest = weakest_good(results)
        return (f"{method} minus {weakest}", compare(acc(results[method]), acc(results[weakest]), margin),
                {"weakest": weakest})
    return measure


GOOD_RANKED = Claim(
    "range_test", PAPER, "The best of the three good suggestions trains better than the weakest", "",
    "accuracy, best minus weakest (points)", "beats", arms=arms, measure=good_ranked,
    says={"held": "the whole interval lies above zero, so the best of the three trains better than the weakest",
          "contradicted": "the whole interval lies at or below zero, so the three are level",
          "inconclusive": "the interval includes zero, so at this number of seeds this experiment cannot rank them"})

AGAINST_WEAKEST = {
    method: Claim(
        "range_test", PAPER, f"The {method} trains better than the weakest of the three good suggestions", "",
        f"accuracy, {method} minus the weakest good suggestion (points)", "beats", arms=arms,
        measure=against_weakest(method),
        says={"held": "the whole interval lies above zero, so it trains better than even the weakest of the three",
              "contradicted": "the whole interval lies at or below zero, so it trains worse than all three",
              "inconclusive": "the interval includes zero, so at this number of seeds it cannot be told apart "
                              "from them"})
    for method in ("valley", "loss minimum")}


# the recipe's rows on the learning rate: a tenth of the loss minimum against the other rules
MINIMUM_AS_GOOD_AS = {
    method: Claim("range_test", PAPER, f"minimum/10 as good as {method}", "",
                  f"accuracy, minimum/10 minus {method} (points)", "as good", arms=arms,
                  measure=difference("minimum/10", method))
    for method in ("slide", "steep", "loss minimum")}
MINIMUM_BEATS_VALLEY = Claim("range_test", PAPER, "minimum/10 beats valley", "",
                             "accuracy, minimum/10 minus valley (points)", "beats", arms=arms,
                             measure=difference("minimum/10", "valley"))

"""The LR range test chapter: one range test per seed of the book's ResNet, the book's rule for
the SGD peak LR read off them, and 1cycle trained at each of fastai's suggestions."""
from dataclasses import replace

import numpy as np
import pandas as pd

from ..analysis import acc, compare, highest_mean, smooth
from ..claim import Claim, difference, seeded
from ..config import cycle_config, make_config, with_seeds
from ..data import dataset_info
from ..paper import NOTEBOOK
from ..profiles import get_profile
from ..runs import range_test, range_tests, run_job
from ..suggestions import suggestion, suggestions

FINDER = dict(start_lr=1e-5, end_lr=10)
PAPER = "fastai (lr_find's suggestions)"
RULE = "minimum/10"  # the book's rule for the SGD peak LR: see `peak_lr`


def config(profile=None, **changes):
    """The chapter's model and data (`name` "lr" unless changed)."""
    return make_config(get_profile(profile).name, **{"name": "lr", **changes})


def finders(profile=None):
    """The range tests, one per seed of the profile."""
    return range_tests(with_seeds(config(profile)), **FINDER)


SHORTEST = 30  # iterations: fastai's "slide" needs a curve this long


def short_finders(profile=None):
    """The same tests a quarter as long (100 iterations in the cpu profile), one per seed."""
    p = get_profile(profile)
    num_it = max(p.finder_iters // 4, SHORTEST)
    return range_tests(with_seeds(config(p.name, name="lr-short")), **FINDER, num_it=num_it)


def proposed(profile=None, tests=None):
    """fastai's suggestions and the loss minimum (columns) of each seed's test (rows), of the
    chapter's tests unless `tests` are given."""
    tests = finders(profile) if tests is None else tests
    return pd.DataFrame([suggestions(f) for f in tests],
                        index=pd.Index([f["config"]["seed"] for f in tests], name="seed"))


def spread(table):
    """Each suggestion's median over the seeds' tests, its smallest and largest value, and the
    factor between them (how far one test's suggestion can land from another's)."""
    return pd.DataFrame({"median": table.median(), "smallest": table.min(), "largest": table.max(),
                         "largest / smallest": table.max() / table.min()})


def suggested(method, profile=None, tests=None):
    """fastai's suggestion `method` (`helpers.suggestions`), median over the seeds' tests (the
    chapter's unless `tests` are given)."""
    tests = finders(profile) if tests is None else tests
    return float(np.median([suggestion(f, method) for f in tests]))


def peak_lr(profile=None):
    """The book's SGD peak LR: a tenth of the loss minimum (fastai's "minimum/10"), median over
    the seeds' range tests."""
    return suggested(RULE, profile)


def book_cycle(profile=None, **changes):
    """The book's 1cycle run (`helpers.config.BOOK_CYCLE`) at the book's peak LR, named
    "book-1cycle" unless `changes` name it; the engine chapter's first experiment."""
    p = get_profile(profile)
    return cycle_config(p.name, **{"name": "book-1cycle", "lr": peak_lr(p.name), **changes})


def accuracy_peak_lr(profile=None):
    """Where the smoothed validation accuracy of the tests peaks, median over the seeds."""
    return float(np.median([f["lr"][int(np.argmax(smooth(f["valid_metrics"]["accuracy"])))]
                            for f in finders(profile)]))


def running_stats(profile=None):
    """The first seed's test with the validation batch normalised by BatchNorm's running averages."""
    return range_test(config(profile, name="lr-running-stats"), **FINDER, bn_stats="running")


def linear(profile=None):
    """A test with linear steps from 0.01 to 3."""
    return range_test(config(profile, name="lr-linear"), start_lr=0.01, end_lr=3, scale="linear")


def trained(profile=None):
    """{suggestion: [1cycle config per seed]}: each seed trains at the suggestions of its own test."""
    table = proposed(profile)
    base = config(profile, schedule="one_cycle", mom=0.95, mom_min=0.85, wd=1e-4)
    return {method: [replace(base, name=f"lr-{method.replace('/', '-').replace(' ', '-')}",
                             lr=table.loc[s, method], seed=s) for s in table.index]
            for method in table.columns}


def arms(profile=None):
    return {method: [run_job(c) for c in configs] for method, configs in trained(profile).items()}


def best(results):
    """The suggestion whose runs have the highest mean accuracy."""
    return highest_mean(results)


def against_best(method):
    """The measure of "`method` trains as well as the best suggestion" (the best by mean)."""
    def measure(results, margin):
        top = best(results)
        return (f"{method} minus {top}", compare(acc(results[method]), acc(results[top]), margin),
                {"best": top})
    return measure


AS_GOOD_AS_BEST = {
    method: Claim(
        "range_test", PAPER, f"Training at the {method} suggestion is as good as at the best one", "",
        f"accuracy, {method} minus the best suggestion (points)", "as good", arms=arms,
        measure=against_best(method),
        sums_up={"held": "as good as the best", "contradicted": "worse than the best",
                 "inconclusive": "undecided"})
    for method in ("valley", "slide", "minimum/10", "steep", "loss minimum")}


def against_the_best(results):
    """{suggestion: Decision of "as good as the best"} for every suggestion but the best."""
    top = best(results)
    return {method: claim.decide_on(results) for method, claim in AS_GOOD_AS_BEST.items() if method != top}


def table(proposed, results):
    """One row per suggestion: its median LR over the seeds' tests, the accuracy of training
    there (mean and std over seeds), the difference to the best suggestion with its interval, and
    the verdict of "as good as the best"."""
    top, decisions = best(results), against_the_best(results)
    rows = {}
    for method in AS_GOOD_AS_BEST:
        decision = decisions.get(method)
        a = acc(results[method])
        difference = "the best" if decision is None else decision.text().replace(" points", "")
        rows[method] = {"median LR": proposed[method].median(), "mean (%)": a.mean(), "std (%)": a.std(ddof=1),
                        f"minus {top} (points)": difference, "verdict": "" if decision is None else decision.verdict}
    return pd.DataFrame.from_dict(rows, orient="index").sort_values("mean (%)", ascending=False)


def verdicts(results):
    """{verdict: [suggestion, ...]}: the suggestions other than the best, by the verdict of
    "as good as the best"."""
    out = {}
    for method, decision in against_the_best(results).items():
        out.setdefault(decision.verdict, []).append(method)
    return out


# what each verdict of "as good as the best" says of the suggestions it applies to (one, several)
READINGS = {"held": ("is as good", "are as good"),
            "inconclusive": ("cannot be told apart from it at this number of seeds",
                             "cannot be told apart from it at this number of seeds"),
            "contradicted": ("trains worse than it", "train worse than it")}


def reading(results):
    """The verdicts of `verdicts` in words, e.g. "**slide** is as good; **valley** trains worse
    than it"."""
    def names(methods):
        bold = [f"**{m}**" for m in methods]
        return bold[0] if len(bold) == 1 else ", ".join(bold[:-1]) + " and " + bold[-1]
    found = verdicts(results)
    return "; ".join(f"{names(found[v])} {READINGS[v][len(found[v]) > 1]}" for v in READINGS if v in found)


def rule_reading(results):
    """How the book's rule (`RULE`) trained against the best suggestion, in words."""
    decision = against_the_best(results).get(RULE)
    if decision is None:
        return "it is itself the best of the five here"
    return (f"minus **{decision.details['best']}**, the best here, it is {decision.text()}: "
            f"{decision.words(decision.claim.sums_up)} ({decision.verdict_words()})")


# the recipe's rows on the learning rate: a tenth of the loss minimum against the other rules
MINIMUM_AS_GOOD_AS = {
    method: Claim("range_test", PAPER, f"minimum/10 as good as {method}", "",
                  f"accuracy, minimum/10 minus {method} (points)", "as good", arms=arms,
                  measure=difference("minimum/10", method))
    for method in ("slide", "steep", "loss minimum")}
MINIMUM_BEATS_VALLEY = Claim("range_test", PAPER, "minimum/10 beats valley", "",
                             "accuracy, minimum/10 minus valley (points)", "beats", arms=arms,
                             measure=difference("minimum/10", "valley"))


# ---- a large dataset: choose on a subsample, check once on all of it (the seed notebook's tip)
LARGE = 6  # the "large" dataset: this many times the profile's images, at most the whole split


def large_size(profile=None):
    """The training images of the large dataset: `LARGE` times the profile's, at most all of them
    (all 60,000 of Fashion-MNIST in the cpu profile)."""
    p = get_profile(profile)
    return min(LARGE * p.n_train, dataset_info(p.dataset).n_train)


def large_finders(profile=None):
    """The chapter's range tests on the large dataset, one per seed: as many iterations as
    `finders`, so they cost as much."""
    p = get_profile(profile)
    return range_tests(with_seeds(config(p.name, name="lr-large", n_train=large_size(p.name))), **FINDER)


def large_peak_lr(profile=None):
    """The book's rule (`peak_lr`) read off the large dataset's own range tests."""
    return suggested(RULE, tests=large_finders(profile))


SUBSAMPLE, LARGE_OWN = "peak read on the subsample", "peak read on the large dataset"


def large_arms(profile=None):
    """{arm: [job per seed]}: the book's cycle trained on the large dataset, at the peak read off
    the subsample's range tests and at the one read off the large dataset's."""
    p = get_profile(profile).name
    n = large_size(p)
    return seeded({SUBSAMPLE: book_cycle(p, name="large-1cycle", n_train=n, lr=peak_lr(p)),
                   LARGE_OWN: book_cycle(p, name="large-1cycle", n_train=n, lr=large_peak_lr(p))})


def large_readings(profile=None):
    """The two peaks, how far apart they are, and the sizes of the two datasets."""
    p = get_profile(profile)
    sub, large = peak_lr(p.name), large_peak_lr(p.name)
    return {"large_n": large_size(p.name), "sub_n": p.n_train, "large_peak_sub": sub, "large_peak_own": large,
            "large_ratio": max(sub, large) / min(sub, large)}


LARGE_AS_GOOD = Claim(
    "range_test", NOTEBOOK, "On a large dataset, a peak LR read on a small sample of it is as good as one read on "
    "all of it", "advice, no number", "accuracy on the large dataset, 1cycle to the subsample's peak minus to the "
    "large dataset's own (points)", "as good", arms=large_arms, measure=difference(SUBSAMPLE, LARGE_OWN),
    section="A large dataset: choose on a sample",
    says={"held": "the whole interval lies above the margin: the peak read on the sample trains the whole "
                  "dataset as well as the peak read on all of it",
          "contradicted": "the whole interval lies below the margin: the peak read on the sample trains the whole "
                          "dataset worse than the peak read on all of it",
          "inconclusive": "the interval straddles the margin: the peak read on the sample may or may not train "
                          "the whole dataset as well as the peak read on all of it"},
    sums_up={"held": "held", "contradicted": "was contradicted", "inconclusive": "stays open"})

CLAIMS = [LARGE_AS_GOOD]

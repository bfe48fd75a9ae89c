"""The 1cycle chapter: the cycle's peak LR and Smith's cycle to 3, less data at equal iterations,
the shape of the cycle, and 1cycle with Adam (Smith and Topin 2017, Smith 2018, the fastai
forum). Every cycle is the book's (`range_test.book_cycle`) unless it says otherwise."""
import numpy as np
import pandas as pd

from ..analysis import acc, compare, decide, fmt, one_sample
from ..claim import Claim, difference, seeded
from ..config import make_config, step_config, with_seeds
from ..paper import FORUM, SC as PAPER
from ..profiles import get_profile
from ..runs import finder_job, run_jobs
from ..suggestions import suggestion
from .range_test import book_cycle, peak_lr
from .super_convergence import better_step_lr, iterations

PEAKS = (0.1, 0.4, 1.0, 2.0, 3.0)  # the cycle's peak LRs beside the book's own
SMITH_WDS = (1e-4, 1e-5)  # Smith's cycle to 3 with his weight decay and with a tenth of it
FRACTIONS = {"all": 1, "half": 2, "quarter": 4}  # training images: the profile's divided by these
ADAM_FINDER = dict(start_lr=1e-6, end_lr=1.0)
COSINE, LINEAR = "fastai fit_one_cycle (cosine)", "Smith's linear cycle (helpers)"
SGD, ADAM, ADAMW = "SGD (the book's cycle)", "Adam, L2 1e-4", "AdamW, decoupled 1e-2"


def accuracies(table, keys):
    """{key_acc, key_std: mean and std (%) of the row `label` of a `seed_table`} for {key: label}."""
    return {f"{key}_{what}": float(table.loc[label, f"{column} (%)"])
            for key, label in keys.items() for what, column in (("acc", "mean"), ("std", "std"))}


# ---- how high the cycle should go
def peak_label(peak):
    return f"peak {peak:.3g}"


def smith_label(wd):
    return f"Smith: linear 0.1 to 3, WD {wd:g}"


def peaks(profile=None):
    """The peaks of the sweep: `PEAKS` and the book's, in order."""
    return sorted({*PEAKS, peak_lr(profile)})


def peak_settings(profile=None):
    """{label: config}: the book's cycle at each of `peaks`, and Smith's cycle, linear from 0.1 to
    3 and back for 45% of the run each, then annihilated, with each weight decay of `SMITH_WDS`."""
    p = get_profile(profile).name
    return {**{peak_label(peak): book_cycle(p, lr=peak) for peak in peaks(p)},
            **{smith_label(wd): book_cycle(p, name="sc-smith-3", schedule="linear_cycle", lr=3.0, pct_start=0.45,
                                           div=30, div_final=3000, wd=wd) for wd in SMITH_WDS}}


def peak_intervals(results, profile=None):
    """{line label: {peak: mean with its 95% interval}} of the sweep, for the figure."""
    def mean(label):
        return one_sample(acc(results[label]))
    return {"the book's cycle, mean with 95% interval": {peak: mean(peak_label(peak)) for peak in peaks(profile)},
            **{smith_label(wd): {3.0: mean(smith_label(wd))} for wd in SMITH_WDS}}


def best_peak(results, profile=None):
    """The peak of the sweep with the highest mean accuracy, and that accuracy (%)."""
    means = {peak: acc(results[peak_label(peak)]).mean() for peak in peaks(profile)}
    best = max(means, key=means.get)
    return {"best_peak": best, "best_peak_acc": float(means[best])}


def large_peak_arms(profile=None):
    labels = [peak_label(peak) for peak in peaks(profile) if peak >= 1 or peak == peak_lr(profile)]
    return seeded(peak_settings(profile), *labels)


def book_peak_label(results):
    """The label of the book's own peak among the sweep's `results`: the one not in `PEAKS`."""
    (label,) = [k for k in results if k.startswith("peak") and float(k.split()[1]) not in PEAKS]
    return label


def large_peaks(results, margin):
    book_label = book_peak_label(results)
    book = acc(results[book_label])
    high = {float(k.split()[1]): acc(rs) for k, rs in results.items() if k.startswith("peak")
            and float(k.split()[1]) >= 1}
    best = max(high, key=lambda peak: high[peak].mean())
    return (f"best peak of 1 or more: {best:g}, {fmt(high[best])}; the book's {book_label} {fmt(book)}",
            compare(high[best], book, margin), {"best": best})


def smith_arms(profile=None):
    p = get_profile(profile).name
    return seeded(peak_settings(p), smith_label(SMITH_WDS[0]), peak_label(peak_lr(p)))


def smith_cycle(results, margin):
    smith, book = acc(results[smith_label(SMITH_WDS[0])]), acc(results[book_peak_label(results)])
    return (f"Smith's cycle {fmt(smith)}, the book's {fmt(book)}", compare(smith, book, margin), {})


# ---- less data at equal iterations
def less_data_settings(profile=None):
    """The book's cycle and the step schedule of twice its budget from the better starting LR of
    {doc}`super_convergence`, on all the training images, half and a quarter of them (fixed,
    seeded subsets), each for as many more epochs (equal iterations)."""
    p = get_profile(profile)
    lr = better_step_lr(p.name)
    settings = {}
    for name, k in FRACTIONS.items():
        n = p.n_train // k
        settings[f"1cycle, {name}"] = book_cycle(p.name, n_train=n, epochs=k * p.epochs)
        settings[f"step, {name}"] = step_config(p.name, lr=lr, n_train=n, epochs=2 * k * p.epochs)
    return settings


def by_size(results):
    """{training images: (1cycle results, step results)}, fewest images first."""
    pairs = [(results[f"1cycle, {k}"], results[f"step, {k}"]) for k in reversed(FRACTIONS)]
    return {cycle[0]["config"]["n_train"]: (cycle, step) for cycle, step in pairs}


def size_gaps(results):
    """{training images: 1cycle minus step schedule}, fewest images first."""
    return {n: compare(acc(cycle), acc(step)) for n, (cycle, step) in by_size(results).items()}


def size_table(results):
    """Both schedules' accuracy at each size, and the gap between them."""
    table = pd.DataFrame({n: {"1cycle mean (%)": acc(cycle).mean(), "1cycle std (%)": acc(cycle).std(ddof=1),
                              "step mean (%)": acc(step).mean(), "step std (%)": acc(step).std(ddof=1),
                              "iterations (1cycle, step)": f"{iterations(cycle)}, {iterations(step)}"}
                          for n, (cycle, step) in by_size(results).items()}).T
    table["gap (points)"] = [c.difference for c in size_gaps(results).values()]
    table.index.name = "training images"
    return table


def size_readings(results):
    (small, gap_small), (half, gap_half), (full, gap_full) = size_gaps(results).items()
    return {"n_small": int(small), "n_half": int(half), "n_full": int(full), "gap_small_diff": gap_small.text(),
            "gap_half_diff": gap_half.text(), "gap_full_diff": gap_full.text()}


def less_data(results, margin):
    groups = [acc(results[k]) for k in ("1cycle, quarter", "step, quarter", "1cycle, all", "step, all")]
    small, full = (results[k][0]["config"]["n_train"] for k in ("1cycle, quarter", "1cycle, all"))
    gap = {"quarter": groups[0].mean() - groups[1].mean(), "all": groups[2].mean() - groups[3].mean()}
    return (f"1cycle minus step at equal iterations: {gap['quarter']:+.1f} points with {small} images, "
            f"{gap['all']:+.1f} with {full}", decide(groups, [1, -1, -1, 1], above=margin), {})


# ---- the shape of the cycle
def shape_settings(profile=None):
    """fastai's cosine cycle and Smith's linear one: same peak, budget and seeds."""
    p = get_profile(profile).name
    return {COSINE: book_cycle(p), LINEAR: book_cycle(p, name="sc-linear", schedule="linear_cycle", pct_start=0.45,
                                                      div=10, div_final=1000)}


# ---- 1cycle with Adam and AdamW
def adam_lr(profile=None):
    """Adam's peak LR by the book's rule: fastai's "minimum/10" suggestion of range tests of Adam
    (L2 1e-4), median over the seeds'."""
    p = get_profile(profile)
    config = make_config(p.name, name="sc-adam", opt="adam", wd=1e-4)
    tests = run_jobs([finder_job(c, **ADAM_FINDER) for c in with_seeds(config)])
    return float(np.median([suggestion(t, "minimum/10") for t in tests]))


def optimizer_settings(profile=None):
    """The book's cycle with SGD, and with Adam (L2) and AdamW (decoupled weight decay) at Adam's
    peak LR (`adam_lr`): the weight-decay chapter's runs of the same settings."""
    p = get_profile(profile).name
    lr = adam_lr(p)
    return {SGD: book_cycle(p), ADAM: book_cycle(p, name="sc-adam", opt="adam", lr=lr),
            ADAMW: book_cycle(p, name="sc-adamw", opt="adamw", lr=lr, wd=1e-2)}


def adam_settings(profile=None):
    return {k: c for k, c in optimizer_settings(profile).items() if k in (SGD, ADAM)}


def adam_cycle(results, margin):
    adam, sgd = acc(results[ADAM]), acc(results[SGD])
    return f"1cycle with Adam {fmt(adam)}, with SGD {fmt(sgd)}", compare(sgd, adam, margin), {}


# ---- the claims
LARGE_PEAKS = Claim(
    "one_cycle", PAPER, "Cycling to a peak LR of 1 or more beats a moderate peak",
    "cycles to LR 3 only (no number for a lower peak)", "accuracy, best peak >= 1 minus the book's peak (points)",
    "beats", arms=large_peak_arms, measure=large_peaks,
    sums_up={"held": "and it helps: the whole interval lies above zero",
             "contradicted": "but it does not help: the whole interval lies at or below zero",
             "inconclusive": "whether it helps stays open: the interval includes zero"},
    section="How high should the cycle go?")

# not in the claims table: training at such peaks works as well as at the book's peak
HIGH_PEAKS_TRAIN = Claim(
    "one_cycle", PAPER, "Cycling to a peak LR of 1 or more trains as well as a moderate peak", "",
    "accuracy, best peak >= 1 minus the book's peak (points)", "as good", arms=large_peak_arms, measure=large_peaks,
    sums_up={"held": "works: it is as good as the book's peak",
             "contradicted": "does not work as well: it trails the book's peak by more than the margin",
             "inconclusive": "may or may not work as well: the interval straddles the margin"})

# not in the claims table: Smith's own cycle to 3, with his weight decay, against the book's
SMITH_CYCLE = Claim(
    "one_cycle", PAPER, "Smith's linear cycle to 3 is as good as the book's cycle", "",
    "accuracy, Smith's cycle (WD 1e-4) minus the book's (points)", "as good", arms=smith_arms, measure=smith_cycle,
    sums_up={"held": "as good as the book's cycle",
             "contradicted": "worse than the book's cycle by more than the margin",
             "inconclusive": "not shown to be as good as the book's cycle, nor worse"})

LESS_DATA = Claim(
    "one_cycle", PAPER, "The advantage of the cycle grows as the training set shrinks", "Fig. 5a, CIFAR-10 subsets",
    "(1cycle minus step) with a quarter of the data, minus the same with all, equal iterations", "beats",
    arms=lambda p: seeded(less_data_settings(p)), measure=less_data,
    sums_up={"held": "the whole interval lies above zero: the cycle fares better relative to the step schedule "
                     "with less data, as in the paper",
             "contradicted": "the whole interval lies below zero: the cycle fares worse relative to the step "
                             "schedule with less data, unlike the paper",
             "inconclusive": "the interval includes zero: at this number of seeds we cannot tell whether the cycle "
                             "fares better or worse relative to the step schedule with less data"},
    section="Less data, larger gap?")

# not in the claims table: the book's cosine cycle against Smith's linear one
SHAPE = Claim(
    "one_cycle", PAPER, "fastai's cosine cycle is as good as Smith's linear cycle", "",
    "accuracy, cosine minus linear cycle (points)", "as good", arms=lambda p: seeded(shape_settings(p)),
    measure=difference(COSINE, LINEAR, ("cosine cycle", "linear cycle")),
    sums_up={"held": "the whole interval lies above the margin, so fastai's cycle is as good as Smith's",
             "contradicted": "the whole interval lies below the margin, so fastai's cycle trails Smith's by more "
                             "than that",
             "inconclusive": "the interval straddles the margin: at this number of seeds we cannot tell whether "
                             "fastai's cycle is as good as Smith's"})

ADAM_CYCLE = Claim(
    "one_cycle", FORUM, "1cycle works badly with Adam", "reported, no number", "accuracy, SGD minus Adam (points)",
    "beats", arms=lambda p: seeded(adam_settings(p)), measure=adam_cycle,
    sums_up={"held": "reproduced: SGD is ahead of Adam, and the whole interval lies above zero",
             "contradicted": "did not reproduce: with its peak taken from a range test, Adam is ahead of SGD, and "
                             "the whole interval lies below zero",
             "inconclusive": "was neither reproduced nor refuted: the interval includes zero, so at this number of "
                             "seeds Adam and SGD cannot be told apart"},
    section="1cycle with Adam and AdamW")

CLAIMS = [LARGE_PEAKS, LESS_DATA, ADAM_CYCLE]

"""The super-convergence chapter: a linear range test up to LR 3, the step schedule doubled until
it plateaus against 1cycle at fractions of its iterations, the cycle's peak LR, less data at equal
iterations, and 1cycle with Adam (Smith and Topin 2017)."""
import numpy as np

from ..analysis import acc, compare, decide, fmt, one_sample, plateau, smooth
from ..claim import Claim, bound, seeded
from ..config import cycle_config, make_config, step_config, with_seeds
from ..paper import FORUM, SC as PAPER
from ..profiles import get_profile
from ..runs import finder_job, range_test, run_seeds
from ..suggestions import suggestions

STEP_LRS = (0.1, 0.4)  # the step schedule's starting LRs: He et al.'s and the cycle's peak
PEAKS = (0.1, 0.2, 0.4, 1.0, 2.0, 3.0)  # the cycle's peak LRs of the super-convergence sweep
STEP_LONGEST = 4  # the step schedule is doubled up to this many times the profile's budget
WIDE = dict(start_lr=1e-3, end_lr=3.0, scale="linear", stop_div=False)
ADAM_FINDER = dict(start_lr=1e-6, end_lr=1.0)


def wide_arms(profile=None):
    """{"wide": [linear range test up to LR 3, per seed]}."""
    p = get_profile(profile).name
    return {"wide": [finder_job(c, **WIDE) for c in with_seeds(make_config(p, name="sc-wide"))]}


def first_steps(profile=None):
    """{starting LR: step schedule of twice the budget}."""
    p = get_profile(profile)
    return {lr: step_config(p.name, lr=lr, epochs=2 * p.epochs) for lr in STEP_LRS}


def step_doubling(profile=None):
    """The better starting LR of `first_steps`, and {epochs: results} of the step schedule from it,
    doubled from twice the budget until it plateaus (`analysis.plateau`) or reaches
    `STEP_LONGEST` budgets."""
    p = get_profile(profile)
    first = run_seeds(first_steps(p.name))
    lr = max(STEP_LRS, key=lambda s: acc(first[s]).mean())
    steps = {2 * p.epochs: first[lr]}
    while plateau({e: acc(rs) for e, rs in steps.items()}, bound("plateau")) is None \
            and max(steps) < STEP_LONGEST * p.epochs:
        e = 2 * max(steps)
        steps[e] = run_seeds({e: step_config(p.name, lr=lr, epochs=e)})[e]
    return lr, steps


def step_plateau(profile=None):
    """(starting LR, epochs) of the step schedule at its plateau (the longest length trained
    when none was reached)."""
    lr, steps = step_doubling(profile)
    return lr, plateau({e: acc(rs) for e, rs in steps.items()}, bound("plateau")) or max(steps)


def short_cycle_arms(profile=None):
    p = get_profile(profile).name
    lr, epochs = step_plateau(p)
    return seeded({"1cycle": cycle_config(p, epochs=max(1, epochs // 8)),
                   "step": step_config(p, lr=lr, epochs=epochs)})


def peak_label(peak):
    return f"peak {peak:g}"


def less_data_settings(profile=None):
    """1cycle and the better step schedule with all the images and with a quarter of them for
    four times the epochs (equal iterations)."""
    p = get_profile(profile)
    lr, n = step_plateau(p.name)[0], p.n_train // 4
    return {"1cycle, all": cycle_config(p.name), "step, all": step_config(p.name, lr=lr, epochs=2 * p.epochs),
            "1cycle, quarter": cycle_config(p.name, n_train=n, epochs=4 * p.epochs),
            "step, quarter": step_config(p.name, lr=lr, n_train=n, epochs=8 * p.epochs)}


def adam_lr(profile=None):
    """fastai's "minimum/10" suggestion of a range test of Adam (L2 1e-4)."""
    p = get_profile(profile).name
    return float(suggestions(range_test(make_config(p, name="sc-adam", opt="adam", wd=1e-4),
                                        **ADAM_FINDER))["minimum/10"])


def adam_settings(profile=None):
    p = get_profile(profile).name
    return {"SGD": cycle_config(p), "Adam": cycle_config(p, name="sc-adam", opt="adam", lr=adam_lr(p))}


def iterations(results):
    return len(results[0]["history"]["iteration"]["lr"])


def large_lrs(results, margin):
    finders = results["wide"]
    where = [f["lr"][int(np.argmax(smooth(f["valid_metrics"]["accuracy"])))] / f["lr"][-1] for f in finders]
    return (f"smoothed accuracy highest at {np.median(where):.2f} of a 0-{finders[0]['lr'][-1]:.0f} linear range",
            one_sample(where, above=margin), {"where": where})


def short_cycle(results, margin):
    cycle, step = results["1cycle"], results["step"]
    return (f"1cycle {fmt(acc(cycle))} in {iterations(cycle)} iterations; step schedule (LR "
            f"{step[0]['config']['lr']:g}) at its plateau {fmt(acc(step))} in {iterations(step)}",
            compare(acc(cycle), acc(step), margin), {})


def large_peaks(results, margin):
    book = acc(results[peak_label(0.4)])
    high = {peak: acc(results[peak_label(peak)]) for peak in PEAKS if peak >= 1}
    best = max(high, key=lambda peak: high[peak].mean())
    return (f"best peak of {best:g} or more: {best:g}, {fmt(high[best])}; peak 0.4 {fmt(book)}",
            compare(high[best], book, margin), {"best": best})


def less_data(results, margin):
    groups = [acc(results[k]) for k in ("1cycle, quarter", "step, quarter", "1cycle, all", "step, all")]
    small, full = (results[k][0]["config"]["n_train"] for k in ("1cycle, quarter", "1cycle, all"))
    gap = {"quarter": groups[0].mean() - groups[1].mean(), "all": groups[2].mean() - groups[3].mean()}
    return (f"1cycle minus step at equal iterations: {gap['quarter']:+.1f} points with {small} images, "
            f"{gap['all']:+.1f} with {full}", decide(groups, [1, -1, -1, 1], above=margin), {})


def adam_cycle(results, margin):
    adam, sgd = acc(results["Adam"]), acc(results["SGD"])
    return f"1cycle with Adam {fmt(adam)}, with SGD {fmt(sgd)}", compare(sgd, adam, margin), {}


LARGE_LRS = Claim(
    "one_cycle", PAPER, "Very large learning rates still train (linear range test)",
    "ResNet-56: accuracy high up to LR 3", "where the accuracy peaks, as a fraction of the largest LR",
    "top of range", arms=wide_arms, measure=large_lrs, unit="", digits=2)

SHORT_CYCLE = Claim(
    "one_cycle", PAPER, "A cycle with an eighth of the iterations is as good as a step schedule at its plateau",
    "92.4% in 10k iterations against 91.2% in 80k", "accuracy, 1cycle minus step (points)", "as good",
    arms=short_cycle_arms, measure=short_cycle)

LARGE_PEAKS = Claim(
    "one_cycle", PAPER, "Cycling to a peak LR of 1 or more beats a moderate peak",
    "one cycle to LR 3: 92.4% against 91.2% for the step schedule", "accuracy, best peak >= 1 minus peak 0.4 (points)",
    "beats", arms=lambda p: seeded({peak_label(peak): cycle_config(p, lr=peak) for peak in PEAKS
                                    if peak >= 1 or peak == 0.4}),
    measure=large_peaks)

LESS_DATA = Claim(
    "one_cycle", PAPER, "The advantage of the cycle grows as the training set shrinks", "Fig. 5a, CIFAR-10 subsets",
    "(1cycle minus step) with a quarter of the data, minus the same with all, equal iterations", "beats",
    arms=lambda p: seeded(less_data_settings(p)), measure=less_data)

ADAM_CYCLE = Claim(
    "one_cycle", FORUM, "1cycle works badly with Adam", "reported, no number", "accuracy, SGD minus Adam (points)",
    "beats", arms=lambda p: seeded(adam_settings(p)), measure=adam_cycle)

CLAIMS = [LARGE_LRS, SHORT_CYCLE, LARGE_PEAKS, LESS_DATA, ADAM_CYCLE]

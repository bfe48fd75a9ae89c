"""The super-convergence chapter: a linear range test up to LR 3, the step schedule doubled until
it plateaus against 1cycle at fractions of its iterations, the cycle's peak LR, less data at equal
iterations, the shape of the cycle, 1cycle with Adam, and the gradients during a cycle (Smith and
Topin 2017)."""
import numpy as np
import pandas as pd

from ..analysis import acc, compare, decide, fmt, one_sample, plateau, smooth, summary_table
from ..claim import Claim, bound, difference, seeded
from ..config import cycle_config, make_config, step_config, with_seeds
from ..paper import FORUM, PAPER as NUMBERS, SC as PAPER
from ..profiles import get_profile
from ..runs import finder_job, run_jobs, run_seeds, seeded_finder_jobs
from ..suggestions import suggestions
from .range_test import peak_lr

STEP_LRS = (0.1, 0.4)  # the step schedule's starting LRs: He et al.'s and the cycle's peak
PEAKS = (0.1, 0.2, 0.4, 1.0, 2.0, 3.0)  # the cycle's peak LRs of the super-convergence sweep
STEP_LONGEST = 4  # the step schedule is doubled up to this many times the profile's budget
SHARES = (8, 4, 2, 1)  # the cycles get 1/8, 1/4, 1/2 and all of the plateau's iterations
WIDE = dict(start_lr=1e-3, end_lr=3.0, scale="linear", stop_div=False)
USABLE = 5  # points: the wide test's accuracy is "usable" within this much of its peak
ADAM_FINDER = dict(start_lr=1e-6, end_lr=1.0)
SMITH = "Smith: linear 0.1 to 3, WD 1e-5"
COSINE, LINEAR = "fastai fit_one_cycle (cosine)", "Smith's linear cycle (helpers)"
SGD, ADAM, ADAMW = "SGD (the cycle above)", "Adam, L2 1e-4", "AdamW, decoupled 1e-2"


def epochs_label(e):
    return f"{e} epoch{'s' if e > 1 else ''}"


def cycle_label(e):
    return f"1cycle, {epochs_label(e)}"


def step_label(lr, e):
    return f"step, LR {lr:g}, {epochs_label(e)}"


def arm(results, prefix):
    """The results of the one setting whose label starts with `prefix`."""
    (found,) = [rs for label, rs in results.items() if label.startswith(prefix)]
    return found


def iterations(results):
    return len(results[0]["history"]["iteration"]["lr"])


def seed_table(results, columns=None):
    """`analysis.summary_table` of the final accuracies (no diverged runs here), after the
    columns {name: f([result per seed])}."""
    table = summary_table(results).drop(columns="diverged runs")
    for i, (name, f) in enumerate((columns or {}).items()):
        table.insert(i, name, [f(rs) for rs in results.values()])
    return table


def accuracies(table, keys):
    """{key_acc, key_std: mean and std (%) of the row `label` of a `seed_table`} for {key: label}."""
    return {f"{key}_{what}": float(table.loc[label, f"{column} (%)"])
            for key, label in keys.items() for what, column in (("acc", "mean"), ("std", "std"))}


# ---- how high the learning rate can go: a linear range test up to 3
def wide_arms(profile=None):
    """{"wide": [linear range test up to LR 3, per seed]}."""
    p = get_profile(profile).name
    return seeded_finder_jobs({"wide": make_config(p, name="sc-wide")}, **WIDE)


def wide_tests(profile=None):
    """The linear range tests up to LR 3, one per seed."""
    return run_jobs(wide_arms(profile)["wide"])


def wide_readings(finders, profile=None):
    """What the chapter reads off the wide tests (medians over seeds), and where the cycles' peak
    lies on them and against the range-test chapter's suggestion."""
    curves = [100 * smooth(f["valid_metrics"]["accuracy"]) for f in finders]
    usable = float(np.median([f["lr"][int(np.nonzero(a >= a.max() - USABLE)[0][-1])]
                              for f, a in zip(finders, curves)]))
    book_peak, range_lr = cycle_config(profile).lr, peak_lr(profile, earlier=True)
    where = "inside" if book_peak <= usable else "beyond"
    return {"wide_peak_lr": float(np.median([f["lr"][int(np.argmax(a))] for f, a in zip(finders, curves)])),
            "wide_peak_acc": float(np.median([a.max() for a in curves])),
            "wide_end_acc": float(np.median([a[-1] for a in curves])),
            "wide_usable_lr": usable, "wide_end_lr": float(finders[0]["lr"][-1]),
            "book_peak": book_peak, "range_lr": range_lr, "peak_ratio": book_peak / range_lr,
            "peak_where": f"{where} the range where the accuracy above stays within {USABLE} points of its "
                          "highest value"}


def large_lrs(results, margin):
    finders = results["wide"]
    where = [f["lr"][int(np.argmax(smooth(f["valid_metrics"]["accuracy"])))] / f["lr"][-1] for f in finders]
    return (f"smoothed accuracy highest at {np.median(where):.2f} of a 0-{finders[0]['lr'][-1]:.0f} linear range",
            one_sample(where, above=margin), {"where": where})


# ---- the headline: cycles against the step schedule at its plateau
def first_steps(profile=None):
    """{starting LR: step schedule of twice the budget}."""
    p = get_profile(profile)
    return {lr: step_config(p.name, lr=lr, epochs=2 * p.epochs) for lr in STEP_LRS}


def plateau_of(steps):
    """The plateau (`analysis.plateau`) of the step schedule's {epochs: results}, or None when
    every doubling still gains."""
    return plateau({e: acc(rs) for e, rs in steps.items()}, bound("plateau"))


def step_doubling(profile=None):
    """The better starting LR of `first_steps`, and {epochs: results} of the step schedule from it,
    doubled from twice the budget until it plateaus (`analysis.plateau`) or reaches
    `STEP_LONGEST` budgets."""
    p = get_profile(profile)
    first = run_seeds(first_steps(p.name))
    lr = max(STEP_LRS, key=lambda s: acc(first[s]).mean())
    steps = {2 * p.epochs: first[lr]}
    while plateau_of(steps) is None and max(steps) < STEP_LONGEST * p.epochs:
        e = 2 * max(steps)
        steps[e] = run_seeds({e: step_config(p.name, lr=lr, epochs=e)})[e]
    return lr, steps


def step_plateau(profile=None):
    """(starting LR, epochs) of the step schedule at its plateau (the longest length trained
    when none was reached)."""
    lr, steps = step_doubling(profile)
    return lr, plateau_of(steps) or max(steps)


def shares(epochs):
    """{k: epochs of the cycle with 1/k of the iterations of `epochs`} for k in `SHARES`."""
    return {k: max(1, epochs // k) for k in SHARES}


def headline_settings(profile=None):
    """{label: config}: the cycles with a share of the step plateau's iterations, the step schedule
    from both starting LRs at twice the budget, and the better one at each length it was doubled
    to."""
    p = get_profile(profile)
    lr, steps = step_doubling(p.name)
    return {**{cycle_label(e): cycle_config(p.name, epochs=e)
               for e in sorted(set(shares(step_plateau(p.name)[1]).values()))},
            **{step_label(s, 2 * p.epochs): c for s, c in first_steps(p.name).items()},
            **{step_label(lr, e): step_config(p.name, lr=lr, epochs=e) for e in steps}}


def main_labels(profile=None):
    """The labels of the full-budget cycle and of the step schedule at its plateau."""
    lr, epochs = step_plateau(profile)
    return cycle_label(get_profile(profile).epochs), step_label(lr, epochs)


def against_plateau(results, profile=None):
    """{k: the cycle with 1/k of the plateau's iterations minus the step schedule at its plateau,
    "as good" (within the margin)} from the chapter's `headline_settings` results."""
    lr, epochs = step_plateau(profile)
    step = acc(results[step_label(lr, epochs)])
    return {k: compare(acc(results[cycle_label(e)]), step, bound("as good")) for k, e in shares(epochs).items()}


def shares_table(results, profile=None):
    """`against_plateau` as a table, one row per cycle."""
    lr, epochs = step_plateau(profile)
    step_iters = iterations(results[step_label(lr, epochs)])
    return pd.DataFrame({
        f"{epochs_label(shares(epochs)[k])} ({step_iters // k} iterations)": {
            "share of the plateau's iterations": f"1/{k}", "1cycle minus step (points)": c.difference,
            "ci_low": c.ci_low, "ci_high": c.ci_high, "as good (within the margin)": c.verdict}
        for k, c in against_plateau(results, profile).items()}).T


def ratio_words(ratio):
    """The chapter's words for the largest share 1/`ratio` of the plateau's iterations at which a
    cycle was shown to be as good (None: at no share)."""
    if ratio is None:
        return ("**no cycle was shown to be as good as the step schedule at its plateau**, not even with as "
                "many iterations")
    if ratio == 1:
        return "the cycle was shown to be as good only when given as many iterations as the step schedule"
    return f"the largest share at which the cycle was shown to be as good is **1/{ratio}** of the step schedule's " \
           "iterations"


def plateau_readings(results, profile=None):
    """What the chapter says about the step schedule's doubling and the shares of its plateau at
    which a cycle was shown to be as good."""
    p = get_profile(profile)
    lr, steps = step_doubling(p.name)
    reached = plateau_of(steps)
    epochs = reached or max(steps)
    step = acc(steps[epochs])
    gains = {e: compare(acc(steps[2 * e]), acc(steps[e]), bound("plateau")) for e in sorted(steps) if 2 * e in steps}
    held = [k for k, c in against_plateau(results, p.name).items() if c.verdict == "held"]
    return {
        "step_lr": lr, "plateau_iters": iterations(steps[epochs]),
        "step_acc": float(step.mean()), "step_std": float(step.std(ddof=1)), "gain": bound("plateau"),
        "longest": STEP_LONGEST, "gains": "; ".join(f"from {e} to {2 * e} epochs {c.text()}" for e, c in gains.items()),
        "plateau_words": f"its plateau is {epochs} epochs" if reached else
        f"it was still gaining at {epochs} epochs, the longest run this profile allows, so that run stands in "
        "for its plateau, and the cycles are compared with a step schedule short of its best",
        "ratio_words": ratio_words(max(held) if held else None),
        "as_good": -bound("as good"), "n_seeds": len(p.seeds)}


def paper_vs_book(results, profile=None):
    """The paper's cycle and step schedule beside ours: the cycle with an eighth of the plateau's
    iterations and the step schedule at its plateau."""
    p = get_profile(profile)
    lr, epochs = step_plateau(p.name)

    def book(label):
        a = acc(results[label])
        return {"": f"book: {label}", "setting": f"ResNet-{p.depth}, {p.dataset}, {p.n_train} images",
                "iterations": iterations(results[label]), "accuracy (%)": f"{a.mean():.2f} ± {a.std(ddof=1):.2f}"}
    return pd.DataFrame([
        {"": "paper: 1cycle", "setting": NUMBERS["sc_cycle"]["setting"], "iterations": 10_000,
         "accuracy (%)": NUMBERS["sc_cycle"]["value"]},
        {"": "paper: piecewise constant", "setting": NUMBERS["sc_step"]["setting"], "iterations": 80_000,
         "accuracy (%)": NUMBERS["sc_step"]["value"]},
        book(cycle_label(shares(epochs)[8])), book(step_label(lr, epochs))]).set_index("")


def against_plateau_arms(share):
    """The arms of a cycle with 1/`share` of the plateau's iterations against the step schedule at
    its plateau."""
    def arms(profile=None):
        p = get_profile(profile).name
        lr, epochs = step_plateau(p)
        e = shares(epochs)[share]
        return seeded({cycle_label(e): cycle_config(p, epochs=e),
                       step_label(lr, epochs): step_config(p, lr=lr, epochs=epochs)})
    return arms


short_cycle_arms = against_plateau_arms(8)


def short_cycle(results, margin):
    cycle, step = arm(results, "1cycle"), arm(results, "step")
    return (f"1cycle {fmt(acc(cycle))} in {iterations(cycle)} iterations; step schedule (LR "
            f"{step[0]['config']['lr']:g}) at its plateau {fmt(acc(step))} in {iterations(step)}",
            compare(acc(cycle), acc(step), margin), {})


# ---- how high the cycle should go
def peak_label(peak):
    return f"peak {peak:g}"


def peak_settings(profile=None):
    """{label: config}: the cycle at each peak of `PEAKS`, and Smith's own cycle, linear from 0.1 to
    3 and back for 45% of the run each, then annihilated, with a tenth of the weight decay."""
    p = get_profile(profile).name
    return {**{peak_label(peak): cycle_config(p, lr=peak) for peak in PEAKS},
            SMITH: cycle_config(p, name="sc-smith-3", schedule="linear_cycle", lr=3.0, pct_start=0.45, div=30,
                                div_final=3000, wd=1e-5)}


def peak_intervals(results):
    """{line label: {peak: mean with its 95% interval}} of the sweep, for the figure."""
    def mean(label):
        return one_sample(acc(results[label]))
    return {"fastai's cycle, mean with 95% interval": {peak: mean(peak_label(peak)) for peak in PEAKS},
            SMITH: {3.0: mean(SMITH)}}


def large_peak_arms(profile=None):
    return seeded(peak_settings(profile), *[peak_label(peak) for peak in PEAKS if peak >= 1 or peak == 0.4])


def large_peaks(results, margin):
    book = acc(results[peak_label(0.4)])
    high = {peak: acc(results[peak_label(peak)]) for peak in PEAKS if peak >= 1}
    best = max(high, key=lambda peak: high[peak].mean())
    return (f"best peak of {best:g} or more: {best:g}, {fmt(high[best])}; peak 0.4 {fmt(book)}",
            compare(high[best], book, margin), {"best": best})


# ---- less data at equal iterations
def less_data_settings(profile=None):
    """1cycle and the better step schedule with all the images and with a quarter of them for
    four times the epochs (equal iterations)."""
    p = get_profile(profile)
    lr, n = step_plateau(p.name)[0], p.n_train // 4
    return {"1cycle, all": cycle_config(p.name), "step, all": step_config(p.name, lr=lr, epochs=2 * p.epochs),
            "1cycle, quarter": cycle_config(p.name, n_train=n, epochs=4 * p.epochs),
            "step, quarter": step_config(p.name, lr=lr, n_train=n, epochs=8 * p.epochs)}


def by_size(results):
    """{training images: (1cycle results, step results)}, fewest images first."""
    pairs = [(results[f"1cycle, {k}"], results[f"step, {k}"]) for k in ("quarter", "all")]
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
    (small, gap_small), (full, gap_full) = size_gaps(results).items()
    return {"n_small": int(small), "n_full": int(full), "gap_small_diff": gap_small.text(),
            "gap_full_diff": gap_full.text()}


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
    return {COSINE: cycle_config(p), LINEAR: cycle_config(p, name="sc-linear", schedule="linear_cycle", pct_start=0.45,
                                                          div=10, div_final=1000)}


# ---- 1cycle with Adam and AdamW
def adam_lr(profile=None, earlier=False):
    """Adam's peak LR by the book's rule: fastai's "minimum/10" suggestion of range tests of Adam
    (L2 1e-4), median over the seeds'; `earlier`, the one 100-iteration test this chapter read
    before issue 20 (see `helpers.profiles`)."""
    p = get_profile(profile)
    config = make_config(p.name, name="sc-adam", opt="adam", wd=1e-4, n_test=0 if earlier else p.n_test)
    tests = run_jobs([finder_job(c, **ADAM_FINDER) for c in ([config] if earlier else with_seeds(config))])
    return float(np.median([suggestions(t)["minimum/10"] for t in tests]))


def optimizer_settings(profile=None):
    """The cycle with SGD, and with Adam (L2) and AdamW (decoupled weight decay) at the peak of
    Adam's range test."""
    p = get_profile(profile).name
    lr = adam_lr(p, earlier=True)
    return {SGD: cycle_config(p), ADAM: cycle_config(p, name="sc-adam", opt="adam", lr=lr),
            ADAMW: cycle_config(p, name="sc-adamw", opt="adamw", lr=lr, wd=1e-2)}


def adam_settings(profile=None):
    return {k: c for k, c in optimizer_settings(profile).items() if k in (SGD, ADAM)}


def adam_cycle(results, margin):
    adam, sgd = acc(results[ADAM]), acc(results[SGD])
    return f"1cycle with Adam {fmt(adam)}, with SGD {fmt(sgd)}", compare(sgd, adam, margin), {}


# ---- gradients during the cycle
CYCLE_PEAK, STEP_CONSTANT = (0.2, 0.3), (0.2, 0.5)  # stretches of a run, as fractions of its iterations


def mean_grad(results, stretch):
    """Per seed: the mean absolute gradient over `stretch` (start, stop) of the run."""
    def one(g):
        return float(np.mean(g[int(stretch[0] * len(g)):int(stretch[1] * len(g))]))
    return np.array([one(r["history"]["iteration"]["mean_abs_grad"]) for r in results])


def gradient_means(cycle, step):
    """The mean absolute gradient (mean over seeds) of a cycle around its peak and in its last
    tenth, and of a step schedule in its constant first half and its last tenth."""
    return {key: float(mean_grad(results, stretch).mean()) for key, results, stretch in (
        ("grad_cycle_peak", cycle, CYCLE_PEAK), ("grad_cycle_end", cycle, (0.9, 1)),
        ("grad_step_first", step, STEP_CONSTANT), ("grad_step_end", step, (0.9, 1)))}


def gradient_arms(profile=None):
    """The full-budget cycle and the step schedule at its plateau, as the chapter labels them."""
    p = get_profile(profile).name
    lr, epochs = step_plateau(p)
    cycle, step = main_labels(p)
    return seeded({cycle: cycle_config(p), step: step_config(p, lr=lr, epochs=epochs)})


def gradients(results, margin):
    cycle, step = arm(results, "1cycle"), arm(results, "step")
    c, s = 1000 * mean_grad(cycle, CYCLE_PEAK), 1000 * mean_grad(step, STEP_CONSTANT)
    ratio = cycle[0]["config"]["lr"] / step[0]["config"]["lr"]
    return (f"mean |gradient| (x1e-3) {s.mean():.2f} in the step schedule's constant first half, {c.mean():.2f} "
            f"around the cycle's peak at {ratio:g} times its LR", compare(s, c, margin), {"lr_ratio": ratio})


# ---- the claims
def beats_words(a, b):
    """The chapter's phrases for "`a` beats `b`"."""
    return {"held": f"the whole interval lies above zero, so {a} is better",
            "contradicted": f"the whole interval lies below zero, so {b} is better",
            "inconclusive": "the interval includes zero: at this number of seeds the two cannot be told apart"}


LARGE_LRS = Claim(
    "one_cycle", PAPER, "Very large learning rates still train (linear range test)",
    "ResNet-56: accuracy high up to LR 3", "where the accuracy peaks, as a fraction of the largest LR",
    "top of range", arms=wide_arms, measure=large_lrs, unit="", digits=2,
    sums_up={"held": "peaks in the last tenth of the range (the whole 95% interval of where it peaks lies there): "
                     "nothing in this test stops the network from training at learning rates far above the ones "
                     "usually used, the condition for super-convergence",
             "contradicted": "peaks before the last tenth of the range (the whole 95% interval of where it peaks "
                             "lies there) and falls after it: the largest usable learning rate is where it starts "
                             "to fall",
             "inconclusive": "peaks somewhere near the last tenth of the range, but the 95% interval of where it "
                             "peaks straddles the start of that tenth: at this number of seeds the test cannot say "
                             "whether the accuracy is still rising at the end"})

SHORT_CYCLE = Claim(
    "one_cycle", PAPER, "A cycle with an eighth of the iterations is as good as a step schedule at its plateau",
    "92.4% in 10k iterations against 91.2% in 80k", "accuracy, 1cycle minus step (points)", "as good",
    arms=short_cycle_arms, measure=short_cycle,
    sums_up={"held": "held: a cycle with an eighth of the iterations is as good as the step schedule at its plateau",
             "contradicted": "was contradicted: a cycle with an eighth of the iterations trails the step schedule "
                             "at its plateau by more than the margin",
             "inconclusive": "stays open: the interval of a cycle with an eighth of the iterations straddles the "
                             "margin"})

# not in the claims table: the cycle given all of the plateau's iterations
EQUAL_ITERATIONS = Claim(
    "one_cycle", PAPER, "At equal iterations the cycle beats the step schedule at its plateau", "",
    "accuracy, 1cycle minus step (points)", "beats", arms=against_plateau_arms(1), measure=short_cycle,
    sums_up=beats_words("the cycle", "the step schedule"))

LARGE_PEAKS = Claim(
    "one_cycle", PAPER, "Cycling to a peak LR of 1 or more beats a moderate peak",
    "one cycle to LR 3: 92.4% against 91.2% for the step schedule", "accuracy, best peak >= 1 minus peak 0.4 (points)",
    "beats", arms=large_peak_arms, measure=large_peaks,
    sums_up={"held": "and it helps: the whole interval lies above zero",
             "contradicted": "but it does not help: the whole interval lies at or below zero",
             "inconclusive": "whether it helps stays open: the interval includes zero"})

# not in the claims table: training at such peaks works as well as at 0.4
HIGH_PEAKS_TRAIN = Claim(
    "one_cycle", PAPER, "Cycling to a peak LR of 1 or more trains as well as a moderate peak", "",
    "accuracy, best peak >= 1 minus peak 0.4 (points)", "as good", arms=large_peak_arms, measure=large_peaks,
    sums_up={"held": "works: it is as good as the peak of 0.4",
             "contradicted": "does not work as well: it trails the peak of 0.4 by more than the margin",
             "inconclusive": "may or may not work as well: the interval straddles the margin"})

# not in the claims table: Smith's own cycle to 3 against the book's
SMITH_CYCLE = Claim(
    "one_cycle", PAPER, "Smith's linear cycle to 3 is as good as the book's cycle to 0.4", "",
    "accuracy, Smith's cycle minus peak 0.4 (points)", "as good",
    arms=lambda p: seeded(peak_settings(p), SMITH, peak_label(0.4)),
    measure=difference(SMITH, peak_label(0.4), ("Smith's cycle", "peak 0.4")),
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
                             "fares better or worse relative to the step schedule with less data"})

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
                             "seeds Adam and SGD cannot be told apart"})

CLAIMS = [LARGE_LRS, SHORT_CYCLE, LARGE_PEAKS, LESS_DATA, ADAM_CYCLE]

# not in the claims table: the forum thread's question about the gradients at a large LR
GRADIENTS = Claim(
    "one_cycle", FORUM, "Around its large peak LR the cycle's gradients are smaller than the step schedule's at "
    "its constant LR", "plotted, no number", "mean |gradient| x 1e-3, step schedule's constant first half minus "
    "the cycle's peak", "beats", arms=gradient_arms, measure=gradients, unit="", digits=2,
    says={"held": "the whole interval lies above zero: at {lr_ratio:g} times the step schedule's learning rate, "
                  "the cycle's gradients are smaller than the step schedule's, not larger, so its steps are large "
                  "because its learning rate is, not its gradients",
          "contradicted": "the whole interval lies at or below zero: around its peak the cycle's gradients are "
                          "at least as large as the step schedule's at its constant learning rate",
          "inconclusive": "the interval includes zero: at this number of seeds the two cannot be told apart"})

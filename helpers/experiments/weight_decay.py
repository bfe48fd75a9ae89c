"""The weight-decay chapter: range tests per weight decay, 1cycle over a coarse grid of weight
decays refined around the best, a momentum x weight decay grid, and L2 against decoupled weight
decay with Adam (Smith 2018; Loshchilov and Hutter 2019)."""
import numpy as np
import pandas as pd

from dataclasses import replace

from ..analysis import acc, compare, fmt, highest_mean, smooth, summary_table
from ..claim import Claim, bound, difference, minus, seeded
from ..paper import DISCIPLINED as PAPER
from ..profiles import get_profile
from ..runs import run_job_grid, run_seeds, seeded_finder_jobs
from ..suggestions import suggestion
from .momentum import lead_of_best, mean_and_std, settings as momentum_settings
from .one_cycle import adam_lr
from .range_test import book_cycle

ADAMW_PAPER = "Decoupled weight decay regularization (2019)"
COARSE = (1e-3, 1e-4, 1e-5, 1e-6, 0.0)
SMALLEST = min(wd for wd in COARSE if wd > 0)  # refined around when 0 is best: zero has no exponent to halve
FINDER_WDS = (1e-2, 1e-3, 1e-4, 0.0)
FINDER = dict(start_lr=1e-5, end_lr=10)
GRID_MOMENTUMS = ("cyclical 0.95-0.85", "cyclical 0.99-0.90", "constant 0.9")  # of the momentum chapter
GRID_WDS = (1e-3, 1e-4, 1e-5)
ADAM, ADAMW = "Adam (L2)", "AdamW (decoupled)"


def label(wd):
    """A weight decay as the chapter writes it: '1e-04', or '0'."""
    return "0" if wd == 0 else f"{wd:.0e}"


def finders(profile=None):
    """{weight decay: [range test per seed]} of the book's 1cycle model."""
    p = get_profile(profile).name
    configs = {wd: book_cycle(p, name="wd", wd=wd) for wd in FINDER_WDS}
    return run_job_grid(seeded_finder_jobs(configs, **FINDER))


def finder_table(finders):
    """Per weight decay, medians over the seeds' range tests: the lowest smoothed validation loss,
    the LR there, and fastai's "minimum/10" suggestion; and the spread of the lowest loss."""
    def row(tests):
        valid = [smooth(f["valid_loss"]) for f in tests]
        lows = [float(np.nanmin(v)) for v in valid]
        return {"lowest smoothed validation loss": float(np.median(lows)),
                "its spread over seeds": max(lows) - min(lows),
                "at LR": float(np.median([f["lr"][int(np.nanargmin(v))] for f, v in zip(tests, valid)])),
                "minimum/10 suggestion": float(np.median([suggestion(f, "minimum/10") for f in tests]))}
    return pd.DataFrame({label(wd): row(fs) for wd, fs in finders.items()}).T.rename_axis("weight decay")


def finder_findings(table):
    """The glued words of a `finder_table`: the lowest median loss and its weight decay, the
    values within the seeds' spread of it (which these tests cannot rank) and a sentence on those
    that stand apart, with their minimum/10 suggestion against the lowest one's."""
    lows, spread = table["lowest smoothed validation loss"], float(table["its spread over seeds"].max())
    best = lows.idxmin()
    close = [wd for wd in lows.index if lows[wd] - lows[best] <= spread]
    suggestion = table["minimum/10 suggestion"]
    apart = [f"weight decay {wd}, higher by {lows[wd] - lows[best]:.3f}, with a minimum/10 suggestion of "
             f"{suggestion[wd]:.3g} against {suggestion[best]:.3g}" for wd in lows.index if wd not in close]
    return {"wd_finder_best": best, "wd_finder_low": float(lows[best]), "wd_finder_spread": spread,
            "wd_finder_close": ", ".join(close[:-1]) + " and " + close[-1] if len(close) > 1 else close[0],
            "wd_finder_close_range": float(lows[close].max() - lows[best]),
            "wd_finder_apart": ("Standing apart: " + "; ".join(apart) + ". A decay that large acts within a few "
                                "hundred iterations, and it moves the learning rate a range test suggests.")
                               if apart else "No value stands apart from the others."}


def at(wds, profile=None):
    """{weight decay: the book's 1cycle run with it} for each of `wds`."""
    book = book_cycle(profile)
    return {wd: replace(book, wd=wd) for wd in wds}


def coarse(profile=None):
    """{weight decay: 1cycle config} of the coarse grid, powers of ten."""
    return at(COARSE, profile)


def best_coarse(results):
    """The weight decay of the coarse grid with the best mean accuracy."""
    return max(COARSE, key=lambda w: acc(results[w]).mean())


def fine(results):
    """The refinement: half an exponent either side of the best weight decay of the coarse grid's
    `results` (of its smallest non-zero value when 0 is best)."""
    best = best_coarse(results)
    nonzero = best if best > 0 else SMALLEST
    return tuple(float(f"{nonzero * 10 ** e:.0e}") for e in (0.5, -0.5))


def refined(results, profile=None):
    """{weight decay: 1cycle config} of the refinement (`fine`) of the coarse grid's `results`."""
    return at(fine(results), profile)


def searched(profile=None):
    """{weight decay: 1cycle config} of the coarse grid and its refinement (the coarse grid is
    trained, or read back, to place the refinement)."""
    grid = coarse(profile)
    return {**grid, **refined(run_seeds(grid), profile)}


def search(profile=None):
    """{weight decay: [result per seed]} of the coarse grid and its refinement, and the weight
    decay with the best mean accuracy."""
    results = run_seeds(searched(profile))
    return results, highest_mean(results)


def within_reach(results):
    """The weight decay of {wd: [result per seed]} with the best mean accuracy, and each other
    value minus it with the "as good" margin: {wd: Comparison}, largest weight decay first."""
    order = sorted(results, reverse=True)
    best = max(order, key=lambda w: acc(results[w]).mean())
    return best, {w: compare(acc(results[w]), acc(results[best]), bound("as good")) for w in order if w != best}


def findings(results, decision):
    """The glued words and numbers of the grid and its refinement ({wd: [result per seed]}),
    beside the decision on 10⁻⁴: the best value, which values are within the margin of it, and
    the lowest mean."""
    table = summary_table({w: results[w] for w in sorted(results, reverse=True)})
    best, reach = within_reach(results)
    worst = table["mean (%)"].idxmin()

    def listed(verdict):
        return "; ".join(f"{label(w)}, {c.text()}" for w, c in reach.items() if c.verdict == verdict) or "none"

    why = f" (half an exponent either side of {label(SMALLEST)}, the smallest non-zero value, since zero has " \
          "no exponent to halve)" if best_coarse(results) == 0 else ""
    return {
        "wd_best_coarse": label(best_coarse(results)),
        "wd_fine": " and ".join(label(w) for w in fine(results)) + why,
        "wd_best": label(best), **mean_and_std(table, "wd_best", best), "wd_margin": -bound("as good"),
        "wd_as_good": listed("held"), "wd_worse": listed("contradicted"), "wd_undecided": listed("inconclusive"),
        **mean_and_std(table, "wd_paper", 1e-4),
        "wd_best_other": label(decision.details["best"]), **mean_and_std(table, "wd_other", decision.details["best"]),
        "wd_worst": label(worst), "wd_worst_acc": float(table.loc[worst, "mean (%)"]),
    }


def grid(profile=None):
    """{(momentum label, weight decay): 1cycle config}, three momentum settings of the momentum
    chapter (the same runs at 1e-4) by three weight decays."""
    settings = momentum_settings(profile)
    return {(m, wd): replace(settings[m], wd=wd) for m in GRID_MOMENTUMS for wd in GRID_WDS}


def grid_tables(results):
    """The mean and the std (%) over seeds of the grid's {(momentum, wd): [result per seed]}: two
    tables, momentums by weight decays."""
    def table(stat):
        return pd.DataFrame([[stat(acc(results[(m, wd)])) for wd in GRID_WDS] for m in GRID_MOMENTUMS],
                            index=list(GRID_MOMENTUMS), columns=[label(w) for w in GRID_WDS])
    return table(np.mean), table(lambda a: np.std(a, ddof=1))


def grid_findings(results):
    """The glued words and numbers of the grid: its best cell, the best weight decay per momentum,
    its span, and how many cells are behind the best one."""
    mean, _ = grid_tables(results)
    (m, wd), leads = lead_of_best(results)
    behind = sum(c.verdict == "held" for c in leads.values())
    undecided = len(leads) - behind
    rows = mean.idxmax(axis=1)
    reading = (", so the grid should not be read cell by cell: its best mean is not shown to be a best setting."
               if undecided else ", so the best cell is better than every other.")
    return {
        "wd_grid_best": f"{m} with weight decay {label(wd)}", "wd_grid_best_acc": float(mean.loc[m, label(wd)]),
        "wd_grid_range": float(np.nanmax(mean.values) - np.nanmin(mean.values)),
        "wd_grid_noise": f"{behind} of the other {len(leads)} cells are behind the best one (the whole 95% interval "
                         f"of the difference above zero) and {undecided} cannot be told apart from it at this "
                         f"number of seeds (the interval includes zero){reading}",
        "wd_grid_rows": "; ".join(f"{momentum}: {w}" for momentum, w in rows.items()),
        "wd_grid_same": "the same for every momentum" if rows.nunique() == 1 else "not the same for every momentum",
    }


def adam_variants(profile=None):
    """{(optimizer, weight decay): 1cycle config} of Adam (L2) and AdamW (decoupled) at Adam's
    peak LR by the book's rule (`one_cycle.adam_lr`), each with weight decay 1e-4 and 1e-2."""
    p = get_profile(profile).name
    lr = adam_lr(p)
    return {(ADAM, 1e-4): book_cycle(p, name="sc-adam", opt="adam", lr=lr),
            (ADAMW, 1e-2): book_cycle(p, name="sc-adamw", opt="adamw", lr=lr, wd=1e-2),
            (ADAM, 1e-2): book_cycle(p, name="wd-adam", opt="adam", lr=lr, wd=1e-2),
            (ADAMW, 1e-4): book_cycle(p, name="wd-adamw", opt="adamw", lr=lr, wd=1e-4)}


def adam_findings(results):
    """The glued numbers of Adam and AdamW ({(optimizer, wd): [result per seed]}): the peak LR,
    and the mean and std of each (`wd_adam_small_acc`, `wd_adamw_large_std`, ...)."""
    table = summary_table(results)
    found = {"wd_adam_lr": results[(ADAM, 1e-4)][0]["config"]["lr"]}
    for optimizer, key in ((ADAM, "adam"), (ADAMW, "adamw")):
        for wd, size in ((1e-4, "small"), (1e-2, "large")):
            found.update(mean_and_std(table, f"wd_{key}_{size}", (optimizer, wd)))
    return found


def wd_1e4(results, margin):
    best = max((w for w in results if w != 1e-4), key=lambda w: acc(results[w]).mean())
    return (f"WD 1e-4 {fmt(acc(results[1e-4]))}; best other value of the grid ({best:g}) "
            f"{fmt(acc(results[best]))}", compare(acc(results[1e-4]), acc(results[best]), margin),
            {"best": best, "bound": minus(margin)})


WD_1E4 = Claim(
    "weight_decay", PAPER, "Weight decay 1e-4 suits a ResNet", "1e-4 for ResNet-56 on CIFAR-10",
    "accuracy, 1e-4 minus the best other value (points)", "as good",
    arms=lambda p: seeded(searched(p)), measure=wd_1e4,
    says={"held": "the whole interval lies above {bound}, so 10⁻⁴ is as good as any other value of the grid: "
                  "it suits this ResNet too",
          "contradicted": "the whole interval lies at or below {bound}, so another value of the grid is better by "
                          "more than the margin: 10⁻⁴ does not suit this ResNet",
          "inconclusive": "the interval straddles {bound}, so at this number of seeds the runs neither confirm nor "
                          "refute that 10⁻⁴ is as good as the best other value"},
    section="A coarse grid")

# Two comparisons of the chapter, not among the claims table's: L2 and decoupled weight decay.
L2_COSTS_ADAM = Claim(
    "weight_decay", ADAMW_PAPER, "An L2 penalty of 1e-2 costs Adam accuracy against 1e-4", "",
    "accuracy, Adam at 1e-4 minus at 1e-2 (points)", "beats",
    arms=lambda p: seeded(adam_variants(p), (ADAM, 1e-4), (ADAM, 1e-2)),
    measure=difference((ADAM, 1e-4), (ADAM, 1e-2), (f"{ADAM} at 1e-4", "at 1e-2")),
    sums_up={"held": "costs Adam accuracy", "contradicted": "does not cost Adam accuracy",
             "inconclusive": "may or may not cost Adam accuracy (inconclusive)"})

DECOUPLED_AS_GOOD = Claim(
    "weight_decay", ADAMW_PAPER, "A decoupled weight decay of 1e-2 leaves AdamW as good as 1e-4", "",
    "accuracy, AdamW at 1e-2 minus at 1e-4 (points)", "as good",
    arms=lambda p: seeded(adam_variants(p), (ADAMW, 1e-2), (ADAMW, 1e-4)),
    measure=difference((ADAMW, 1e-2), (ADAMW, 1e-4), (f"{ADAMW} at 1e-2", "at 1e-4")),
    sums_up={"held": "leaves AdamW as good as at 10⁻⁴", "contradicted": "costs AdamW more than the margin",
             "inconclusive": "is not shown to leave AdamW as good as at 10⁻⁴, nor to cost it (inconclusive)"})

CLAIMS = [WD_1E4]

"""The momentum chapter: range tests at several momentums, and 1cycle at the book's peak LR with
cyclical, reversed and constant momentums (Smith 2018)."""
import numpy as np
import pandas as pd

from ..analysis import acc, compare, fmt, highest_mean, summary_table
from ..claim import Claim, bound, difference, minus, seeded
from ..paper import DISCIPLINED as PAPER
from ..profiles import get_profile
from ..runs import run_job_grid, seeded_finder_jobs
from .range_test import book_cycle

CYCLICAL, REVERSED = "cyclical 0.95-0.85", "reversed 0.85-0.95"
# label: (momentum at the start and end of the cycle, at its middle, where the LR peaks)
SETTINGS = {CYCLICAL: (0.95, 0.85), "cyclical 0.99-0.90": (0.99, 0.9), REVERSED: (0.85, 0.95),
            "constant 0.99": (0.99, 0.99), "constant 0.9": (0.9, 0.9), "constant 0.85": (0.85, 0.85)}
CONSTANTS = [label for label in SETTINGS if label.startswith("constant")]
FINDER_MOMENTUMS = (0.99, 0.95, 0.9, 0.85)  # from high to low
FINDER = dict(start_lr=1e-3, end_lr=10)


def finders(profile=None):
    """{momentum: [range test per seed]} of the chapter's model at constant momentums."""
    p = get_profile(profile).name
    configs = {m: book_cycle(p, name="mom", mom=m, mom_min=m) for m in FINDER_MOMENTUMS}
    return run_job_grid(seeded_finder_jobs(configs, **FINDER))


def diverged(finder):
    """Whether a range test stopped before the end of its range (its loss diverged)."""
    return len(finder["lr"]) < finder["finder"]["num_it"]


def loss_minimum(finder):
    """The learning rate where the smoothed training loss of a test is lowest."""
    return float(finder["lr"][int(np.nanargmin(finder["train_loss_smooth"]))])


def loss_minima(finders):
    """{momentum: the median over seeds of the LR of each test's loss minimum}."""
    return {m: float(np.median([loss_minimum(f) for f in fs])) for m, fs in finders.items()}


def finder_table(finders):
    """Per momentum: the LR of the loss minimum (median over seeds, and its range), the effective
    LR `lr / (1 - β)` there, and how many of the tests diverged before the end of the range."""
    minima = loss_minima(finders)
    return pd.DataFrame({
        "loss minimum at LR (median)": minima,
        "smallest": {m: min(loss_minimum(f) for f in fs) for m, fs in finders.items()},
        "largest": {m: max(loss_minimum(f) for f in fs) for m, fs in finders.items()},
        "effective LR there": {m: lr / (1 - m) for m, lr in minima.items()},
        "tests diverged": {m: f"{sum(map(diverged, fs))} of {len(fs)}" for m, fs in finders.items()},
    }).rename_axis("momentum")


def finder_findings(finders):
    """The glued words and numbers of the range tests' paragraph: whether the minima move with the
    momentum, their spread in LR and in effective LR, and which tests diverged."""
    minima = loss_minima(finders)
    ordered = [minima[m] for m in sorted(minima, reverse=True)]  # momentum from high to low
    effective = [lr / (1 - m) for m, lr in minima.items()]
    raw_spread, eff_spread = max(ordered) / min(ordered), max(effective) / min(effective)
    counts = [f"{sum(map(diverged, fs))} of {len(fs)} at {m}" for m, fs in finders.items()]
    diverging = (f"Tests that diverged before the end of the range (LR {FINDER['end_lr']:g}), by momentum: "
                 + ", ".join(counts[:-1]) + " and " + counts[-1])
    return {
        "mom_order": "the higher the momentum, the lower the learning rate of the loss minimum, as Smith describes"
                     if all(a <= b for a, b in zip(ordered, ordered[1:]))
                     else "the loss minima do not move monotonically with the momentum",
        "mom_raw_spread": float(raw_spread),
        "mom_eff_spread": float(eff_spread),
        "mom_eff_verdict": "so `lr / (1 - β)` lines them up better than the learning rate itself"
                           if eff_spread < raw_spread
                           else "so `lr / (1 - β)` does not line them up better than the learning rate itself",
        "mom_div_verdict": diverging,
    }


def settings(profile=None):
    """{label: 1cycle config} of the chapter's momentum settings."""
    book = book_cycle(profile)
    return {label: book if (hi, lo) == (book.mom, book.mom_min)
            else book_cycle(profile, name=f"mom-{label.replace(' ', '-')}", mom=hi, mom_min=lo)
            for label, (hi, lo) in SETTINGS.items()}


def lead_of_best(results):
    """The setting of {setting: [result per seed]} with the best mean accuracy, and its lead over
    each other setting: {setting: Comparison of best minus it} ("held": behind the best)."""
    best = highest_mean(results)
    return best, {k: compare(acc(results[best]), acc(rs)) for k, rs in results.items() if k != best}


def mean_and_std(table, key, label):
    """{key_acc: mean, key_std: std} of the row `label` of a `summary_table`, for the text."""
    return {f"{key}_acc": float(table.loc[label, "mean (%)"]), f"{key}_std": float(table.loc[label, "std (%)"])}


def seed_winners(results):
    """The best setting of {label: [result per seed]} for each seed on its own."""
    return [max(results, key=lambda k: acc(results[k])[i]) for i in range(len(next(iter(results.values()))))]


def findings(results, decision):
    """The glued words and numbers of the comparison of the momentum settings ({label: [result
    per seed]}), beside the claim's `decision`: the best setting and who is behind it, the cycle
    and the best constant, and the winner of each seed."""
    table = summary_table(results)
    best, leads = lead_of_best(results)
    const = decision.details["best"]

    def listed(held):
        return "; ".join(f"{k}, by {c.text()}" for k, c in leads.items() if (c.verdict == "held") == held) or "none"

    seeds = [r["config"]["seed"] for r in results[best]]
    winners = seed_winners(results)
    return {
        "mom_best": best, **mean_and_std(table, "mom_best", best),
        "mom_behind": listed(True), "mom_undecided": listed(False),
        **mean_and_std(table, "mom_cyc", CYCLICAL),
        "mom_const": const, **mean_and_std(table, "mom_const", const),
        "mom_margin": -bound("as good"),
        "mom_099_acc": float(table.loc["constant 0.99", "mean (%)"]),
        "mom_winners": ", ".join(f"seed {s}: {w}" for s, w in zip(seeds, winners)),
        "mom_winner_verdict": f"{len(set(winners))} different winners from {len(winners)} seeds. Where settings "
                              "are this close, one run per setting says more about the seed than about the "
                              "setting; only the intervals above can decide." if len(set(winners)) > 1
                              else "the same winner for every seed, which here agrees with the means.",
    }


def cyclical_momentum(results, margin):
    cyc = acc(results[CYCLICAL])
    constants = {label: acc(results[label]) for label in CONSTANTS}
    best = max(constants, key=lambda label: constants[label].mean())
    return (f"0.95-0.85 {fmt(cyc)}; best constant ({best.split()[-1]}) {fmt(constants[best])}",
            compare(cyc, constants[best], margin), {"best": best, "bound": minus(margin)})


CYCLICAL_MOMENTUM = Claim(
    "momentum", PAPER, "Cyclical momentum 0.95-0.85 is at least as good as the best constant momentum",
    "as good or slightly better", "accuracy, cyclical minus the best constant (points)", "as good",
    arms=lambda p: seeded(settings(p), CYCLICAL, *CONSTANTS),
    measure=cyclical_momentum, digits=2,
    says={"held": "the whole interval lies above {bound}, so the cycle is as good as the best constant "
                  "momentum, as the paper reports",
          "contradicted": "the whole interval lies at or below {bound}, so the cycle trails the best constant "
                          "momentum by more than the margin, against the paper",
          "inconclusive": "the interval straddles {bound}, so at this number of seeds the runs neither confirm "
                          "nor refute that the cycle is as good as the best constant momentum"},
    section="Cyclical against constant momentum")

DIRECTION = Claim(
    "momentum", PAPER, "Momentum cycled against the LR beats momentum cycled with it",
    "decreasing momentum while the LR rises works better", "accuracy, 0.95-0.85 minus 0.85-0.95 (points)", "beats",
    arms=lambda p: seeded(settings(p), CYCLICAL, REVERSED), measure=difference(CYCLICAL, REVERSED), digits=2,
    says={"held": "the whole interval lies above zero, so the direction matters as the paper says: momentum "
                  "should fall while the learning rate rises",
          "contradicted": "the whole interval lies at or below zero, so cycling momentum against the learning "
                          "rate is no better than cycling it with the learning rate",
          "inconclusive": "the interval includes zero, so at this number of seeds the direction of the cycle "
                          "cannot be told apart"},
    section="Cyclical against constant momentum")

CLAIMS = [CYCLICAL_MOMENTUM, DIRECTION]

# not in the claims table: the recipe's row on momentum 0.99
BEATS_099 = Claim(
    "momentum", PAPER, "cyclical 0.95-0.85 beats constant 0.99", "never 0.99 with a large LR",
    "accuracy, cyclical 0.95-0.85 minus constant 0.99 (points)", "beats",
    arms=lambda p: seeded(settings(p), CYCLICAL, "constant 0.99"), measure=difference(CYCLICAL, "constant 0.99"))

"""The chapter on what came after 1cycle (later work, not Smith's papers): cosine decay with and
without a warm-up, warmup-stable-decay (WSD), Schedule-Free SGD and AdamW, and AdamW with 1cycle.
Every arm is swept over its own peak LRs and read at its best, at the book's network, data, budget
and seeds. Then "anytime": where each stands when training stops at a quarter, half and three
quarters of the budget. 1cycle and cosine must know the budget in advance (each stopping point is
a run of its own); WSD needs it only to decay (a stopped run shares the full run's first
iterations exactly); Schedule-Free needs it not at all (one run, evaluated after every epoch)."""
import numpy as np
import pandas as pd

from ..analysis import acc, compare, fmt, highest_mean, one_sample, summary_table
from ..claim import Claim
from ..config import make_config, with_seeds
from ..paper import DEFAZIO, GOYAL, GUGGER, HAGELE, SCHEDULEFREE
from ..profiles import get_profile
from ..runs import run_job, run_job_grid
from ..schedules import WSD_DECAY
from .range_test import book_cycle

WARMUP = 0.05  # the warm-up's fraction of the run, for every arm that warms up but 1cycle's
ADAMW_WD = 1e-2  # AdamW's decoupled weight decay, as in the 1cycle and weight-decay chapters
STOPS = (0.25, 0.5, 0.75)  # where training may stop, as fractions of the budget

ONE_CYCLE, ADAMW_CYCLE = "1cycle (SGD, the book's)", "1cycle (AdamW)"
COSINE, WARMUP_COSINE, WSD = "cosine", "warm-up + cosine", "warmup-stable-decay"
SF_SGD, SF_ADAMW = "Schedule-Free SGD", "Schedule-Free AdamW"
SGD_LRS = (0.05, 0.1, 0.2, 0.4, 0.8)
SWEEPS = {ONE_CYCLE: (0.1, 0.4, 1.0, 2.0, 3.0), ADAMW_CYCLE: (0.0036, 0.0072, 0.0145, 0.029, 0.058),
          COSINE: SGD_LRS, WARMUP_COSINE: SGD_LRS, WSD: SGD_LRS,
          SF_SGD: (0.5, 1.0, 2.0, 4.0, 8.0), SF_ADAMW: (0.005, 0.01, 0.02, 0.04, 0.08)}
ARMS = tuple(SWEEPS)
SCHEDULE_FREE = (SF_SGD, SF_ADAMW)
ANYTIME = (ONE_CYCLE, WARMUP_COSINE, WSD, SF_SGD, SF_ADAMW)  # the arms of the stopping experiment


def budget(profile=None):
    """The epochs of a whole run in the stopping experiment: the profile's, and at least 4 so
    that a quarter of it is a whole epoch."""
    return max(4, get_profile(profile).epochs)


def stop_epochs(profile=None):
    """The budgets the stopping experiment reads, in epochs: `STOPS` of `budget`, then all of it."""
    b = budget(profile)
    return [round(f * b) for f in STOPS] + [b]


def arm_config(arm, lr, profile=None, **changes):
    """The config of `arm` at peak LR `lr`: the book's network, data, budget and (SGD) weight decay."""
    p = get_profile(profile).name
    if arm not in ARMS:
        raise ValueError(f"arm must be one of {ARMS}, got {arm!r}")
    if arm == ONE_CYCLE:
        return book_cycle(p, lr=lr, **changes)
    if arm == ADAMW_CYCLE:
        return book_cycle(p, name="sc-adamw", opt="adamw", lr=lr, wd=ADAMW_WD, **changes)
    common = {"lr": lr, "mom": 0.9, "wd": 1e-4, "pct_start": WARMUP, **changes}
    kind = {COSINE: dict(schedule="cosine"), WARMUP_COSINE: dict(schedule="warmup_cosine"),
            WSD: dict(schedule="wsd"), SF_SGD: dict(schedule="warmup_constant", opt="sgd_schedulefree"),
            SF_ADAMW: dict(schedule="warmup_constant", opt="adamw_schedulefree", wd=ADAMW_WD)}[arm]
    name = "later-" + arm.lower().replace(" + ", "-").replace(" ", "-")
    return make_config(p, name=name, **{**common, **kind})


def arm_jobs(arm, lr, profile=None, **changes):
    return [run_job(c) for c in with_seeds(arm_config(arm, lr, profile, **changes))]


def sweep_jobs(profile=None):
    """{(arm, lr): [job per seed]}: every arm at every LR of its sweep."""
    return {(arm, lr): arm_jobs(arm, lr, profile) for arm, lrs in SWEEPS.items() for lr in lrs}


def best_lrs(sweep):
    """{arm: the LR of its sweep with the highest mean accuracy} of {(arm, lr): [result per seed]}."""
    return {arm: highest_mean({lr: sweep[(arm, lr)] for lr in lrs}) for arm, lrs in SWEEPS.items()}


def at_best(profile=None):
    """{arm: [job per seed]}: every arm at its best LR of the sweep (read from the cache)."""
    lrs = best_lrs(run_job_grid(sweep_jobs(profile)))
    return {arm: arm_jobs(arm, lr, profile) for arm, lr in lrs.items()}


# ---- stopping early
def stopped(arm, lr, epochs, profile=None):
    """[job per seed] of `arm` at `lr` given a budget of `epochs`. WSD keeps the whole run's
    warm-up in iterations, so its constant stretch is the whole run's to the iteration and the
    run is that run stopped and decayed over its last `WSD_DECAY`."""
    b = budget(profile)
    changes = dict(epochs=epochs)
    if arm == WSD:
        changes["pct_start"] = WARMUP * b / epochs
    return arm_jobs(arm, lr, profile, **changes)


def anytime_jobs(profile=None):
    """{(arm, epochs): [job per seed]} at each `ANYTIME` arm's best LR: the scheduled arms at every
    budget of `stop_epochs`, the Schedule-Free ones at the whole budget only (they record the
    other points themselves)."""
    p = get_profile(profile).name
    lrs = best_lrs(run_job_grid(sweep_jobs(p)))
    stops = stop_epochs(p)
    return {(arm, e): stopped(arm, lrs[arm], e, p) for arm in ANYTIME
            for e in (stops[-1:] if arm in SCHEDULE_FREE else stops)}


def anytime_accuracies(results):
    """{arm: {epochs: accuracies per seed (%)}} of the `anytime_jobs` results."""
    out = {}
    for (arm, e), rs in results.items():
        if arm in SCHEDULE_FREE:
            for point in zip(*[r["schedule_free"]["anytime"] for r in rs]):
                out.setdefault(arm, {})[point[0]["epoch"]] = np.array([100 * a["accuracy"] for a in point])
        else:
            out.setdefault(arm, {})[e] = acc(rs)
    return out


def training_epochs(arm, profile=None):
    """Epochs trained to read `arm` at every stopping point: a run per budget for the cycles and
    cosine, one run and a decay per earlier stop for WSD, one run for Schedule-Free."""
    stops = stop_epochs(profile)
    if arm in SCHEDULE_FREE:
        return stops[-1]
    if arm == WSD:
        return stops[-1] + WSD_DECAY * sum(stops[:-1])
    return sum(stops)


# ---- what the chapter reads
KEYS = {ONE_CYCLE: "cycle", ADAMW_CYCLE: "adamw_cycle", COSINE: "cosine", WARMUP_COSINE: "warmup_cosine",
        WSD: "wsd", SF_SGD: "sf_sgd", SF_ADAMW: "sf_adamw"}  # each arm's part of the glue keys
ADAM_ARMS = (ADAMW_CYCLE, SF_ADAMW)


def at_best_results(sweep):
    """{arm: [result per seed]} of every arm at its best LR of the sweep."""
    return {arm: sweep[(arm, lr)] for arm, lr in best_lrs(sweep).items()}


def sweep_lines(sweep, arms=ARMS):
    """{arm: {LR: mean accuracy with its 95% interval}} of the sweep, for the figure."""
    return {arm: {lr: one_sample(acc(sweep[(arm, lr)])) for lr in SWEEPS[arm]} for arm in arms}


def inside(sweep):
    """Whether every arm's best LR lies inside its sweep (not at either end)."""
    return all(min(SWEEPS[arm]) < lr < max(SWEEPS[arm]) for arm, lr in best_lrs(sweep).items())


def best_table(sweep):
    """Per arm at its best LR: that LR and the accuracy's summary (`summary_table`)."""
    lrs = best_lrs(sweep)
    table = summary_table({arm: sweep[(arm, lr)] for arm, lr in lrs.items()})
    table.insert(0, "best LR", [lrs[arm] for arm in table.index])
    return table.rename_axis("arm")


def anytime_lines(results):
    """{arm: {epochs: mean accuracy with its 95% interval}}, for the figure."""
    return {arm: {e: one_sample(a) for e, a in sorted(points.items())}
            for arm, points in anytime_accuracies(results).items()}


def anytime_table(results, profile=None):
    """Mean accuracy (%) of each arm at each stopping point, and the epochs trained to read them all."""
    rows = {arm: {**{f"stop at epoch {e}": a.mean() for e, a in sorted(points.items())},
                  "epochs trained for all points": training_epochs(arm, profile)}
            for arm, points in anytime_accuracies(results).items()}
    return pd.DataFrame(rows).T.rename_axis("arm")


def bn_table(sweep):
    """Schedule-Free arms at their best LR: final accuracy with BatchNorm's statistics recomputed
    and as training left them (mean and std over seeds, %)."""
    best = at_best_results(sweep)
    rows = {}
    for arm in SCHEDULE_FREE:
        with_bn, without = bn_recompute(best[arm])
        rows[arm] = {"recomputed mean (%)": with_bn.mean(), "recomputed std (%)": with_bn.std(ddof=1),
                     "as trained mean (%)": without.mean(), "as trained std (%)": without.std(ddof=1)}
    return pd.DataFrame(rows).T.rename_axis("arm")


def readings(sweep, anytime):
    """What the chapter reads off its runs (the glue keys' `later_` left off)."""
    lrs, best = best_lrs(sweep), at_best_results(sweep)
    first = best[ONE_CYCLE][0]
    profile = first["config"]["profile"]
    points = anytime_accuracies(anytime)
    stops = stop_epochs(profile)
    out = {"seeds": len(best[ONE_CYCLE]), "epochs": first["config"]["epochs"],
           "iterations": len(first["history"]["iteration"]["lr"]), "warmup": f"{100 * WARMUP:g}%",
           "decay": f"{100 * WSD_DECAY:g}%", "stops": ", ".join(map(str, stops[:-1])), "budget": stops[-1],
           "half": stops[1], "bn_batches": best[SF_SGD][0]["schedule_free"]["bn_batches"],
           "inside": "inside" if inside(sweep) else "not inside"}
    for arm, key in KEYS.items():
        out[f"{key}_lr"] = lrs[arm]
        out[f"{key}_acc"] = float(acc(best[arm]).mean())
    for arm in ANYTIME:
        for e, a in points[arm].items():
            out[f"{KEYS[arm]}_at{e}"] = float(a.mean())
        out[f"{KEYS[arm]}_trained"] = f"{training_epochs(arm, profile):g}"
    for arm in SCHEDULE_FREE:
        with_bn, without = bn_recompute(best[arm])
        out[f"{KEYS[arm]}_bn_gain"] = float((with_bn - without).mean())
        out[f"{KEYS[arm]}_as_trained"] = float(without.mean())
    return out


def bn_recompute(results):
    """Schedule-Free runs' final accuracies (%) with BatchNorm's statistics recomputed and without."""
    return acc(results), np.array([100 * r["schedule_free"]["without_bn_recompute"]["accuracy"] for r in results])


# ---- the claims
def at_best_claim(statement, paper, theirs, a, b, margin):
    """The claim that arm `a`, at its best LR, beats (or is as good as) arm `b` at its best."""
    def measure(results, bound):
        x, y = acc(results[a]), acc(results[b])
        return f"{a} {fmt(x)}, {b} {fmt(y)}", compare(x, y, bound), {"seeds": len(x)}
    return Claim("later", paper, statement, theirs, f"accuracy, {a} minus {b}, each at its best LR (points)",
                 margin, arms=lambda p: {arm: jobs for arm, jobs in at_best(p).items() if arm in (a, b)},
                 measure=measure, digits=2, section="Seven schedules, each at its best")


def half_budget(arm, reference):
    """The arms of "`arm` stopped at half the budget against `reference` planned for it"."""
    def arms(profile):
        jobs = anytime_jobs(profile)
        stops = stop_epochs(profile)
        return {arm: jobs[(arm, stops[-1] if arm in SCHEDULE_FREE else stops[1])], reference: jobs[(reference, stops[1])]}

    def measure(results, bound):
        half = stop_epochs(results[reference][0]["config"]["profile"])[1]
        x = anytime_accuracies({(arm, None if arm in SCHEDULE_FREE else half): results[arm]})[arm][half]
        y = acc(results[reference])
        return f"{arm} {fmt(x)}, {reference} {fmt(y)}, at epoch {half}", compare(x, y, bound), {"half": half}
    return arms, measure


def anytime_claim(statement, paper, theirs, arm, reference):
    arms, measure = half_budget(arm, reference)
    return Claim("later", paper, statement, theirs, f"accuracy at half the budget, {arm} minus {reference} "
                 "run for that half (points)", "as good", arms=arms, measure=measure, digits=2,
                 section="Stopping early")


def bn_measure(results, bound):
    with_bn, without = bn_recompute(results[SF_SGD])
    return (f"recomputed {fmt(with_bn)}, as trained {fmt(without)}", one_sample(with_bn - without, above=bound),
            {"seeds": len(with_bn)})


COSINE_AS_GOOD = at_best_claim("Cosine decay after a warm-up is as good as 1cycle", GOYAL,
                               "the usual schedule since (no comparison with 1cycle)", WARMUP_COSINE, ONE_CYCLE,
                               "as good")
WARMUP_HELPS = at_best_claim("A warm-up helps cosine decay", GOYAL, "needed at large LRs (ImageNet, large batches)",
                             WARMUP_COSINE, COSINE, "beats")
WSD_AS_GOOD = at_best_claim("Warmup-stable-decay is as good as cosine decay", HAGELE,
                            "matches cosine at the same budget (language models)", WSD, WARMUP_COSINE, "as good")
SF_AS_GOOD = at_best_claim("Schedule-Free SGD is as good as cosine decay", DEFAZIO,
                           "matches or beats a tuned cosine schedule", SF_SGD, WARMUP_COSINE, "as good")
SF_ADAMW_AS_GOOD = at_best_claim("Schedule-Free AdamW is as good as AdamW with 1cycle", DEFAZIO,
                                 "matches or beats a tuned schedule", SF_ADAMW, ADAMW_CYCLE, "as good")
ADAMW_BEATS = at_best_claim("AdamW with 1cycle beats SGD with 1cycle", GUGGER,
                            "94% on CIFAR-10 in fewer epochs than SGD", ADAMW_CYCLE, ONE_CYCLE, "beats")
SF_ANYTIME = anytime_claim("Stopped at half the budget, Schedule-Free SGD is as good as cosine planned for it",
                           DEFAZIO, "no stopping time needed in advance", SF_SGD, WARMUP_COSINE)
WSD_ANYTIME = anytime_claim("Decayed at half the budget, warmup-stable-decay is as good as cosine planned for it",
                            HAGELE, "a decay at any point matches cosine run to that point", WSD, WARMUP_COSINE)
BN_RECOMPUTE = Claim("later", SCHEDULEFREE, "Schedule-Free's averaged weights need BatchNorm's statistics recomputed",
                     "recompute them before evaluating (no number)",
                     "accuracy of Schedule-Free SGD at its best LR, recomputed minus as trained, per seed (points)",
                     "beats", arms=lambda p: {SF_SGD: at_best(p)[SF_SGD]}, measure=bn_measure, digits=2,
    section="Schedule-Free and BatchNorm")

CLAIMS = [COSINE_AS_GOOD, WARMUP_HELPS, WSD_AS_GOOD, SF_AS_GOOD, SF_ADAMW_AS_GOOD, ADAMW_BEATS, SF_ANYTIME,
          WSD_ANYTIME, BN_RECOMPUTE]

"""The batch-size chapter (Smith 2018, "learning rate, batch size, momentum, and weight decay"): LR
range tests at batch sizes 32 to 512, the book's cycle at a larger and a smaller batch with the LR
scaled in proportion (at equal epochs and at equal iterations), and the balance of regularisation:
batch size x weight decay at the book's setting, where the network underfits, and three grids
where it overfits (no augmentation, an eighth of the images): batch size, dropout and training-set
size, each x weight decay."""
import json

import numpy as np
import pandas as pd

from ..analysis import acc, compare, decide, one_sample, summary_table
from ..claim import Claim, difference, seeded
from ..config import with_seeds
from ..paper import DISCIPLINED as PAPER
from ..profiles import get_profile
from ..runs import finder_job, run_job, run_job_grid, run_seeds
from ..suggestions import suggestion
from . import range_test
from .range_test import book_cycle, peak_lr

BATCHES = (32, 64, 128, 256, 512)  # the range tests' batch sizes; the profile's is among them
SCALED = (32, 512)  # the batch sizes trained beside the profile's, the LR scaled in proportion
WDS = (1e-3, 1e-4, 1e-5)  # the weight decays of the grid at the book's setting
OVERFIT_WDS = (3e-2, 1e-2, 1e-3, 1e-5)  # those of the grids where the network overfits
# The two weight decays the balance claims compare: 3e-2 lies past the best weight decay at every
# setting of the three grids, there to bracket the best from above; the claims read the next one
# down against the smallest (tests/test_claims.py checks the first half of this).
CONTRAST = (1e-2, 1e-5)
SMALLER_DATA = 8  # where the network overfits, the training set is the profile's divided by this


def finder_config(batch, profile=None):
    """The range-test chapter's model and data (`range_test.config`) at batch size `batch`."""
    return range_test.config(profile, batch_size=batch)


def finder_jobs(profile=None):
    """{batch size: [range-test job per seed]}: the range-test chapter's tests at each of `BATCHES`
    (the profile's own batch size is that chapter's tests)."""
    return {b: [finder_job(c, **range_test.FINDER) for c in with_seeds(finder_config(b, profile))] for b in BATCHES}


def suggested_lr(finders):
    """The book's rule at one batch size: the median "minimum/10" suggestion of its tests."""
    return float(np.median([suggestion(f, range_test.RULE) for f in finders]))


def stop_lr(finder):
    """The LR at which a range test stopped: where the loss diverged, or its last LR if it ran to
    the end of its range."""
    return float(finder["lr"][-1])


def slopes(finders, lr_of):
    """Per seed, the slope of log `lr_of(test)` against log batch size, a least-squares line over
    the batch sizes of {batch size: [range test per seed]}: 1 is linear scaling, 0.5 the square root."""
    batches = sorted(finders)
    x = np.log(batches)
    return np.array([np.polyfit(x, np.log([lr_of(f) for f in tests]), 1)[0]
                     for tests in zip(*(finders[b] for b in batches))])


def lr_points(finders):
    """{kind: {batch size: [LR per seed]}} of the range tests, for the figure: the suggestion
    (the book's rule) and the LR where the test stopped."""
    return {f"suggestion ({range_test.RULE})": {b: [suggestion(f, range_test.RULE) for f in tests]
                                                 for b, tests in finders.items()},
            "where the test stopped": {b: [stop_lr(f) for f in tests] for b, tests in finders.items()}}


def finder_table(finders):
    """Per batch size of {batch size: [range test per seed]}: the suggestion's median, smallest and
    largest over the seeds, and the median LR where the tests stopped."""
    rows = {}
    for b, tests in sorted(finders.items()):
        lrs = [suggestion(f, range_test.RULE) for f in tests]
        rows[b] = {"suggestion, median": np.median(lrs), "smallest": min(lrs), "largest": max(lrs),
                   "stopped at, median": np.median([stop_lr(f) for f in tests])}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("batch size")


def finder_readings(finders):
    """What the chapter reads off the range tests (the glue keys' `bs_` left off)."""
    batches = sorted(finders)
    tests = [f for b in batches for f in finders[b]]
    ran_out = sum(len(f["lr"]) >= f["finder"]["num_it"] for f in tests)
    slope = float(slopes(finders, stop_lr).mean())
    if ran_out > len(tests) / 2:
        stops = (f"{ran_out} of the {len(tests)} tests ran to the end of the range without diverging; for those the "
                 f"end stands in for the point of divergence, so the mean slope of the LR where the tests stopped, "
                 f"{slope:.2f}, says little more than that the range ends first")
    else:
        stops = (f"{len(tests) - ran_out} of the {len(tests)} tests diverged before the end of the range, and the "
                 f"mean slope of the LR where the tests stopped is {slope:.2f}")
    return {"iters": tests[0]["finder"]["num_it"], "seeds": len(finders[batches[0]]),
            "smallest": batches[0], "largest": batches[-1], "stops": stops}


def rule_words(comparison):
    """Which scaling rules lie inside the 95% interval of the slope (`LR_GROWS`'s comparison)."""
    rules = {"linear scaling (slope 1)": 1.0, "the square root (slope 0.5)": 0.5}
    inside = [name for name, slope in rules.items() if comparison.ci_low <= slope <= comparison.ci_high]
    if not inside:
        return "neither linear scaling (slope 1) nor the square root (slope 0.5) lies inside the interval"
    return " and ".join(inside) + (" lie" if len(inside) > 1 else " lies") + " inside the interval"


def lr_grows(results, margin):
    grows = slopes(results, lambda f: suggestion(f, range_test.RULE))
    stops = slopes(results, stop_lr)
    return (f"slope of the suggestion {grows.mean():.2f}, of the LR where the test stopped {stops.mean():.2f} "
            "(linear scaling 1, square root 0.5)", one_sample(grows, above=margin), {})


def scaled_lr(batch, profile=None):
    """The book's peak LR scaled in proportion to `batch` from the profile's batch size."""
    p = get_profile(profile)
    return peak_lr(p.name) * batch / p.batch_size


def cycle_at(batch, profile=None, equal="epochs", **changes):
    """The book's cycle at batch size `batch` with the LR scaled in proportion, for the profile's
    epochs (`equal` "epochs") or for as many iterations as at the profile's batch size
    ("iterations")."""
    p = get_profile(profile)
    if equal not in ("epochs", "iterations"):
        raise ValueError(f"equal must be 'epochs' or 'iterations', got {equal!r}")
    epochs = p.epochs if equal == "epochs" else max(1, round(p.epochs * batch / p.batch_size))
    return book_cycle(p.name, batch_size=batch, lr=scaled_lr(batch, p.name), epochs=epochs, **changes)


def label(batch, equal="epochs"):
    return f"batch {batch}, equal {equal}"


def scaling_settings(profile=None):
    """{label: config}: the book's cycle at the profile's batch size, and at each of `SCALED` with
    the LR scaled in proportion, at equal epochs and at equal iterations."""
    p = get_profile(profile)
    settings = {f"batch {p.batch_size}": book_cycle(p.name)}
    for b in SCALED:
        for equal in ("epochs", "iterations"):
            settings[label(b, equal)] = cycle_at(b, p.name, equal)
    return settings


def batch_wd_settings(profile=None):
    """{(batch size, weight decay): config}: the book's cycle at equal epochs, the LR scaled with
    the batch, for the profile's batch size and `SCALED`, and each of `WDS`."""
    p = get_profile(profile)
    return {(b, wd): cycle_at(b, p.name, wd=wd) for b in sorted({*SCALED, p.batch_size}) for wd in WDS}


def overfitting(profile=None, n_train=None, **changes):
    """The book's cycle where the network overfits: no augmentation, and a `SMALLER_DATA`th of the
    profile's images (or `n_train`) for as many more epochs (equal iterations at every size)."""
    p = get_profile(profile)
    n = n_train or p.n_train // SMALLER_DATA
    return book_cycle(p.name, n_train=n, epochs=round(p.epochs * p.n_train / n), augment=False, **changes)


def overfit_batch_settings(profile=None):
    """{(batch size, weight decay): config} where the network overfits, for the two batch sizes of
    `balance_batches` at equal epochs, the LR scaled with the batch, and each of `OVERFIT_WDS`."""
    p = get_profile(profile)
    return {(b, wd): overfitting(p.name, batch_size=b, lr=scaled_lr(b, p.name), wd=wd)
            for b in balance_batches(p.name) for wd in OVERFIT_WDS}


HEAD_DROPOUT = {"concat": "with dropout", "concat_no_dropout": "without dropout"}


def dropout_settings(profile=None):
    """{(dropout, weight decay): config} where the network overfits: the seed notebook's head
    with its dropout (0.25 and 0.5) and without, and each of `OVERFIT_WDS`."""
    return {(words, wd): overfitting(profile, head=head, wd=wd)
            for head, words in HEAD_DROPOUT.items() for wd in OVERFIT_WDS}


def data_wd_settings(profile=None):
    """{(training images, weight decay): config} without augmentation: all the profile's images and
    a `SMALLER_DATA`th of them (for as many more epochs: equal iterations), with each of
    `OVERFIT_WDS`."""
    p = get_profile(profile)
    return {(n, wd): overfitting(p.name, n_train=n, wd=wd)
            for n in (p.n_train, p.n_train // SMALLER_DATA) for wd in OVERFIT_WDS}


def overfit_grids(profile=None):
    """{grid name: {(x, wd): config}}: the three grids where the network overfits."""
    return {"batch": overfit_batch_settings(profile), "dropout": dropout_settings(profile),
            "data": data_wd_settings(profile)}


def training_jobs(profile=None):
    """Every training run of the chapter, one job per seed, each once."""
    configs = [*scaling_settings(profile).values(), *batch_wd_settings(profile).values(),
               *(c for grid in overfit_grids(profile).values() for c in grid.values())]
    jobs = [run_job(c) for config in configs for c in with_seeds(config)]
    return list({json.dumps(job.spec, sort_keys=True): job for job in jobs}.values())



def valid_loss(results):
    """The final validation loss of each result, an array over seeds."""
    return np.array([r["final"]["valid_loss"] for r in results])


def grid_wds(results):
    """The weight decays of a grid's {(x, wd): [result per seed]}, largest first."""
    return sorted({wd for _, wd in results}, reverse=True)


def more_wd_helps_more(results, margin, where, there):
    """How much more the larger weight decay of `CONTRAST` lowers the validation loss than the
    smaller does `there` than `where` ({(x, wd): [result per seed]}): the grid's interaction."""
    hi, lo = CONTRAST
    groups = [valid_loss(results[(x, wd)]) for x in (where, there) for wd in (hi, lo)]
    gain = {x: groups[2 * i + 1].mean() - groups[2 * i].mean() for i, x in enumerate((where, there))}
    return (f"WD {hi:g} instead of {lo:g} changes the validation loss by {-gain[where]:+.3f} at {where} and by "
            f"{-gain[there]:+.3f} at {there}", decide(groups, [1, -1, -1, 1], above=margin), {})


def scaling_readings(results, profile=None):
    """What the chapter reads off the scaling runs: each arm's accuracy, and the larger batch at
    equal iterations minus the profile's batch (the glue keys' `bs_` left off)."""
    p = get_profile(profile)
    table = summary_table(results)
    base, big = f"batch {p.batch_size}", max(SCALED)
    c = compare(acc(results[label(big, "iterations")]), acc(results[base]))
    small = min(SCALED)
    arms = {"base": base, "big": label(big), "big_it": label(big, "iterations"), "small": label(small),
            "small_it": label(small, "iterations")}
    return {"base_batch": p.batch_size, "big": big, "small": small,
            "big_lr": results[label(big)][0]["config"]["lr"], "small_lr": results[label(small)][0]["config"]["lr"],
            "big_epochs": results[label(big, "iterations")][0]["config"]["epochs"],
            "iterations_diff": c.text("points", 2), "iterations_verdict": c.verdict,
            **{f"acc_{key}": float(table.loc[name, "mean (%)"]) for key, name in arms.items()}}


def loss_lines(results, name):
    """{name(x): {weight decay: mean validation loss with its 95% interval}} of a grid's
    {(x, wd): [result per seed]}, for the figure."""
    lines = {}
    for (x, wd), rs in results.items():
        lines.setdefault(name(x), {})[wd] = one_sample(valid_loss(rs))
    return lines


def best_wds(results):
    """{x: the weight decay with the lowest mean validation loss} of a grid's {(x, wd): results}."""
    xs = dict.fromkeys(x for x, _ in results)
    return {x: min(grid_wds(results), key=lambda wd: valid_loss(results[(x, wd)]).mean()) for x in xs}


def best_wd_words(results, name):
    """The weight decay with the lowest mean validation loss at each x of a grid's {(x, wd):
    results}, in words, `name(x)` naming x."""
    return "; ".join(f"{name(x)}, {wd:g}" for x, wd in best_wds(results).items())


def losses_at_end(results):
    """The mean over seeds of the last epoch's training loss and of the final validation loss."""
    return (float(np.mean([r["history"]["epoch"]["train_loss"][-1] for r in results])),
            float(valid_loss(results).mean()))


def ruin_words(grids):
    """How many times the validation loss at the largest of `OVERFIT_WDS` is that at the smallest,
    across every x of {grid name: {(x, wd): [result per seed]}}, in words."""
    ratios = [valid_loss(grid[(x, max(OVERFIT_WDS))]).mean() / valid_loss(grid[(x, min(OVERFIT_WDS))]).mean()
              for grid in grids.values() for x in xs_of(grid)]
    return f"{min(ratios):.1f} to {max(ratios):.1f} times"


GRID_NAMES = {"batch": "batch {}".format, "dropout": "{}".format, "data": "{:,} images".format}


def balance_readings(book_grid, grids, profile=None):
    """What the chapter reads off the balance grids (the glue keys' `bs_` left off): the losses at
    the end of the book's cycle and of its overfitting version (the smallest weight decay), and
    the weight decay with the lowest validation loss across each grid."""
    p = get_profile(profile)
    small, lo = p.n_train // SMALLER_DATA, min(OVERFIT_WDS)
    book = losses_at_end(book_grid[(p.batch_size, book_cycle(p.name).wd)])
    over = losses_at_end(grids["data"][(small, lo)])
    small_batch = min(balance_batches(p.name))
    train_at = {"small_batch_train": grids["batch"][(small_batch, lo)],
                "drop_train": grids["dropout"][(HEAD_DROPOUT["concat"], lo)],
                "nodrop_train": grids["dropout"][(HEAD_DROPOUT["concat_no_dropout"], lo)]}
    return {"book_train": book[0], "book_valid": book[1], "over_train": over[0], "over_valid": over[1],
            "over_images": f"{small:,}", "over_epochs": grids["data"][(small, min(OVERFIT_WDS))][0]["config"]["epochs"],
            "over_wds": ", ".join(f"{wd:g}" for wd in OVERFIT_WDS), "all_images": f"{p.n_train:,}",
            **{key: losses_at_end(rs)[0] for key, rs in train_at.items()},
            "steps_ratio": p.batch_size // small_batch,
            "contrast": f"{CONTRAST[0]:g} against {CONTRAST[1]:g}", "top_wd": f"{max(OVERFIT_WDS):g}",
            "top_ratio": ruin_words(grids), "best_by_batch": best_wd_words(book_grid, GRID_NAMES["batch"]),
            **{f"over_best_{name}": best_wd_words(grid, GRID_NAMES[name]) for name, grid in grids.items()}}


def advice_config(profile=None):
    """The paper's advice worked through: the largest batch of `SCALED`, at the LR its range tests
    suggest (the book's rule), with the weight decay of the batch grid whose validation loss is
    lowest at that batch, for the profile's epochs."""
    p = get_profile(profile)
    b = max(SCALED)
    finders = run_job_grid({b: finder_jobs(p.name)[b]})[b]
    grid = run_seeds({k: c for k, c in batch_wd_settings(p.name).items() if k[0] == b})
    return book_cycle(p.name, batch_size=b, lr=suggested_lr(finders), wd=best_wds(grid)[b])


def advice_readings(results):
    """The advice's run against the book's cycle ({label: [result per seed]}, the advice first)."""
    (_, a), (_, base) = results.items()
    config = a[0]["config"]
    return {"lr": config["lr"], "wd": f"{config['wd']:g}", "acc": float(acc(a).mean()),
            "iterations": len(a[0]["history"]["iteration"]["lr"]), "base_acc": float(acc(base).mean()),
            "base_iterations": len(base[0]["history"]["iteration"]["lr"]),
            "diff": compare(acc(a), acc(base)).text("points", 2)}


def equal_epochs(results, margin):
    big = label(SCALED[-1])
    (base,) = [k for k in results if k != big]
    return difference(big, base)(results, margin)


def balance_batches(profile=None):
    """The two batch sizes of the batch x weight-decay grid where the network overfits: the
    smaller of `SCALED` and the profile's. At equal epochs the larger of `SCALED` takes too few
    steps to train (a quarter of the profile's), so its validation loss would measure
    underfitting, not the balance."""
    return min(SCALED), get_profile(profile).batch_size


def xs_of(results):
    """The x values of a grid's {(x, wd): [result per seed]}, smallest first."""
    return sorted({x for x, _ in results})


def wd_claim(statement, theirs, grid, measured, ends):
    """The claim that the larger weight decay of `CONTRAST` lowers the validation loss more than
    the smaller does at one end of the grid `overfit_grids(profile)[grid]` than at the other:
    `ends(results)` gives (where, there), and `measured` says which is which."""
    return Claim(
        "batch_size", PAPER, statement, theirs,
        f"validation loss lowered by WD {CONTRAST[0]:g} instead of {CONTRAST[1]:g}, {measured}", "beats",
        arms=lambda p: seeded(overfit_grids(p)[grid]), unit="", digits=3,
        measure=lambda results, margin: more_wd_helps_more(results, margin, *ends(results)),
        section="Where the network overfits")


LR_GROWS = Claim(
    "batch_size", PAPER, "Larger batch sizes permit larger learning rates (range test)",
    "larger batches permit larger LRs (no number)",
    "slope of log suggested LR (minimum/10) against log batch size, per seed", "beats",
    arms=lambda p: finder_jobs(p), measure=lr_grows, unit="", digits=2,
    section="How large a learning rate each batch size allows")

EQUAL_EPOCHS = Claim(
    "batch_size", PAPER, "A larger batch with a proportionally larger LR is as good at equal epochs",
    "compare at equal epochs or iterations; both are unfair in some way",
    "accuracy, batch 512 minus the profile's batch, equal epochs, LR in proportion (points)", "as good",
    arms=lambda p: seeded(scaling_settings(p), label(SCALED[-1]), f"batch {get_profile(p).batch_size}"),
    measure=equal_epochs,
    section="Equal epochs or equal iterations")

BATCH_WD = wd_claim("A larger batch calls for more weight decay",
                    "more of one regulariser calls for less of another (no number)",
                    "batch", "at the larger batch minus at the smaller", xs_of)

DROPOUT_WD = wd_claim("Less dropout calls for more weight decay",
                      "more of one regulariser calls for less of another (no number)",
                      "dropout", "without the head's dropout minus with it",
                      lambda results: (HEAD_DROPOUT["concat"], HEAD_DROPOUT["concat_no_dropout"]))

DATA_WD = wd_claim("Smaller datasets need larger weight decay",
                   "smaller datasets need larger weight decay (no number)",
                   "data", f"on a {SMALLER_DATA}th of the images minus on all", lambda results: xs_of(results)[::-1])

CLAIMS = [LR_GROWS, EQUAL_EPOCHS, BATCH_WD, DROPOUT_WD, DATA_WD]

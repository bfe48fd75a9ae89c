"""The last chapter: the book's recipe, each of its choices made from its chapter's results,
trained against fair baselines of the same length (SGD with a step schedule tuned over its
starting LR and the place of its drops; Adam or AdamW with 1cycle, the better of the weight-decay
chapter's four), the triangular CLR and a plain Adam; and the hyper-parameters in short, each row
a claim decided by the book's rule."""
from dataclasses import replace

from ..analysis import acc, highest_mean, one_sample, summary_table
from ..claim import Claim, difference, seeded
from ..config import step_config
from ..profiles import get_profile
from ..runs import run_seeds
from . import batch_size, clr, later, momentum, one_cycle, range_test, super_convergence, weight_decay

RECIPE, STEP, ADAM = "the recipe (SGD, 1cycle)", "SGD, tuned step schedule", "Adam or AdamW, 1cycle"
BASELINE = "Adam, constant LR 1e-3"
PAPER = "the book"
# The step schedule's drops (fractions of the run) and the names of its runs: He et al.'s (the super-convergence
# chapter's step schedule) and Caffe's CIFAR-10 solver's (the CLR chapter's fixed LR), whose runs the grid shares
DROPS = {"drops at 50% and 75%": ((0.5, 0.75), "sc-step-{lr:g}"),
         "drops at 86% and 93%": (clr.LATE_DROPS, "clr-fixed-{lr:.3g}")}


def budget(profile=None):
    """The epochs of every run of the chapter: twice the profile's budget, the length of the CLR
    chapter's runs and of the super-convergence chapter's first step schedule."""
    return 2 * get_profile(profile).epochs


def step_starts(profile=None):
    """The step schedule's starting LRs: He et al.'s 0.1, the book's peak and twice it."""
    lr = range_test.peak_lr(profile)
    return super_convergence.HE_LR, lr, 2 * lr


def step_grid(profile=None):
    """{(drops, starting LR): step schedule of `budget` epochs}, momentum 0.9, weight decay 1e-4."""
    p = get_profile(profile)
    return {(where, lr): step_config(p.name, lr=lr, steps=steps, epochs=budget(p.name), name=name.format(lr=lr))
            for where, (steps, name) in DROPS.items() for lr in step_starts(p.name)}


def step_intervals(results):
    """{drops: {starting LR: mean accuracy (%) with its 95% interval}} of the step grid's
    {(drops, starting LR): [result per seed]}, for the figure."""
    lines = {}
    for (where, lr), rs in results.items():
        lines.setdefault(where, {})[lr] = one_sample(acc(rs))
    return lines


def recipe_config(profile=None):
    """1cycle at the book's peak LR, momentum 0.95 -> 0.85, the weight decay the coarse-to-fine
    search of the weight-decay chapter found best, for `budget` epochs."""
    p = get_profile(profile).name
    _, best_wd = weight_decay.search(p)
    return range_test.book_cycle(p, wd=best_wd, epochs=budget(p))


def settings(profile=None):
    """{label: config}: the recipe; the best of the step grid; the best of the weight-decay
    chapter's Adam and AdamW cycles; the CLR chapter's triangular CLR and Adam, all `budget` long."""
    p = get_profile(profile).name
    steps = step_grid(p)
    adams = weight_decay.adam_variants(p)
    others = clr.settings(p)
    return {RECIPE: recipe_config(p), STEP: steps[highest_mean(run_seeds(steps))],
            ADAM: replace(adams[highest_mean(run_seeds(adams))], epochs=budget(p)),
            clr.TRIANGULAR: replace(others[clr.TRIANGULAR], epochs=budget(p)),
            BASELINE: replace(others["Adam"], epochs=budget(p))}


def beats(other, words):
    """The claim "the recipe beats `other`", `words` naming `other` in its sentences."""
    return Claim(
        "recipe", PAPER, f"The recipe beats {words}", "", f"accuracy, the recipe minus {words} (points)", "beats",
        arms=lambda p: seeded(settings(p), RECIPE, other), measure=difference(RECIPE, other, ("the recipe", words)),
        digits=2,
        says={"held": f"the whole interval lies above zero, so the recipe is better than {words}",
              "contradicted": f"the whole interval lies at or below zero, so the recipe is not better: {words} is "
                              "ahead",
              "inconclusive": "the interval includes zero, so at {seeds} seeds the recipe and " + words
                              + " cannot be told apart"})


BEATS_STEP = beats(STEP, "the tuned step schedule")
BEATS_ADAM = beats(ADAM, "Adam with 1cycle")
BEATS_CLR = beats(clr.TRIANGULAR, "the triangular CLR")
BEATS_BASELINE = beats(BASELINE, "the plain Adam")
CLAIMS = [BEATS_STEP, BEATS_ADAM, BEATS_CLR, BEATS_BASELINE]

def against_recipe(results):
    """{claim: the recipe minus the other arm, with its 95% interval} on the chapter's results."""
    return {claim.statement: claim.decide_on(results).comparison for claim in CLAIMS}


def readings(steps, results, searched):
    """What the chapter reads off its runs: the step grid's {(drops, LR): results}, the compared
    {label: results} and the weight-decay search's {wd: results} (the glue keys' `recipe_` left off)."""
    step, adam, recipe = (results[k][0]["config"] for k in (STEP, ADAM, RECIPE))
    table = summary_table(results)
    means = [acc(rs).mean() for rs in searched.values()]
    where = next(w for w, (drops, _) in DROPS.items() if tuple(drops) == tuple(step["steps"]))
    return {"lr": recipe["lr"], "wd": f"{recipe['wd']:g}", "wd_spread": float(max(means) - min(means)),
            "epochs": recipe["epochs"], "iterations": len(results[RECIPE][0]["history"]["iteration"]["lr"]),
            "step_lr": step["lr"], "step_drops": where, "step_tried": len(steps),
            "step_edge": " (the largest start tried)" if step["lr"] == max(lr for _, lr in steps) else "",
            "step_spread": float(max(acc(rs).mean() for rs in steps.values())
                                 - min(acc(rs).mean() for rs in steps.values())),
            "adam_opt": {"adam": weight_decay.ADAM, "adamw": weight_decay.ADAMW}[adam["opt"]],
            "adam_lr": adam["lr"], "adam_wd": f"{adam['wd']:g}",
            **{f"{key}_{stat}": float(table.loc[label, f"{stat} (%)"])
               for key, label in (("self", RECIPE), ("step", STEP), ("adam", ADAM), ("clr", clr.TRIANGULAR),
                                  ("base", BASELINE)) for stat in ("mean", "std")}}


# The hyper-parameters in short: (hyper-parameter, claim), the rows of the chapter's last table.
IN_SHORT = [
    *[("learning rate", claim) for claim in range_test.MINIMUM_AS_GOOD_AS.values()],
    ("learning rate", range_test.MINIMUM_BEATS_VALLEY),
    ("learning rate", one_cycle.LARGE_PEAKS),
    ("schedule", super_convergence.SHORT_CYCLE),
    ("schedule", later.WSD_AS_GOOD),
    ("schedule", later.SF_AS_GOOD),
    ("momentum", momentum.CYCLICAL_MOMENTUM),
    ("momentum", momentum.BEATS_099),
    ("weight decay", weight_decay.WD_1E4),
    ("weight decay", batch_size.DATA_WD),
    ("batch size", batch_size.LR_GROWS),
    ("batch size", batch_size.EQUAL_EPOCHS),
]
HOW = {
    "learning rate": "LR range tests of a few hundred iterations over several seeds; the peak of 1cycle at a tenth "
                     "of their median loss minimum",
    "schedule": "1cycle; end a cyclical schedule at the bottom of a cycle; warmup-stable-decay when the length of "
                "the run is not known; Schedule-Free is worth a try (it led at our scale)",
    "momentum": "cycle 0.95 → 0.85 against the learning rate, or a constant 0.85-0.9; never 0.99 with a large LR",
    "weight decay": "constant; powers of ten first, then half an exponent around the best; decoupled (AdamW) "
                    "needs larger values; more where the network overfits (little data, no dropout)",
    "batch size": "the largest that fits, then a range test at that batch for the LR; compare batch sizes at equal "
                  "epochs and at equal iterations, and say which",
}

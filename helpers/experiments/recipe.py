"""The last chapter: the book's recipe, each of its choices made from its chapter's results,
trained against a plain baseline and the triangular CLR of the same length; and the
hyper-parameters in short, each row a claim decided by the book's rule."""
from ..claim import Claim, difference, seeded
from ..config import cycle_config
from ..profiles import get_profile
from . import clr, momentum, one_cycle, range_test, super_convergence, weight_decay

RECIPE, BASELINE = "the recipe (SGD, 1cycle)", "Adam, constant LR 1e-3"
PAPER = "the book"


def recipe_config(profile=None):
    """1cycle at the range test's peak LR (a tenth of the loss minimum), momentum 0.95 -> 0.85, the
    weight decay the coarse-to-fine search found best, for one and a half budgets."""
    p = get_profile(profile).name
    _, best_wd = weight_decay.search(p, earlier=True)
    lr, epochs = range_test.peak_lr(p, earlier=True), clr.earlier_settings(p)[clr.TRIANGULAR].epochs
    return cycle_config(p, name="recipe", lr=lr, wd=best_wd, mom=0.95, mom_min=0.85, epochs=epochs)


def settings(profile=None):
    """{label: config}: the recipe, and the CLR chapter's Adam baseline and triangular CLR."""
    p = get_profile(profile).name
    others = clr.earlier_settings(p)
    return {RECIPE: recipe_config(p), BASELINE: others["Adam"], clr.TRIANGULAR: others[clr.TRIANGULAR]}


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


BEATS_BASELINE = beats(BASELINE, "the baseline")
BEATS_CLR = beats(clr.TRIANGULAR, "the triangular CLR")

# The hyper-parameters in short: (hyper-parameter, claim), the rows of the chapter's last table.
IN_SHORT = [
    *[("learning rate", claim) for claim in range_test.MINIMUM_AS_GOOD_AS.values()],
    ("learning rate", range_test.MINIMUM_BEATS_VALLEY),
    ("learning rate", one_cycle.LARGE_PEAKS),
    ("schedule", super_convergence.SHORT_CYCLE),
    ("momentum", momentum.CYCLICAL_MOMENTUM),
    ("momentum", momentum.BEATS_099),
    ("weight decay", weight_decay.WD_1E4),
]
HOW = {
    "learning rate": "LR range tests of a few hundred iterations over several seeds; the peak of 1cycle at a tenth "
                     "of their median loss minimum",
    "schedule": "1cycle; end a cyclical schedule at the bottom of a cycle",
    "momentum": "cycle 0.95 → 0.85 against the learning rate, or a constant 0.85-0.9; never 0.99 with a large LR",
    "weight decay": "constant; powers of ten first, then half an exponent around the best; decoupled (AdamW) "
                    "needs larger values",
}

"""The interpolation chapter: the loss along the line between two states of a regular run and
between the solutions of two CLR cycles (Smith and Topin 2017)."""
import numpy as np

from ..analysis import barrier_height, compare, lowest_alpha, one_sample
from ..claim import Claim
from ..config import make_config
from ..interpolation import lines_job
from ..paper import TOPOLOGY as PAPER
from ..profiles import get_profile

REGULAR, CYCLICAL = "regular run", "cyclical run"
ALPHAS = sorted(set(np.round(np.linspace(-0.5, 1.5, 21), 2)) | {-10.0, -8.0, -6.0, -4.0, -2.0, -1.0, 2.0, 3.0, 4.0})


def arms(profile=None):
    """{run: [its interpolation job]}: the step schedule for twice the budget, joined at half time
    and at the end; the triangular CLR for three cycles, joined at the ends of the last two."""
    p = get_profile(profile)
    budget, cycle = p.epochs, max(1, p.epochs // 2)
    regular = make_config(p.name, name="ip-step", schedule="step", lr=0.1, mom=0.9, wd=1e-4, epochs=2 * budget)
    cyclical = make_config(p.name, name="ip-clr", schedule="triangular", lr=0.4, base_lr=0.1, mom=0.9, wd=1e-4,
                           step_epochs=cycle / 2, epochs=3 * cycle)
    return {REGULAR: [lines_job(regular, {"line": (budget, 2 * budget)}, ALPHAS)],
            CYCLICAL: [lines_job(cyclical, {"line": (2 * cycle, 3 * cycle)}, ALPHAS)]}


def recomputed(results):
    """{run: [the line with BatchNorm statistics recomputed, per seed]}."""
    return {run: [r["lines"]["line"]["recomputed"] for r in rs] for run, rs in results.items()}


def barrier(results, margin):
    heights = {run: np.array([barrier_height(rows) for rows in lines]) for run, lines in recomputed(results).items()}
    return (f"validation-loss barrier {heights[CYCLICAL].mean():.3f} between CLR solutions, "
            f"{heights[REGULAR].mean():.3f} along one regular run ({len(heights[CYCLICAL])} seed(s))",
            compare(heights[CYCLICAL], heights[REGULAR], margin), {"heights": heights})


def minimum_inside(results, margin):
    where = {run: np.array([lowest_alpha(rows) for rows in lines]) for run, lines in recomputed(results).items()}
    low, high = margin
    return (f"lowest validation loss at alpha {where[CYCLICAL].mean():.1f} between CLR solutions "
            f"({where[REGULAR].mean():.1f} along one regular run; {len(where[CYCLICAL])} seed(s))",
            one_sample(where[CYCLICAL], above=low, below=high), {"where": where})


BARRIER = Claim(
    "interpolation", PAPER, "A barrier separates the solutions of two CLR cycles, not two states of one run",
    "Fig. 1-2", "barrier height, CLR pair minus regular pair", "beats", arms=arms, measure=barrier, unit="",
    digits=3)

MINIMUM_INSIDE = Claim(
    "interpolation", PAPER, "The validation-loss minimum lies inside (0, 1) between two CLR solutions",
    "slightly inside (0, 1)", "alpha of the lowest validation loss", "inside", arms=arms, measure=minimum_inside,
    unit="", digits=2)

CLAIMS = [BARRIER, MINIMUM_INSIDE]

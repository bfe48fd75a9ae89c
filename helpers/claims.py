"""The claims table: every claim of the papers that the book tests (`helpers.claim.Claim`, defined
with its chapter's experiments in `helpers.experiments`), in the book's order, with the paper's
number beside ours and the verdict of the book's one rule. Ours are computed from a profile's
cached results, found by the configurations each claim builds, never typed.

Each claim is a measured difference over seeds with its 95% interval, and a bound from
`helpers.claim.MARGINS` that the difference must clear: held when the whole interval clears it,
contradicted when none of it does, inconclusive when it straddles. `tests/test_claims.py` checks
each row against the committed cpu results, and the last chapter shows the table.
"""
import json
from functools import cache

import pandas as pd
from docutils.nodes import make_id

from .claim import MARGINS, to_decide
from .settings import BOOK_DIR
from .experiments import (batch_size, clr, fine_tuning, fitting, interpolation, later, momentum, one_cycle,
                          range_test, super_convergence, weight_decay)

CLAIMS = [*fitting.CLAIMS, *range_test.CLAIMS, *clr.CLAIMS, *super_convergence.CLAIMS, *one_cycle.CLAIMS,
          *momentum.CLAIMS, *weight_decay.CLAIMS, *batch_size.CLAIMS, *interpolation.CLAIMS, *fine_tuning.CLAIMS,
          *later.CLAIMS]
LARGER = "gpu"  # the larger scale: its profile computes the claims of `AT_LARGER_SCALE` (`helpers.gpu_check`)
AT_LARGER_SCALE = [super_convergence.LARGE_LRS, super_convergence.CLIP_AS_GOOD,
                   super_convergence.SHORT_CYCLE]  # cheapest first: the order `helpers.gpu_check` computes them
NOT_COMPUTED = "not computed yet"


@cache
def chapter_title(name):
    """The title (first heading) of the chapter notebook `book/<name>.ipynb`."""
    first_cell = json.loads((BOOK_DIR / f"{name}.ipynb").read_text())["cells"][0]
    return "".join(first_cell["source"]).splitlines()[0].lstrip("#").strip()


def section_link(chapter, section):
    """Where the built site shows a chapter's section: its page and the id that Sphinx gives the
    section's heading (docutils' `make_id`), e.g. 'clr.html#three-policies'."""
    return f"{chapter}.html#{make_id(section)}"


def margin_text(bound):
    """A margin as the table writes it: '> -0.5' or 'in (0, 1)'."""
    return f"in ({bound[0]:g}, {bound[1]:g})" if isinstance(bound, tuple) else f"> {bound:g}"


def engine_settings(results):
    """The engine settings that {arm: [result, ...]} were computed with: the device, CPU kind and
    thread count each result's provenance names. A claim's arms should share one."""
    return sorted({r["provenance"]["device"] for rs in results.values() for r in rs})


def larger_scale(claim, larger=LARGER):
    """`claim` at the `larger` scale, for the table: the difference with its interval and the
    verdict, from cached results only (`NOT_COMPUTED` and None while any is missing), or None
    and None for a claim that scale does not compute."""
    if claim not in AT_LARGER_SCALE:
        return None, None
    decision = claim.cached_decision(larger)
    return (decision.text(), decision.verdict) if decision else (NOT_COMPUTED, None)


def claims_table(profile="cpu", larger=LARGER):
    """One row per claim: chapter, paper, claim, the paper's number, ours, the difference that
    decides it with its 95% interval (`ci_low`, `ci_high`), the margin it must clear, the
    fewest seeds of its arms, the verdict (held, contradicted or inconclusive), what would
    decide it (`to_decide`), the engine settings its results were computed with, where the
    site shows it (`section_link`), and the difference and verdict at the `larger` scale
    (`larger_scale`)."""
    rows = []
    for claim in CLAIMS:
        results = claim.results(profile)
        decision = claim.decide_on(results)  # the claim's own runs: no need to check them again
        c = decision.comparison
        rows.append({"chapter": chapter_title(claim.chapter), "paper": claim.paper, "claim": claim.statement,
                     "paper's number": claim.theirs, f"ours ({profile})": decision.ours,
                     "difference of": claim.measured, "difference": c.difference, "ci_low": c.ci_low,
                     "ci_high": c.ci_high, "margin": margin_text(MARGINS[claim.margin][0]),
                     "seeds per arm": min(len(rs) for rs in results.values()),
                     "verdict": c.verdict, "to decide": to_decide(c),
                     "computed on": "; ".join(engine_settings(results)),
                     "shown in": section_link(claim.chapter, claim.section)})
        rows[-1][f"ours ({larger})"], rows[-1][f"verdict ({larger})"] = larger_scale(claim, larger)
    return pd.DataFrame(rows)


def margins_table():
    """The margins the claims' differences must clear, each with its reason."""
    return pd.DataFrame([{"margin": kind, "bound": value, "why": why} for kind, (value, why) in MARGINS.items()])


def on_two_settings(claims, profile="cpu", other="cpu-2threads"):
    """One row per claim: its difference with 95% interval and its verdict on the results of
    `profile` and on those of `other`, the same runs computed on another engine setting."""
    rows = {}
    for claim in claims:
        here, there = claim.decide(profile=profile), claim.decide(profile=other)
        rows[claim.statement] = {profile: here.text(), f"verdict ({profile})": here.verdict,
                                 other: there.text(), f"verdict ({other})": there.verdict,
                                 "shift of the difference": there.comparison.difference - here.comparison.difference}
    return pd.DataFrame(rows).T.rename_axis("claim").astype({"shift of the difference": float})


def at_two_scales(claims, profile="cpu", larger=LARGER):
    """One row per claim: its difference with 95% interval and its verdict on the results of
    `profile` and, from cached results only, at the `larger` scale (`larger_scale`)."""
    if profile == larger:
        raise ValueError(f"larger must be another profile than {profile!r}")
    rows = {}
    for claim in claims:
        here = claim.decide(profile=profile)
        there, verdict = larger_scale(claim, larger)
        rows[claim.statement] = {profile: here.text(), f"verdict ({profile})": here.verdict,
                                 larger: there, f"verdict ({larger})": verdict}
    return pd.DataFrame(rows).T.rename_axis("claim")


def scale_findings(table, profile="cpu", larger=LARGER):
    """The glued words of an `at_two_scales` table: per claim, which scale decides it
    (`scales_decide`), and how many claims the larger scale has computed (`scales_computed`)."""
    here, there = table[f"verdict ({profile})"], table[f"verdict ({larger})"]
    words = []
    for claim in table.index:
        a, b = here[claim], there[claim]
        if pd.isna(b):
            says = f"not computed yet at the {larger} scale: the {profile} scale's verdict ({a}) stands alone"
        elif a == b:
            says = f"{a} at both scales" + (": neither decides it" if a == "inconclusive" else "")
        elif a == "inconclusive":
            says = f"the {larger} scale decides it: {b} (inconclusive at the {profile} scale)"
        elif b == "inconclusive":
            says = f"the {profile} scale's verdict ({a}) is not confirmed at the {larger} scale (inconclusive)"
        else:
            says = f"the verdict moves with scale: {a} at the {profile} scale, {b} at the {larger} scale"
        words.append(f"*{claim}*: {says}")
    computed = int(there.notna().sum())
    return {"scales_decide": "; ".join(words) if computed else
            f"none yet: until `make gpu-check` has run on a GPU, each verdict stands at the {profile} scale alone",
            "scales_computed": computed, "scales_claims": len(table)}


def two_settings_findings(table, profile="cpu", other="cpu-2threads"):
    """The glued words of an `on_two_settings` table: which verdicts moved between the two
    settings and how (`settings_moved`), what a moved verdict means (`settings_reading`), and the
    largest shift of a difference (`settings_shift`)."""
    here, there = table[f"verdict ({profile})"], table[f"verdict ({other})"]
    changed = [f"*{claim}* went from {here[claim]} to {there[claim]}" for claim in table.index
               if here[claim] != there[claim]]
    return {"settings_moved": f"{len(changed)} of the {len(table)} verdicts moved: " + "; ".join(changed)
            if changed else f"none of the {len(table)} verdicts moved",
            "settings_reading": "A verdict that moves with the engine setting rests on the draw of the noise more "
                                "than on the data: its interval ends near the margin, and another draw crosses it. "
                                "The seeds to decide that the claims table gives for it say what would settle it."
            if changed else "Both settings decide every claim the same way.",
            "settings_shift": float(table["shift of the difference"].abs().max())}

"""A claim of the papers, defined once: what it says, the runs it compares, and how their results
decide it under the book's one rule (`helpers.analysis`).

A `Claim` builds its arms, the jobs it compares, from a profile (`arms(profile)` returns
{arm: [job per seed]}), so its results are found by their configurations, never by a name typed
again elsewhere; `measure` turns {arm: [result, ...]} into what we measured (a phrase), a
`Comparison` against the bound in `MARGINS`, and details that the chapter's sentences name (a
dict). A chapter that trained the arms already passes its results to `decide` (they are checked
to be the claim's runs); the claims table and the tests call `decide` with a profile, and the
arms are read from the cache.
"""
from dataclasses import dataclass, field
from typing import Callable

from .analysis import acc, compare, fmt
from .cache import MissingResult, only_cached
from .config import with_seeds
from .profiles import get_profile
from .runs import run_job, run_job_grid

# The bound each claim's difference must clear, and why. Accuracies are in points (%).
MARGINS = {
    "beats": (0.0, "X beats Y: any difference, as long as the whole interval is above zero."),
    "as good": (-0.5, "X is as good as Y: X may trail by at most half a point, about the seed "
                      "spread of one setting at this scale and the size of difference the papers "
                      "call 'as good'."),
    "falling": (0.0, "Still falling: a straight line fitted to the validation loss over the second "
                     "half of the run falls by more than zero per epoch."),
    "rises": (0.0, "Turns up: the validation loss at the end exceeds its lowest stretch (judged "
                   "on the other seeds, so the choice of stretch does not favour the claim)."),
    "plateau": (0.5, "A schedule has plateaued when doubling its training is no longer shown to "
                     "gain more than half a point."),
    "top of range": (0.9, "Trains up to the top: the accuracy peaks in the last tenth of the "
                          "range, as a fraction of its largest LR."),
    "inside": ((0.0, 1.0), "Inside (0, 1): the whole interval of the lowest alpha lies between "
                           "the two solutions."),
}


def seeded(configs, *labels):
    """{arm: [training job per seed of the profile]} for {arm: config} (only the arms `labels`
    name, in the order of `configs`, when given): a claim's usual arms."""
    return {arm: [run_job(c) for c in with_seeds(config)] for arm, config in configs.items()
            if not labels or arm in labels}


def difference(a, b, names=None):
    """The measure of "arm `a` minus arm `b`" in final accuracy (points), the arms named by
    `names` (their labels by default) in what we measured."""
    names = names or (a, b)

    def measure(results, margin):
        x, y = acc(results[a]), acc(results[b])
        return f"{names[0]} {fmt(x)}, {names[1]} {fmt(y)}", compare(x, y, margin), {"seeds": len(x)}
    return measure


def bound(kind):
    """The bound of the margin `kind` (a number, or (low, high) for "inside")."""
    return MARGINS[kind][0]


@dataclass(frozen=True)
class Claim:
    """One claim: the chapter that tests it, the paper and its number, the difference that
    decides it and the margin it must clear, the arms it compares and how they are measured,
    and (optionally) the chapter's sentence and short phrase for each verdict."""
    chapter: str
    paper: str
    statement: str
    theirs: str
    measured: str
    margin: str
    arms: Callable = field(repr=False)      # profile -> {arm: [Job, ...]}
    measure: Callable = field(repr=False)   # ({arm: [result, ...]}, bound) -> (ours, Comparison, details)
    says: dict = field(default_factory=dict, repr=False)  # verdict -> sentence, formatted with details
    sums_up: dict = field(default_factory=dict, repr=False)  # verdict -> short phrase, likewise
    unit: str = "points"
    digits: int = 1
    section: str = ""  # the heading of the chapter's section that shows it (the claims table links to it)

    def __post_init__(self):
        if self.margin not in MARGINS:
            raise ValueError(f"margin must be one of {sorted(MARGINS)}, got {self.margin!r}")

    def results(self, profile=None):
        """{arm: [result, ...]}: every arm's jobs in one grid (cached ones read back)."""
        return run_job_grid(self.arms(get_profile(profile).name))

    def decide(self, results=None, profile=None):
        """The `Decision` on `results` ({arm: [result, ...]}, which may hold other settings too;
        each arm's must be the claim's runs), or on the arms' results in `profile`."""
        if results is None:
            return self.decide_on(self.results(profile))
        chosen = {}
        for arm, jobs in self.arms(get_profile(profile).name).items():
            given = results.get(arm)
            if given is None or [r.get("spec") for r in given] != [job.spec for job in jobs]:
                raise ValueError(f"results[{arm!r}] are not the runs that the claim "
                                 f"{self.statement!r} compares")
            chosen[arm] = given
        return self.decide_on(chosen)

    def cached_decision(self, profile):
        """The `Decision` on the results of `profile` when all of them are cached, else None:
        nothing trains (the claims table's column for the gpu profile)."""
        try:
            with only_cached():
                return self.decide(profile=profile)
        except MissingResult:
            return None

    def decide_on(self, results):
        """The `Decision` on {arm: [result, ...]}, whatever runs they are (for made-up results)."""
        ours, comparison, details = self.measure(results, bound(self.margin))
        return Decision(self, ours, comparison, details)


MOST_SEEDS = 1000  # the most seeds per arm that `to_decide` considers


def undecided(comparison):
    """Why an inconclusive claim is undecided: the seeds per arm at which its interval would clear
    the margin if the arms kept their measured means and spreads (an int), else "no spread" (a
    single run) or "on the margin" (more than `MOST_SEEDS` would be needed)."""
    n = comparison.seeds_to_decide(MOST_SEEDS)
    if n is not None:
        return n
    return "no spread" if any(len(g) < 2 for g in comparison.groups) else "on the margin"


def to_decide(comparison):
    """What would decide a claim at this scale, for the claims table (`undecided`)."""
    if comparison.verdict != "inconclusive":
        return "decided"
    why = undecided(comparison)
    return {"no spread": "2 or more seeds per arm (one run has no spread to measure)",
            "on the margin": f"more than {MOST_SEEDS} seeds per arm (the difference lies almost on the margin)"
            }.get(why, f"{why} seeds per arm")


@dataclass(frozen=True)
class Decision:
    """What a claim's results say: our measurement in words and the comparison that decides it."""
    claim: Claim
    ours: str
    comparison: object
    details: dict = field(default_factory=dict)

    @property
    def verdict(self):
        return self.comparison.verdict

    def text(self):
        """The difference with its interval, e.g. '+1.2 points (95% interval -0.3 to +2.7)'."""
        return self.comparison.text(self.claim.unit, self.claim.digits)

    def verdict_words(self):
        """The verdict, and for an inconclusive one what would decide it (`to_decide`)."""
        if self.verdict != "inconclusive":
            return self.verdict
        why = undecided(self.comparison)
        return {"no spread": "inconclusive: one run has no spread to measure, so two or more seeds per arm come first",
                "on the margin": "inconclusive: the difference lies almost on the margin, and even "
                                 f"{MOST_SEEDS} seeds per arm would not decide it"
                }.get(why, f"inconclusive: {why} seeds per arm would decide it, if the means and spreads stayed "
                           "as measured")

    def words(self, phrases):
        """`phrases` (verdict -> text) for this verdict, its {margin} and details filled in."""
        return phrases[self.verdict].format(margin=bound(self.claim.margin), **self.details)

    def glue(self, key):
        """Glue for the chapter's text: the difference with its interval (`key`_diff), the verdict
        and what would decide it (`key`_verdict), the claim's sentence with them (`key`) and its
        short phrase (`key`_summary), where the claim has them."""
        from IPython.display import Markdown
        from myst_nb import glue
        glue(f"{key}_diff", Markdown(self.text()), display=False)
        glue(f"{key}_verdict", Markdown(self.verdict_words()), display=False)
        if self.claim.says:
            glue(key, Markdown(f"{self.words(self.claim.says)} ({self.verdict_words()})"), display=False)
        if self.claim.sums_up:
            glue(f"{key}_summary", Markdown(self.words(self.claim.sums_up)), display=False)


def glue_all(values, prefix=""):
    """Glue {key: value} for a chapter's text as `prefix` + key, without showing it: text as
    Markdown, numbers as Python numbers (a NumPy scalar's repr is no number to the site's format)."""
    from IPython.display import Markdown
    from myst_nb import glue
    for key, value in values.items():
        value = value.item() if hasattr(value, "item") else value
        glue(prefix + key, Markdown(value) if isinstance(value, str) else value, display=False)


def minus(margin):
    """A negative margin as the book's text writes it, with a minus sign: '−0.5'."""
    return f"−{-margin:g}"

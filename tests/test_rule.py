"""The book's one comparison rule (helpers.analysis): the Welch interval against SciPy's t-tests,
its coverage, and the three verdicts on data made up so that the outcome is known."""
import math

import numpy as np
import pytest
from scipy import stats

from helpers.analysis import compare, decide, interval, one_sample, verdict

A = np.array([81.2, 82.0, 80.7, 81.5, 82.4])
B = np.array([79.9, 78.2, 80.5, 79.0, 81.1, 78.8])


def test_two_sample_interval_is_welchs_t_interval():
    diff, low, high = interval([A, B], [1, -1])
    ci = stats.ttest_ind(A, B, equal_var=False).confidence_interval(0.95)
    assert diff == pytest.approx(A.mean() - B.mean())
    assert (low, high) == pytest.approx((ci.low, ci.high))


def test_one_sample_interval_is_the_t_interval():
    c = one_sample(A - 81)
    ci = stats.ttest_1samp(A - 81, 0).confidence_interval(0.95)
    assert (c.ci_low, c.ci_high) == pytest.approx((ci.low, ci.high))


def test_a_contrast_of_four_groups_covers_its_true_value_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    means, sds, weights = (80, 82, 85, 86), (0.5, 2.0, 1.0, 0.7), (1, -1, -1, 1)
    true = sum(w * m for w, m in zip(weights, means))
    hits = 0
    for _ in range(2000):
        groups = [rng.normal(m, s, 5) for m, s in zip(means, sds)]
        _, low, high = interval(groups, weights)
        hits += low < true < high
    assert 0.93 < hits / 2000 < 0.97


def test_known_outcomes():
    assert compare(A, B).verdict == "held"  # A is clearly larger
    assert compare(B, A).verdict == "contradicted"
    assert compare(A, A[::-1] + np.array([0.3, -0.3, 0.2, -0.2, 0.0])).verdict == "inconclusive"
    # "as good as, within half a point": a tie with a tight interval is held, a clear loss is not
    tight = np.array([81.0, 81.1, 80.9, 81.0, 81.05])
    assert compare(tight, tight - 0.1, margin=-0.5).verdict == "held"
    assert compare(tight - 2, tight, margin=-0.5).verdict == "contradicted"


def test_a_claim_about_a_region_needs_the_whole_interval_inside_it():
    assert one_sample([0.4, 0.5, 0.6, 0.5], above=0, below=1).verdict == "held"
    assert one_sample([1.3, 1.4, 1.5], above=0, below=1).verdict == "contradicted"
    assert one_sample([0.1, 0.9, 1.4], above=0, below=1).verdict == "inconclusive"


def test_one_seed_decides_nothing():
    c = compare([81.0], [70.0])
    assert (c.ci_low, c.ci_high, c.verdict) == (-math.inf, math.inf, "inconclusive")


def test_verdict_bounds_and_weights_are_checked():
    assert verdict(0.1, 0.2, above=0) == "held"
    assert verdict(-0.2, 0.0, above=0) == "contradicted"
    with pytest.raises(ValueError, match="above must be less than below"):
        verdict(0, 1, above=1, below=0)
    with pytest.raises(ValueError, match="weights must have one entry per group"):
        decide([A, B], [1])


def test_text_rounds_before_signing():
    from helpers.analysis import Comparison
    assert Comparison(-0.03, -4.71, 4.6, "inconclusive").text() == "+0.0 points (95% interval -4.7 to +4.6)"


def test_plateau_is_the_first_length_whose_doubling_is_not_shown_to_gain():
    from helpers.analysis import plateau
    rising = {8: A - 3, 16: A, 32: A + 0.1}  # 8 -> 16 gains 3 points, 16 -> 32 nothing
    assert plateau(rising, gain=0.5) == 16
    assert plateau({8: A - 3, 16: A}, gain=0.5) is None  # still gaining at the last doubling
    assert plateau({8: A, 32: A}, gain=0.5) is None  # no doubling measured


def with_spread(mean, n):
    """`n` values with this mean and a standard deviation (ddof=1) of exactly 1."""
    z = np.arange(n) - (n - 1) / 2
    return mean + z / z.std(ddof=1)


def test_seeds_to_decide_is_where_the_interval_first_clears_the_bound():
    from helpers.analysis import compare, seeds_to_decide
    # means 1 apart, spread 1: inconclusive at 3 seeds, held from 9 seeds on (t with 16 df)
    assert compare(with_spread(1, 3), with_spread(0, 3)).verdict == "inconclusive"
    assert compare(with_spread(1, 8), with_spread(0, 8)).verdict == "inconclusive"
    assert compare(with_spread(1, 9), with_spread(0, 9)).verdict == "held"
    assert seeds_to_decide([with_spread(1, 3), with_spread(0, 3)], [1, -1], above=0) == 9
    assert compare(with_spread(1, 3), with_spread(0, 3)).seeds_to_decide() == 9
    assert compare(with_spread(0, 3), with_spread(1, 3)).seeds_to_decide() == 9  # contradicted there
    assert seeds_to_decide([with_spread(0.5, 3), with_spread(0.5, 3)], [1, -1], above=0) is None  # on the bound
    assert seeds_to_decide([[1.0], [0.0]], [1, -1], above=0) is None  # no spread measured

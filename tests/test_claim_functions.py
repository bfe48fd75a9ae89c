"""Each claim of helpers.experiments decided on results made up so that its verdict is known."""
import numpy as np
import pytest

from helpers.claim import Claim
from helpers.experiments import clr, fitting, momentum, one_cycle, range_test, weight_decay


def fake(accuracies, epochs=4, n_train=10_000, lr=0.1):
    """Made-up results, one per accuracy (in %)."""
    return [{"final": {"accuracy": a / 100}, "config": {"epochs": epochs, "n_train": n_train, "lr": lr},
             "history": {"iteration": {"lr": [lr] * 78 * epochs}}} for a in accuracies]


HIGH, LOW = [85.0, 85.4, 84.8, 85.2, 85.1], [80.0, 80.5, 79.6, 80.2, 80.1]


def test_a_clear_lead_is_held_and_a_clear_deficit_contradicted():
    claim = clr.BEATS_FIXED
    assert claim.decide_on({clr.TRIANGULAR: fake(HIGH), clr.FIXED: fake(LOW)}).verdict == "held"
    assert claim.decide_on({clr.TRIANGULAR: fake(LOW), clr.FIXED: fake(HIGH)}).verdict == "contradicted"


def test_clr_is_compared_with_the_best_adaptive_optimizer():
    results = {clr.TRIANGULAR: fake(HIGH), **{name: fake(LOW) for name in clr.ADAPTIVE}}
    results["Adam"] = fake([a + 0.1 for a in HIGH])  # the best, a tenth ahead: within the margin
    decision = clr.AS_GOOD_AS_ADAPTIVE.decide_on(results)
    assert "(Adam)" in decision.ours and decision.verdict == "held"
    assert decision.words(decision.claim.says) == "the whole interval lies above -0.5 points, so CLR is as good as Adam"
    results["Adam"] = fake([a + 3 for a in HIGH])
    assert clr.AS_GOOD_AS_ADAPTIVE.decide_on(results).verdict == "contradicted"


def test_suggestions_are_compared_with_the_weakest_of_the_three_good_ones():
    results = {"slide": fake(HIGH), "minimum/10": fake([a - 1 for a in HIGH]), "steep": fake([a + 1 for a in HIGH]),
               "valley": fake(LOW), "loss minimum": fake(HIGH)}
    ranked = range_test.GOOD_RANKED.decide_on(results)
    assert ranked.details == {"strongest": "steep", "weakest": "minimum/10"} and ranked.verdict == "held"
    assert ranked.comparison.difference == pytest.approx(2.0)
    verdicts = {m: c.decide_on(results).verdict for m, c in range_test.AGAINST_WEAKEST.items()}
    assert verdicts == {"valley": "contradicted", "loss minimum": "held"}


def test_as_good_as_allows_the_margin_but_not_more():
    results = {momentum.CYCLICAL: fake(HIGH), "constant 0.99": fake(LOW), "constant 0.85": fake(LOW),
               "constant 0.9": fake([a + 0.1 for a in HIGH])}  # the best constant, a tenth ahead
    assert momentum.CYCLICAL_MOMENTUM.decide_on(results).verdict == "held"
    results["constant 0.9"] = fake([a + 3 for a in HIGH])  # three points ahead
    assert momentum.CYCLICAL_MOMENTUM.decide_on(results).verdict == "contradicted"


def test_weight_decay_1e4_is_compared_with_the_best_other_value():
    results = {wd: fake(LOW) for wd in weight_decay.COARSE}
    results[1e-4], results[1e-5] = fake(HIGH), fake([a + 3 for a in HIGH])
    decision = weight_decay.WD_1E4.decide_on(results)
    assert "(1e-05)" in decision.ours and decision.verdict == "contradicted"


def test_less_data_is_a_difference_of_gaps_at_equal_iterations():
    # the cycle leads by 5 points with a quarter of the data and by none with all of it
    results = {"1cycle, quarter": fake(HIGH, n_train=2500), "step, quarter": fake(LOW, n_train=2500),
               "1cycle, all": fake(HIGH), "step, all": fake(HIGH)}
    assert one_cycle.LESS_DATA.decide_on(results).verdict == "held"
    results["1cycle, quarter"] = fake(LOW, n_train=2500)  # no lead now
    assert one_cycle.LESS_DATA.decide_on(results).verdict != "held"


def test_the_step_schedule_doubles_until_it_plateaus_or_reaches_its_longest(monkeypatch):
    trained = []

    def run_seeds(settings):  # made up: 0.1 beats 0.4, and 16 epochs gain 3 points over 8
        trained.extend((c.lr, c.epochs) for c in settings.values())
        return {k: fake([a - 3 for a in HIGH] if c.epochs == 8 and c.lr == 0.1 else HIGH if c.lr == 0.1 else LOW,
                        epochs=c.epochs, lr=c.lr) for k, c in settings.items()}
    monkeypatch.setattr(one_cycle, "run_seeds", run_seeds)
    assert one_cycle.step_plateau("cpu") == (0.1, 16)  # still gaining at 4 budgets: the longest stands in
    assert trained == [(0.1, 8), (0.4, 8), (0.1, 16)]
    arms = one_cycle.short_cycle_arms("cpu")
    assert [jobs[0].config.epochs for jobs in arms.values()] == [2, 16]  # an eighth of the plateau
    decision = one_cycle.SHORT_CYCLE.decide_on({"1cycle": fake([a - 0.1 for a in HIGH], epochs=2),
                                                "step": fake(HIGH, epochs=16)})
    assert decision.verdict == "held" and "plateau 85.1" in decision.ours


def test_overfitting_rise_is_not_fooled_by_noise_around_a_flat_curve():
    rng = np.random.default_rng(0)
    flat = [fitting.overfitting_rise(1 + 0.1 * rng.standard_normal((5, 30))).mean() for _ in range(200)]
    assert abs(np.mean(flat)) < 0.02  # no rise on average, unlike "last minus the minimum"
    rising = 1 + np.linspace(0, 0.5, 30) + 0.05 * rng.standard_normal((5, 30))
    assert fitting.overfitting_rise(rising).min() > 0.3


def test_a_chapters_results_must_be_the_claims_runs(monkeypatch):
    monkeypatch.setenv("BOOK_CACHE", "require")
    results = clr.BEATS_FIXED.results("cpu")
    assert clr.BEATS_FIXED.decide(results, "cpu") == clr.BEATS_FIXED.decide(profile="cpu")
    swapped = {clr.TRIANGULAR: results[clr.FIXED], clr.FIXED: results[clr.TRIANGULAR]}
    with pytest.raises(ValueError, match="results\\['SGD \\+ CLR \\(triangular\\)'\\] are not the runs"):
        clr.BEATS_FIXED.decide(swapped, "cpu")


def test_a_claim_names_a_known_margin():
    with pytest.raises(ValueError, match="margin must be one of"):
        Claim("clr", "p", "s", "t", "m", "larger", arms=dict, measure=dict)

"""Each claim function of helpers.claims on results made up so that its verdict is known."""
import numpy as np
import pytest

from helpers import claims


def fake(accuracies, **extra):
    """Made-up results, one per accuracy (in %)."""
    return [{"final": {"accuracy": a / 100}, "config": {"epochs": 4, "n_train": 10_000},
             "history": {"iteration": {"lr": [0.1] * 78 * 4}}, **extra} for a in accuracies]


@pytest.fixture
def results(monkeypatch):
    table = {}

    def runs(profile, name, **config):
        key = (name, tuple(sorted(config.items())))
        found = table.get(key, table.get((name, ())))
        if found is None:
            raise LookupError(f"no results named {name!r} with {config}")
        return found

    monkeypatch.setattr(claims, "runs", runs)

    def put(name, accuracies, **config):
        table[(name, tuple(sorted(config.items())))] = fake(accuracies)
    return put


HIGH, LOW = [85.0, 85.4, 84.8, 85.2, 85.1], [80.0, 80.5, 79.6, 80.2, 80.1]


def test_a_clear_lead_is_held_and_a_clear_deficit_contradicted(results):
    results("clr-triangular", HIGH)
    results("clr-fixed", LOW)
    assert claims.clr_vs_fixed("cpu")[1].verdict == "held"
    results("clr-triangular", LOW)
    results("clr-fixed", HIGH)
    assert claims.clr_vs_fixed("cpu")[1].verdict == "contradicted"


def test_clr_is_compared_with_the_best_adaptive_optimizer(results):
    results("clr-triangular", HIGH)
    for name in ("adagrad", "adadelta", "rmsprop", "adamax"):
        results(f"clr-{name}", LOW)
    results("clr-adam", [a + 0.1 for a in HIGH])  # the best, a tenth ahead: within the margin
    text, result = claims.clr_vs_adaptive("cpu")
    assert "(Adam)" in text and result.verdict == "held"
    results("clr-adam", [a + 3 for a in HIGH])
    assert claims.clr_vs_adaptive("cpu")[1].verdict == "contradicted"


def test_as_good_as_allows_the_margin_but_not_more(results):
    results("engine-1cycle", HIGH)
    for name in ("cycle-mom0.99-mom_min0.99", "cycle-mom0.85"):
        results(name, LOW)
    results("cycle-mom0.9-mom_min0.9", [a + 0.1 for a in HIGH])  # best constant, a tenth ahead
    assert claims.cyclical_momentum("cpu")[1].verdict == "held"
    results("cycle-mom0.9-mom_min0.9", [a + 3 for a in HIGH])  # three points ahead
    assert claims.cyclical_momentum("cpu")[1].verdict == "contradicted"


def test_weight_decay_1e4_is_compared_with_the_best_other_value(results):
    results("engine-1cycle", HIGH)
    for wd in (1e-3, 1e-5, 1e-6, 0.0):
        results(f"cycle-wd{wd:g}", LOW)
    results("cycle-wd1e-05", [a + 3 for a in HIGH])
    text, result = claims.wd_1e4("cpu")
    assert "(1e-05)" in text and result.verdict == "contradicted"


def test_less_data_is_a_difference_of_gaps_at_equal_iterations(results):
    # the cycle leads by 5 points with a quarter of the data and by none with all of it
    results("engine-1cycle", HIGH)
    results("cycle-epochs16-n_train2500", HIGH, epochs=16, n_train=2500)
    for lr in (0.1, 0.4):
        results(f"sc-step-{lr}", HIGH, epochs=8, n_train=10_000)
        results(f"sc-step-{lr}", LOW, epochs=32, n_train=2500)
    assert claims.less_data("cpu")[1].verdict == "held"
    results("cycle-epochs16-n_train2500", LOW, epochs=16, n_train=2500)  # no lead now
    assert claims.less_data("cpu")[1].verdict != "held"


def test_the_short_cycle_is_judged_against_the_step_schedules_longest_gaining_run(results):
    results("engine-1cycle", LOW)
    for lr in (0.1, 0.4):
        results(f"sc-step-{lr}", [a - 3 for a in HIGH], epochs=8, n_train=10_000)
        results(f"sc-step-{lr}", HIGH, epochs=16, n_train=10_000)  # still gaining 3 points
    results("cycle-epochs2", [a - 0.1 for a in HIGH], epochs=2)
    text, result = claims.short_cycle("cpu")
    assert result.verdict == "held" and "plateau 85.1" in text  # 1/8 of 16 epochs, as good


def test_overfitting_rise_is_not_fooled_by_noise_around_a_flat_curve():
    rng = np.random.default_rng(0)
    flat = [claims.overfitting_rise(1 + 0.1 * rng.standard_normal((5, 30))).mean() for _ in range(200)]
    assert abs(np.mean(flat)) < 0.02  # no rise on average, unlike "last minus the minimum"
    rising = 1 + np.linspace(0, 0.5, 30) + 0.05 * rng.standard_normal((5, 30))
    assert claims.overfitting_rise(rising).min() > 0.3

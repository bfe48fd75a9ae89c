"""Each claim of helpers.experiments decided on results made up so that its verdict is known."""
import json

import numpy as np
import pytest

from helpers.analysis import highest_mean
from helpers.claim import Claim, glue_all
from helpers.claims import CLAIMS, section_link
from helpers.experiments import (batch_size, clr, fitting, interpolation, momentum, one_cycle, range_test, recipe,
                                 super_convergence as sc, weight_decay)
from helpers.profiles import get_profile
from helpers.settings import BOOK_DIR
from helpers.suggestions import suggestion


def fake(accuracies, epochs=4, n_train=10_000, lr=0.1):
    """Made-up results, one per accuracy (in %)."""
    return [{"final": {"accuracy": a / 100}, "config": {"epochs": epochs, "n_train": n_train, "lr": lr},
             "history": {"iteration": {"lr": [lr] * 78 * epochs}}} for a in accuracies]


HIGH, LOW = [85.0, 85.4, 84.8, 85.2, 85.1], [80.0, 80.5, 79.6, 80.2, 80.1]


def test_a_clear_lead_is_held_and_a_clear_deficit_contradicted():
    claim = clr.BEATS_FIXED
    fixed = {clr.FIXED_BASE: fake([a - 1 for a in LOW]), clr.FIXED_MAX: fake(LOW)}
    held = claim.decide_on({clr.TRIANGULAR: fake(HIGH), **fixed})
    assert held.verdict == "held" and held.details == {"fixed": clr.FIXED_MAX}  # the better fixed LR
    assert claim.decide_on({clr.TRIANGULAR: fake([a - 6 for a in LOW]), **fixed}).verdict == "contradicted"


def epochs(accuracies, total=8):
    """Made-up results whose per-epoch accuracy (on the epochs' images) rises to `accuracies` (%)."""
    return [{"final": {"accuracy": a / 100},
             "history": {"epoch": {"accuracy": [a / 100 * (e + 1) / total for e in range(total)]}}}
            for a in accuracies]


def test_clr_at_half_the_iterations_is_compared_with_the_fixed_rate_at_all():
    fixed = {clr.FIXED_BASE: epochs(LOW), clr.FIXED_MAX: epochs([a - 10 for a in LOW])}
    results = {clr.TRIANGULAR: epochs([2 * a for a in LOW]), **fixed}  # at half, level with the fixed
    decision = clr.HALF_THE_ITERATIONS.decide_on(results)
    assert decision.details == {"fixed": clr.FIXED_BASE, "epochs": 4, "total": 8}
    assert decision.comparison.difference == pytest.approx(0) and decision.verdict == "held"
    results[clr.TRIANGULAR] = epochs([1.8 * a for a in LOW])  # at half, 8 points behind
    assert clr.HALF_THE_ITERATIONS.decide_on(results).verdict == "contradicted"


def test_clr_is_compared_with_the_best_adaptive_optimizer():
    results = {clr.TRIANGULAR: fake(HIGH), **{name: fake(LOW) for name in clr.ADAPTIVE}}
    results["Adam"] = fake([a + 0.1 for a in HIGH])  # the best, a tenth ahead: within the margin
    decision = clr.AS_GOOD_AS_ADAPTIVE.decide_on(results)
    assert "(Adam)" in decision.ours and decision.verdict == "held"
    assert decision.words(decision.claim.says) == "the whole interval lies above -0.5 points, so CLR is as good as Adam"
    results["Adam"] = fake([a + 3 for a in HIGH])
    assert clr.AS_GOOD_AS_ADAPTIVE.decide_on(results).verdict == "contradicted"


def test_suggestions_are_compared_with_the_best_one():
    results = {"slide": fake(HIGH), "minimum/10": fake([a - 0.1 for a in HIGH]), "steep": fake([a + 1 for a in HIGH]),
               "valley": fake(LOW), "loss minimum": fake([a + 0.9 for a in HIGH])}
    assert range_test.best(results) == "steep"
    decisions = {m: c.decide_on(results) for m, c in range_test.AS_GOOD_AS_BEST.items()}
    assert decisions["slide"].details == {"best": "steep"}
    assert decisions["slide"].comparison.difference == pytest.approx(-1.0)
    assert decisions["valley"].verdict == "contradicted" and decisions["loss minimum"].verdict == "held"
    assert range_test.verdicts(results) == {"contradicted": ["valley", "slide", "minimum/10"],
                                            "held": ["loss minimum"]}
    assert range_test.reading(results) == ("**loss minimum** is as good; "
                                           "**valley**, **slide** and **minimum/10** train worse than it")


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
    assert decision.words(decision.claim.says).startswith("the whole interval lies at or below −0.5, so another")


def test_the_momentum_claims_sentence_writes_the_margin_with_a_minus_sign():
    results = {momentum.CYCLICAL: fake(HIGH), "constant 0.99": fake(LOW), "constant 0.85": fake(LOW),
               "constant 0.9": fake([a + 0.1 for a in HIGH])}
    decision = momentum.CYCLICAL_MOMENTUM.decide_on(results)
    assert decision.details["best"] == "constant 0.9"
    assert decision.words(decision.claim.says).startswith("the whole interval lies above −0.5, so the cycle")


def test_the_best_setting_leads_those_clearly_behind_it():
    best, leads = momentum.lead_of_best({"a": fake(LOW), "b": fake(HIGH), "c": fake([a + 0.1 for a in HIGH])})
    assert best == "c" and {k: c.verdict for k, c in leads.items()} == {"a": "held", "b": "inconclusive"}
    assert leads["a"].difference == pytest.approx(np.mean(HIGH) + 0.1 - np.mean(LOW))


def test_weight_decays_within_the_margin_of_the_best_and_the_refinement_around_it():
    results = {wd: fake(LOW) for wd in weight_decay.COARSE}
    results[1e-5] = fake([a + 0.1 for a in HIGH])
    results[1e-6] = fake(HIGH)
    assert weight_decay.fine(results) == (3e-5, 3e-6)  # half an exponent either side of the best
    best, reach = weight_decay.within_reach(results)
    assert best == 1e-5 and list(reach) == [1e-3, 1e-4, 1e-6, 0.0]  # largest first
    assert reach[1e-6].verdict == "held" and reach[0.0].verdict == "contradicted"
    results[0.0] = fake([a + 1 for a in HIGH])  # 0 is best: refined around the smallest non-zero value
    assert weight_decay.fine(results) == (3e-6, 3e-7)


def test_range_tests_per_weight_decay_rank_only_the_values_beyond_the_seed_spread():
    import pandas as pd
    table = pd.DataFrame({"lowest smoothed validation loss": [1.2, 0.98, 0.97], "its spread over seeds": [0.02] * 3,
                          "minimum/10 suggestion": [0.03, 0.2, 0.19]}, index=["1e-02", "1e-04", "0"])
    found = weight_decay.finder_findings(table)
    assert found["wd_finder_best"] == "0" and found["wd_finder_close"] == "1e-04 and 0"
    assert found["wd_finder_apart"].startswith("Standing apart: weight decay 1e-02, higher by 0.230")
    table.loc["1e-02", "lowest smoothed validation loss"] = 0.985
    assert weight_decay.finder_findings(table)["wd_finder_apart"] == "No value stands apart from the others."


def test_an_l2_penalty_that_costs_adam_and_a_decoupled_decay_that_leaves_adamw_as_good():
    adam, adamw = weight_decay.ADAM, weight_decay.ADAMW
    results = {(adam, 1e-4): fake(HIGH), (adam, 1e-2): fake(LOW),
               (adamw, 1e-2): fake([a - 0.1 for a in HIGH]), (adamw, 1e-4): fake(HIGH)}
    cost, same = weight_decay.L2_COSTS_ADAM.decide_on(results), weight_decay.DECOUPLED_AS_GOOD.decide_on(results)
    assert cost.verdict == "held" and cost.words(cost.claim.sums_up) == "costs Adam accuracy"
    assert same.verdict == "held" and same.words(same.claim.sums_up) == "leaves AdamW as good as at 10⁻⁴"
    results[(adam, 1e-2)], results[(adamw, 1e-2)] = fake(HIGH), fake(LOW)
    assert weight_decay.L2_COSTS_ADAM.decide_on(results).verdict == "inconclusive"  # equal: the interval has zero
    assert weight_decay.DECOUPLED_AS_GOOD.decide_on(results).verdict == "contradicted"


def test_less_data_is_a_difference_of_gaps_at_equal_iterations():
    # the cycle leads by 5 points with a quarter of the data and by none with all of it
    results = {"1cycle, quarter": fake(HIGH, n_train=2500), "step, quarter": fake(LOW, n_train=2500),
               "1cycle, all": fake(HIGH), "step, all": fake(HIGH)}
    assert one_cycle.LESS_DATA.decide_on(results).verdict == "held"
    results["1cycle, quarter"] = fake(LOW, n_train=2500)  # no lead now
    assert one_cycle.LESS_DATA.decide_on(results).verdict != "held"


def made_up_headline(monkeypatch, trained, gains_until=16):
    """Made-up runs for the super-convergence chapter, its peak LR 0.4: the step schedule from 0.1
    beats 0.4 and gains 3 points at every doubling up to `gains_until` epochs; cycles of 8 epochs
    or more are as good as it, shorter ones 5 points behind. What it trains is noted in `trained`."""
    def run_seeds(settings):
        trained.extend((c.schedule, c.lr, c.epochs) for c in settings.values())

        def accuracies(c):
            if c.schedule != "step":
                return HIGH if c.epochs >= 8 else LOW
            if c.lr != 0.1:
                return [a - 50 for a in LOW]
            return [a - 3 * np.log2(gains_until / min(c.epochs, gains_until)) for a in HIGH]
        return {k: fake(accuracies(c), epochs=c.epochs, lr=c.lr) for k, c in settings.items()}
    monkeypatch.setattr(sc, "run_seeds", run_seeds)
    monkeypatch.setattr(sc, "peak_lr", lambda profile=None: 0.4)
    monkeypatch.setattr(range_test, "peak_lr", lambda profile=None: 0.4)


def test_the_step_schedule_doubles_until_it_plateaus_or_reaches_its_longest(monkeypatch):
    trained = []
    made_up_headline(monkeypatch, trained)
    assert sc.step_plateau("cpu") == (0.1, 16)  # 8 -> 16 gains, 16 -> 32 does not
    assert trained == [("step", 0.1, 8), ("step", 0.4, 8), ("step", 0.1, 16), ("step", 0.1, 32)]
    arms = sc.short_cycle_arms("cpu")
    assert [jobs[0].config.epochs for jobs in arms.values()] == [2, 16]  # an eighth of the plateau
    assert list(arms)[0] == "1cycle, 2 epochs" and arms["1cycle, 2 epochs"][0].config.lr == 0.4
    decision = sc.SHORT_CYCLE.decide_on({"1cycle": fake([a - 0.1 for a in HIGH], epochs=2),
                                         "step": fake(HIGH, epochs=16)})
    assert decision.verdict == "held" and "plateau 85.1" in decision.ours
    made_up_headline(monkeypatch, [], gains_until=1000)
    assert sc.step_plateau("cpu") == (0.1, 4 * sc.STEP_LONGEST)  # still gaining: the longest stands in


def test_cycles_double_from_an_eighth_of_the_plateau_until_one_is_as_good(monkeypatch):
    trained = []
    made_up_headline(monkeypatch, trained)
    results = sc.headline("cpu")
    cycles = [(lr, e) for schedule, lr, e in trained if schedule == "one_cycle"]
    assert cycles == [(0.4, 2), (0.4, 4), (0.4, 8)]
    assert list(results) == ["1cycle, 2 epochs", "1cycle, 4 epochs", "1cycle, 8 epochs", "step, LR 0.1, 8 epochs",
                             "step, LR 0.4, 8 epochs", "step, LR 0.1, 16 epochs", "step, LR 0.1, 32 epochs"]
    shares = sc.against_plateau(results, "cpu")
    assert {k: c.verdict for k, c in shares.items()} == {8: "contradicted", 4: "contradicted", 2: "held"}
    said = sc.plateau_readings(results, "cpu")
    assert said["ratio_words"] == ("the smallest share at which the cycle was shown to be as good is **1/2** of the "
                                   "step schedule's iterations")
    assert said["plateau_words"] == "its plateau is 16 epochs" and said["plateau_iters"] == 78 * 16
    shares[2] = shares[8]  # no share held, the last one contradicted
    assert sc.ratio_words(shares).endswith("not even with 1/2 of its iterations")
    shares[2] = sc.compare(np.array(HIGH), np.array([a + 0.3 for a in HIGH]), -0.5)  # straddles the margin
    assert sc.ratio_words(shares).endswith(", whose interval straddles the margin (11 seeds per arm would decide it, "
                                           "if the means and spreads stayed as measured)")
    assert said["gains"].startswith("from 8 to 16 epochs +3.0 points (95% interval +2.7 to +3.3); from 16 to 32")
    assert list(sc.shares_table(results, "cpu").index) == ["2 epochs (156 iterations)", "4 epochs (312 iterations)",
                                                           "8 epochs (624 iterations)"]


def test_large_peaks_may_train_as_well_without_being_shown_to_help():
    results = {one_cycle.peak_label(p): fake(LOW) for p in one_cycle.PEAKS}
    results[one_cycle.peak_label(0.211)] = fake(HIGH)  # the book's peak: the one not in PEAKS
    results[one_cycle.peak_label(2.0)] = fake([a + 0.1 for a in HIGH])  # the best high peak, a tenth ahead
    works = one_cycle.HIGH_PEAKS_TRAIN.decide_on(results)
    assert works.details == {"best": 2.0} and works.verdict == "held"
    assert works.ours.endswith("the book's peak 0.211 85.1 ± 0.2%")
    assert one_cycle.best_peak(results, "cpu") == {"best_peak": 2.0, "best_peak_acc": pytest.approx(85.2)}
    assert one_cycle.LARGE_PEAKS.decide_on(results).verdict == "inconclusive"
    results[one_cycle.smith_label(1e-4)] = fake(LOW)
    smith = one_cycle.SMITH_CYCLE.decide_on(results)
    assert smith.verdict == "contradicted"
    assert smith.words(smith.claim.sums_up) == "worse than the book's cycle by more than the margin"


def test_the_shape_and_adam_claims_compare_their_two_settings():
    assert one_cycle.SHAPE.decide_on({one_cycle.COSINE: fake(HIGH), one_cycle.LINEAR: fake(HIGH)}).verdict == "held"
    adam = one_cycle.ADAM_CYCLE.decide_on({one_cycle.SGD: fake(HIGH), one_cycle.ADAM: fake(LOW)})
    assert adam.verdict == "held" and adam.ours.startswith("1cycle with Adam 80.1")


def test_the_wide_range_test_is_read_against_a_constant_lr_over_its_last_tenth():
    def finders(lr, end):  # accuracy 0.5 for 90 iterations, then `end` over the last tenth
        return [{"lr": list(lr), "valid_metrics": {"accuracy": [0.5] * 90 + [end + d] * 10}}
                for d in (-0.004, 0.0, 0.004, 0.002, -0.002)]
    wide = np.linspace(0.001, 3, 100)
    results = {"wide": finders(wide, 0.8), "constant": finders([0.2] * 100, 0.8)}
    decision = sc.LARGE_LRS.decide_on(results)
    assert decision.verdict == "held" and decision.ours.startswith("last tenth (LR 2.7-3) 80.0%; constant LR 0.2")
    results["wide"] = finders(wide, 0.7)
    assert sc.LARGE_LRS.decide_on(results).verdict == "contradicted"


def test_the_gap_at_each_size_is_the_cycle_minus_the_step_schedule():
    results = {"1cycle, quarter": fake(HIGH, n_train=2500), "step, quarter": fake(LOW, n_train=2500),
               "1cycle, half": fake(HIGH, n_train=5000), "step, half": fake(HIGH, n_train=5000),
               "1cycle, all": fake(HIGH), "step, all": fake(HIGH)}
    gaps = one_cycle.size_gaps(results)
    assert list(gaps) == [2500, 5000, 10_000] and gaps[2500].difference == pytest.approx(5.02)
    said = one_cycle.size_readings(results)
    assert said["n_small"] == 2500 and said["n_half"] == 5000 and said["gap_full_diff"].startswith("+0.0 points")
    assert list(one_cycle.size_table(results).index) == [2500, 5000, 10_000]


def test_overfitting_rise_is_not_fooled_by_noise_around_a_flat_curve():
    rng = np.random.default_rng(0)
    flat = [fitting.overfitting_rise(1 + 0.1 * rng.standard_normal((5, 30))).mean() for _ in range(200)]
    assert abs(np.mean(flat)) < 0.02  # no rise on average, unlike "last minus the minimum"
    rising = 1 + np.linspace(0, 0.5, 30) + 0.05 * rng.standard_normal((5, 30))
    assert fitting.overfitting_rise(rising).min() > 0.3


ALPHAS = [-10.0, -0.5, 0.0, 0.3, 0.4, 0.5, 0.6, 1.0, 1.2, 1.3, 1.5]
CYC, REG = interpolation.CYCLICAL, interpolation.REGULAR


def line_result(loss):
    """A made-up interpolation result: the validation loss loss(alpha) at ALPHAS, either way."""
    rows = {"alpha": ALPHAS, "valid_loss": [loss(a) for a in ALPHAS], "min_running_var": [1.0] * len(ALPHAS),
            "train_loss": [loss(a + 0.2) for a in ALPHAS]}  # lowest 0.2 to the left
    return {"lines": {"line": {"epochs": [4, 8], "interpolated": rows, "recomputed": rows}}}


def bump(height):  # from 1.0 at alpha 0 down to 0.8 at alpha 1, with a barrier of `height` at 0.5
    return line_result(lambda a: 1 - 0.2 * a + (0.1 + height if a == 0.5 else 0))


def lowest_at(alpha):  # the validation loss lowest at `alpha`
    return line_result(lambda a: abs(a - alpha))


def test_the_barrier_between_cycles_is_higher_than_along_the_regular_run_or_not():
    claim, barriers, valleys = interpolation.BARRIER, [bump(1.0), bump(1.1), bump(0.9)], [bump(0), bump(0), bump(0.05)]
    held = claim.decide_on({CYC: barriers, REG: valleys})
    assert held.verdict == "held" and held.details["height"] == pytest.approx({CYC: 1.0, REG: 0.05 / 3})
    assert claim.decide_on({CYC: valleys, REG: barriers}).verdict == "contradicted"
    one = claim.decide_on({CYC: [bump(1.0)], REG: [bump(0)]})
    assert one.verdict == "inconclusive"  # one run each: no spread, so no interval, whatever the heights
    assert one.words(claim.says).startswith("with a single run of each, the interval of the difference includes zero")


def test_the_lowest_alpha_between_cycles_lies_inside_the_segment_or_not():
    claim, regular = interpolation.MINIMUM_INSIDE, [lowest_at(1.0)] * 3
    held = claim.decide_on({CYC: [lowest_at(a) for a in (0.4, 0.5, 0.6)], REG: regular})
    assert held.verdict == "held" and held.details["alpha"] == pytest.approx({CYC: 0.5, REG: 1.0})
    assert held.details["inside"][CYC] == "held" and 0 < held.details["train_alpha"][CYC] < 0.5
    beyond = [lowest_at(a) for a in (1.3, 1.3, 1.5, 1.5, 1.5)]
    assert claim.decide_on({CYC: beyond, REG: regular}).verdict == "contradicted"
    one = claim.decide_on({CYC: [lowest_at(0.5)], REG: regular[:1]})
    assert one.verdict == "inconclusive" and one.words(claim.says).startswith("with a single run, the interval")


def averaged_run(last, average, seed=0):
    """A made-up interpolation result of the cyclical run: its final and its averaged accuracy."""
    return {"run": {"final": {"accuracy": last / 100}}, "average": {"epochs": [4, 8, 12], "accuracy": average / 100},
            "config": {"seed": seed}}


def test_the_average_of_the_cycles_ends_beats_the_last_end_or_not():
    claim = interpolation.AVERAGE
    better = [averaged_run(80 + d, 81 + d, s) for s, d in enumerate((0.1, -0.2, 0.3, 0.0, -0.1))]
    decision = claim.decide_on({CYC: better})
    assert decision.verdict == "held" and decision.ours.startswith("average of the 3 cycles' ends 81.0")
    worse = [averaged_run(a, b) for a, b in ((81, 80), (81.2, 80.1), (80.9, 79.8))]
    assert claim.decide_on({CYC: worse}).verdict == "contradicted"
    table = interpolation.average_table({CYC: better})
    assert list(table.index) == [0, 1, 2, 3, 4] and table["average of the ends (%)"].iloc[0] == pytest.approx(81.1)


def test_the_batchnorm_trap_counts_negative_variances_and_nans_of_both_lines():
    broken = line_result(lambda a: float("nan") if a < -1 else 1 + a * a)
    broken["lines"]["line"]["interpolated"] = {**broken["lines"]["line"]["recomputed"],
                                               "min_running_var": [-1.0, -0.1] + [1.0] * (len(ALPHAS) - 2)}
    trap = interpolation.batchnorm_trap({REG: [broken], CYC: [lowest_at(0.5)]})
    assert trap["negative"] == 2 and trap["negative_inside"] == 0 and trap["n_points"] == 2 * len(ALPHAS)
    assert trap["nan_interpolated"] == trap["nan_recomputed"] == 1  # the made-up line is the same both ways
    assert trap["far_alpha"] == -0.5 and trap["far_interpolated"] == 1.25  # -10 gave NaN
    assert trap["zero_recomputed"] == 1.0


def test_a_chapters_results_must_be_the_claims_runs(monkeypatch):
    monkeypatch.setenv("BOOK_CACHE", "require")
    results = clr.BEATS_FIXED.results("cpu")
    assert clr.BEATS_FIXED.decide(results, "cpu") == clr.BEATS_FIXED.decide(profile="cpu")
    swapped = {**results, clr.TRIANGULAR: results[clr.FIXED_MAX], clr.FIXED_MAX: results[clr.TRIANGULAR]}
    with pytest.raises(ValueError, match="results\\['SGD \\+ CLR \\(triangular\\)'\\] are not the runs"):
        clr.BEATS_FIXED.decide(swapped, "cpu")


def test_a_claim_names_a_known_margin():
    with pytest.raises(ValueError, match="margin must be one of"):
        Claim("clr", "p", "s", "t", "m", "larger", arms=dict, measure=dict)


def curves_of(curves, accuracy=80.0):
    """Made-up training results with the given validation-loss curves (one per seed)."""
    return [{"final": {"accuracy": accuracy / 100, "valid_loss": c[-1]}, "config": {"n_train": 1000},
             "history": {"epoch": {"valid_loss": list(c), "train_loss": [0.1] * len(c)}}} for c in curves]


def test_a_validation_loss_still_falling_at_the_end_is_underfitting():
    falling = [np.linspace(2, 1.2, 9).tolist() + [1.05 + 0.01 * s, 1.01 + 0.01 * s] for s in range(3)]
    results = {fitting.UNDER: curves_of(falling, 60.0), fitting.BALANCED: curves_of(falling, 75.0)}
    decision = fitting.UNDERFITTING.decide_on(results)
    assert decision.verdict == "held" and decision.details["acc"] == pytest.approx(60)
    assert decision.details["balanced_acc"] == pytest.approx(75) and decision.details["loss"] == pytest.approx(1.02)
    assert decision.details["last_epochs"] == 6 and "falls by 0.101 per epoch" in decision.ours
    assert decision.words(decision.claim.says).endswith("still falling when the run stops")
    # one noisy last epoch does not decide it: a flat second half with a dip at the end is not falling
    flat = [[2.0] * 5 + [1.0, 1.1, 0.95, 1.05 + 0.01 * s, 1.02 + 0.01 * s, 0.99 + 0.01 * s] for s in range(3)]
    assert fitting.falling(flat[0]) < 0.01
    results[fitting.UNDER] = curves_of([[1.0] * 5 + [1.0 + 0.02 * i + 0.001 * s for i in range(6)] for s in range(3)])
    assert fitting.UNDERFITTING.decide_on(results).verdict == "contradicted"


def test_a_validation_loss_that_turns_up_is_overfitting():
    x = np.arange(30)
    turning = [1 + (x - 15) ** 2 / 100 + 0.01 * s * x / 30 for s in range(3)]  # lowest at epoch 16
    decision = fitting.OVERFITTING.decide_on({fitting.OVER: curves_of(turning)})
    assert decision.verdict == "held" and decision.details["best_epochs"] == "16, 16, 16"
    assert decision.details["epochs"] == 30 and decision.details["train_loss"] == pytest.approx(0.1)
    falling = [2 - x / 30 + 0.01 * s * np.sin(x) for s in range(3)]
    assert fitting.OVERFITTING.decide_on({fitting.OVER: curves_of(falling)}).verdict == "contradicted"


def range_test_of(up_at, low):
    """A made-up range test whose validation loss is `low` up to the LR `up_at` and 8 higher after."""
    lr = np.logspace(-4, 1, 501)  # a hundred points a decade
    return {"lr": lr.tolist(), "valid_loss": np.where(lr <= up_at, low, low + 8).tolist()}


def test_a_larger_weight_decay_lower_and_wider_reproduces_fig_4a():
    tests = {1e-4: [range_test_of(up_at, 2.0 + 0.01 * s) for s, up_at in enumerate((1e-2, 2e-2, 5e-3))],
             4e-3: [range_test_of(100, 1.9 + 0.01 * s) for s in range(3)]}  # low over all five decades
    lower, wider = fitting.RANGE_LOWER.decide_on(tests), fitting.RANGE_WIDER.decide_on(tests)
    assert lower.verdict == wider.verdict == "held"
    assert lower.details == pytest.approx({"small_min": 2.01, "large_min": 1.91})
    assert wider.details == pytest.approx({"small": 100, "large": 1e5}, rel=0.03)
    assert wider.comparison.difference == pytest.approx(5 - np.log10([100, 200, 50]).mean(), abs=0.02)
    assert wider.words(wider.claim.sums_up) == "holds here"
    assert fitting.fig4a_headline(lower, wider) == "**The paper's Fig. 4a reproduces here.**"
    swapped = fitting.RANGE_LOWER.decide_on({1e-4: tests[4e-3], 4e-3: tests[1e-4]})
    assert swapped.verdict == "contradicted" and "at most in part" in fitting.fig4a_headline(swapped, wider)


def test_a_tenth_of_the_loss_minimum_against_the_other_rules():
    results = {"minimum/10": fake(HIGH), "slide": fake([a + 0.1 for a in HIGH]), "valley": fake(LOW)}
    assert range_test.MINIMUM_AS_GOOD_AS["slide"].decide_on(results).verdict == "held"  # a tenth behind
    assert range_test.MINIMUM_BEATS_VALLEY.decide_on(results).verdict == "held"
    results["slide"] = fake([a + 3 for a in HIGH])
    assert range_test.MINIMUM_AS_GOOD_AS["slide"].decide_on(results).verdict == "contradicted"


def test_momentum_range_tests_are_read_by_their_median_minimum():
    def test(lr_min, num_it=10, ran=10):
        lrs = np.geomspace(1e-3, 10, num_it)[:ran]
        return {"lr": lrs.tolist(), "train_loss_smooth": ((np.log(lrs) - np.log(lr_min)) ** 2).tolist(),
                "finder": {"num_it": num_it}}
    finders = {0.99: [test(0.01), test(0.02), test(0.05, ran=6)], 0.9: [test(0.1), test(0.3), test(0.2)]}
    minima = momentum.loss_minima(finders)
    assert minima[0.99] == pytest.approx(0.0215, rel=0.1) and minima[0.9] == pytest.approx(0.167, rel=0.1)
    table = momentum.finder_table(finders)
    assert list(table["tests diverged"]) == ["1 of 3", "0 of 3"]
    found = momentum.finder_findings(finders)
    assert found["mom_order"].startswith("the higher the momentum, the lower")
    assert found["mom_div_verdict"] == ("Tests that diverged before the end of the range (LR 10), by momentum: "
                                        "1 of 3 at 0.99 and 0 of 3 at 0.9")


def test_the_direction_of_the_momentum_cycle():
    results = {momentum.CYCLICAL: fake(HIGH), momentum.REVERSED: fake(LOW)}
    decision = momentum.DIRECTION.decide_on(results)
    assert decision.verdict == "held" and decision.words(decision.claim.says).endswith("while the learning rate rises")
    results[momentum.REVERSED] = fake(list(reversed(HIGH)))
    assert momentum.DIRECTION.decide_on(results).verdict == "inconclusive"


def test_cyclical_momentum_against_a_constant_0_99():
    results = {momentum.CYCLICAL: fake(HIGH), "constant 0.99": fake(LOW)}
    assert momentum.BEATS_099.decide_on(results).verdict == "held"
    results[momentum.CYCLICAL], results["constant 0.99"] = fake(LOW), fake(HIGH)
    assert momentum.BEATS_099.decide_on(results).verdict == "contradicted"
    assert momentum.seed_winners({"a": fake([1, 3]), "b": fake([2, 2])}) == ["b", "a"]


def test_the_recipe_is_compared_with_the_runs_of_its_length():
    results = {recipe.RECIPE: fake(HIGH), recipe.STEP: fake(LOW), recipe.ADAM: fake([a + 1 for a in HIGH]),
               clr.TRIANGULAR: fake(list(reversed(HIGH))), recipe.BASELINE: fake(LOW)}
    verdicts = {s: c.verdict for s, c in recipe.against_recipe(results).items()}
    assert verdicts == {"The recipe beats the tuned step schedule": "held",
                        "The recipe beats Adam with 1cycle": "contradicted",
                        "The recipe beats the triangular CLR": "inconclusive",
                        "The recipe beats the plain Adam": "held"}
    decision = recipe.BEATS_CLR.decide_on(results)
    assert decision.comparison.difference == pytest.approx(0)
    assert decision.words(decision.claim.says) == ("the interval includes zero, so at 5 seeds the recipe and the "
                                                   "triangular CLR cannot be told apart")


def test_the_step_schedule_is_tuned_over_its_start_and_its_drops():
    grid = recipe.step_grid("smoke")
    assert len(grid) == 6 and {c.epochs for c in grid.values()} == {recipe.budget("smoke")}
    assert {tuple(c.steps) for c in grid.values()} == {(0.5, 0.75), clr.LATE_DROPS}
    assert {c.lr for c in grid.values()} == set(recipe.step_starts("smoke"))
    results = {key: fake([80 + i] * 3) for i, key in enumerate(grid)}
    assert highest_mean(results) == list(grid)[-1]
    lines = recipe.step_intervals(results)
    assert list(lines) == list(recipe.DROPS) and all(len(points) == 3 for points in lines.values())
    assert lines["drops at 50% and 75%"][0.1].difference == pytest.approx(80)


def test_the_gradients_are_compared_over_the_cycles_peak_and_the_steps_constant_half():
    def runs(grads, lr, epochs):  # made up: 100 iterations of constant mean |gradient| per seed
        return [{"config": {"lr": lr}, "history": {"iteration": {"mean_abs_grad": [g] * 100, "lr": [lr] * epochs}}}
                for g in grads]
    results = {"1cycle, 4 epochs": runs([1.0e-3, 1.1e-3, 0.9e-3], 0.4, 4),
               "step, LR 0.1, 16 epochs": runs([1.5e-3, 1.6e-3, 1.4e-3], 0.1, 16)}
    decision = sc.GRADIENTS.decide_on(results)
    assert decision.verdict == "held" and decision.comparison.difference == pytest.approx(0.5)
    assert decision.details == {"lr_ratio": 4.0}
    results["1cycle, 4 epochs"] = runs([2.0e-3, 2.1e-3, 1.9e-3], 0.4, 4)
    assert sc.GRADIENTS.decide_on(results).verdict == "contradicted"


def test_an_inconclusive_verdict_says_what_would_decide_it():
    near = {clr.TRIANGULAR: fake([85.0, 86.0, 84.0]), clr.FIXED_BASE: fake([84.0, 85.0, 83.0]),
            clr.FIXED_MAX: fake([80.0, 81.0, 79.0])}  # 1 point apart
    decision = clr.BEATS_FIXED.decide_on(near)
    n = decision.comparison.seeds_to_decide()
    assert decision.verdict == "inconclusive" and n > 3
    assert decision.verdict_words() == (f"inconclusive: {n} seeds per arm would decide it, if the means and "
                                        "spreads stayed as measured")
    clear = {clr.TRIANGULAR: fake(HIGH), clr.FIXED_BASE: fake(LOW), clr.FIXED_MAX: fake(LOW)}
    assert clr.BEATS_FIXED.decide_on(clear).verdict_words() == "held"



def test_glue_all_gives_the_site_plain_numbers(monkeypatch):
    import myst_nb
    glued = {}
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display: glued.update({key: value}))
    glue_all({"x": np.float64(1.5), "n": np.int64(3), "w": "**a**"}, "p_")
    assert type(glued["p_x"]) is float and type(glued["p_n"]) is int and glued["p_w"].data == "**a**"


def test_the_words_of_two_engine_settings_name_the_verdicts_that_moved():
    import pandas as pd
    from helpers.claims import two_settings_findings
    table = pd.DataFrame({"verdict (cpu)": ["held", "inconclusive"], "verdict (cpu-2threads)": ["held", "held"],
                          "shift of the difference": [0.1, -0.3]}, index=["A", "B"])
    found = two_settings_findings(table)
    assert found["settings_moved"] == "1 of the 2 verdicts moved: *B* went from inconclusive to held"
    assert found["settings_shift"] == 0.3 and found["settings_reading"].startswith("A verdict that moves")
    table["verdict (cpu)"] = "held"
    assert two_settings_findings(table)["settings_moved"] == "none of the 2 verdicts moved"


def test_the_words_of_two_scales_say_which_scale_decides_each_claim():
    import pandas as pd
    from helpers.claims import scale_findings
    table = pd.DataFrame({"verdict (cpu)": ["held", "inconclusive", "held", "held", "inconclusive", "held"],
                          "verdict (gpu)": ["held", "contradicted", "inconclusive", "contradicted", "inconclusive",
                                            None]}, index=list("ABCDEF"))
    found = scale_findings(table)
    assert found["scales_decide"].split("; ") == [
        "*A*: held at both scales",
        "*B*: the gpu scale decides it: contradicted (inconclusive at the cpu scale)",
        "*C*: the cpu scale's verdict (held) is not confirmed at the gpu scale (inconclusive)",
        "*D*: the verdict moves with scale: held at the cpu scale, contradicted at the gpu scale",
        "*E*: inconclusive at both scales: neither decides it",
        "*F*: not computed yet at the gpu scale: the cpu scale's verdict (held) stands alone"]
    assert (found["scales_computed"], found["scales_claims"]) == (5, 6)
    table["verdict (gpu)"] = None
    assert scale_findings(table)["scales_decide"].startswith("none yet: until `make gpu-check` has run")


# ---- chapter "Batch size"
def made_up_range_test(lowest, n=400):
    """A made-up range test whose smoothed loss is lowest at LR `lowest`."""
    lrs = np.logspace(-5, 1, n)
    return {"lr": list(lrs), "train_loss_smooth": list((np.log(lrs / lowest)) ** 2 + 1), "finder": {"num_it": n}}


def test_the_range_tests_lr_grows_with_the_batch_size_as_a_power():
    grows = {b: [made_up_range_test(0.01 * b ** 0.5 * (1 + 0.1 * s)) for s in range(5)] for b in batch_size.BATCHES}
    assert batch_size.slopes(grows, lambda f: suggestion(f, "minimum/10")) == pytest.approx([0.5] * 5, abs=0.05)
    decision = batch_size.LR_GROWS.decide_on(grows)
    assert decision.verdict == "held" and "of the LR where the test stopped 0.00" in decision.ours
    flat = {b: [made_up_range_test(0.01 * (1 + 0.1 * ((s + b) % 5))) for s in range(5)] for b in batch_size.BATCHES}
    assert batch_size.LR_GROWS.decide_on(flat).verdict != "held"


def test_the_batch_size_runs_scale_the_lr_and_keep_epochs_or_iterations():
    p = get_profile("smoke")
    settings = batch_size.scaling_settings("smoke")
    base = settings[f"batch {p.batch_size}"]
    for b in batch_size.SCALED:
        by_epochs, by_iterations = settings[batch_size.label(b)], settings[batch_size.label(b, "iterations")]
        assert by_epochs.lr == pytest.approx(base.lr * b / p.batch_size) and by_epochs.epochs == p.epochs
        assert by_iterations.epochs == max(1, round(p.epochs * b / p.batch_size)) and by_iterations.batch_size == b
    with pytest.raises(ValueError, match="equal must be"):
        batch_size.cycle_at(32, "smoke", equal="images")
    jobs = batch_size.training_jobs("smoke")
    assert len({json.dumps(j.spec, sort_keys=True) for j in jobs}) == len(jobs)  # each run once


def test_more_weight_decay_helping_more_at_one_end_of_a_grid():
    def losses(values):
        return [{"final": {"valid_loss": v}} for v in values]
    hi, lo = batch_size.CONTRAST
    helps_at_128 = {(32, hi): losses([0.50, 0.51, 0.49]), (32, lo): losses([0.50, 0.49, 0.51]),
                    (128, hi): losses([0.40, 0.41, 0.39]), (128, lo): losses([0.50, 0.49, 0.51])}
    decision = batch_size.BATCH_WD.decide_on(helps_at_128)
    assert decision.verdict == "held" and decision.comparison.difference == pytest.approx(0.1)
    assert "by -0.100 at 128" in decision.ours
    swapped = {(32 if b == 128 else 128, wd): rs for (b, wd), rs in helps_at_128.items()}
    assert batch_size.BATCH_WD.decide_on(swapped).verdict == "contradicted"
    on_less_data = {(1250 if b == 128 else 10_000, wd): rs for (b, wd), rs in helps_at_128.items()}
    assert batch_size.DATA_WD.decide_on(on_less_data).verdict == "held"
    words = {32: "with dropout", 128: "without dropout"}
    without_dropout = {(words[b], wd): rs for (b, wd), rs in helps_at_128.items()}
    assert batch_size.DROPOUT_WD.decide_on(without_dropout).verdict == "held"
    assert batch_size.best_wds(helps_at_128) == {32: hi, 128: hi}


def test_the_overfitting_grids_drop_augmentation_and_data_at_equal_iterations():
    p = get_profile("smoke")
    grids = batch_size.overfit_grids("smoke")
    small = p.n_train // batch_size.SMALLER_DATA
    for grid in grids.values():
        assert sorted({wd for _, wd in grid}) == sorted(batch_size.OVERFIT_WDS)
        assert not any(c.augment for c in grid.values())
    assert {c.head for c in grids["dropout"].values()} == {"concat", "concat_no_dropout"}
    assert {(c.n_train, c.epochs) for c in grids["data"].values()} == {
        (p.n_train, p.epochs), (small, p.epochs * batch_size.SMALLER_DATA)}
    by_batch = grids["batch"]
    assert {b for b, _ in by_batch} == set(batch_size.balance_batches("smoke"))
    assert all(c.n_train == small and c.lr == pytest.approx(batch_size.scaled_lr(b, "smoke"))
               for (b, _), c in by_batch.items())
    wd = batch_size.OVERFIT_WDS[0]
    assert by_batch[(p.batch_size, wd)] == grids["data"][(small, wd)]  # one run, read by both claims



@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.statement[:40])
def test_every_claim_of_the_table_names_a_section_of_its_chapter(claim):
    """The claims table links each claim to the section that shows it: that heading must exist."""
    cells = json.loads((BOOK_DIR / f"{claim.chapter}.ipynb").read_text())["cells"]
    headings = {line.lstrip("#").strip() for c in cells if c["cell_type"] == "markdown"
                for line in "".join(c["source"]).splitlines() if line.startswith(("## ", "### "))}
    assert claim.section in headings


def test_a_section_link_is_the_id_sphinx_gives_its_heading():
    assert section_link("one_cycle", "1cycle with Adam and AdamW") == "one_cycle.html#cycle-with-adam-and-adamw"
    assert section_link("sc", "Gradient clipping: a higher peak?") == "sc.html#gradient-clipping-a-higher-peak"

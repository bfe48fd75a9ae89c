"""The later-schedules chapter's machinery (`helpers.experiments.later`), on made-up results and
short smoke runs; its verdicts on the cpu results are in tests/test_claims.py."""
import numpy as np
import pytest

from helpers.experiments import later
from helpers.runs import run


def test_a_stopped_warmup_stable_decay_run_is_the_whole_run_stopped_and_decayed():
    """Same warm-up in iterations, so the stopped run trains exactly as the whole run until its
    decay begins: what "stop and decay" would give by branching off the whole run."""
    whole, half = (run(jobs[0].config) for jobs in (later.stopped(later.WSD, 0.2, e, "smoke") for e in (4, 2)))
    its = len(half["history"]["iteration"]["lr"])
    shared = int((1 - later.WSD_DECAY) * its)
    for key in ("lr", "loss"):
        assert half["history"]["iteration"][key][:shared] == whole["history"]["iteration"][key][:shared]
    assert half["history"]["iteration"]["lr"][shared + 1] < whole["history"]["iteration"]["lr"][shared + 1]


def test_what_each_arm_costs_to_read_at_every_stop():
    assert later.stop_epochs("cpu") == [1, 2, 3, 4] and later.stop_epochs("smoke") == [1, 2, 3, 4]
    assert [later.training_epochs(arm, "cpu") for arm in later.ANYTIME] == [10, 10, pytest.approx(5.2), 4, 4]


def made_up(accuracies, anytime=None, without=None):
    return [{"final": {"accuracy": a / 100}, "config": {"profile": "cpu"},
             **({"schedule_free": {"anytime": [{"epoch": e, "accuracy": x / 100} for e, x in anytime[i].items()],
                                   "without_bn_recompute": {"accuracy": without[i] / 100}}} if anytime else {})}
            for i, a in enumerate(accuracies)]


def test_anytime_reads_schedule_free_runs_inside_and_the_others_by_budget():
    sf = made_up([80, 82], anytime=[{1: 70, 2: 75}, {1: 72, 2: 77}], without=[79, 80])
    points = later.anytime_accuracies({(later.SF_SGD, 2): sf, (later.WSD, 1): made_up([60, 62])})
    assert points[later.SF_SGD][1] == pytest.approx([70, 72]) and points[later.WSD] == {1: pytest.approx([60, 62])}
    decision = later.BN_RECOMPUTE.decide_on({later.SF_SGD: sf})
    assert decision.comparison.difference == pytest.approx(1.5)


def test_half_budget_claim_reads_schedule_free_at_half_its_run():
    seeds = range(5)
    sf = made_up([85] * 5, anytime=[{1: 70, 2: 80 + s / 10, 3: 83, 4: 85} for s in seeds], without=[84] * 5)
    cosine = made_up([70 + s / 10 for s in seeds])
    decision = later.SF_ANYTIME.decide_on({later.SF_SGD: sf, later.WARMUP_COSINE: cosine})
    assert decision.comparison.difference == pytest.approx(10) and decision.comparison.verdict == "held"


def test_the_best_lr_is_read_per_arm():
    sweep = {(arm, lr): made_up([50 + (i == 2) * 10 + s for s in range(3)])
             for arm, lrs in later.SWEEPS.items() for i, lr in enumerate(lrs)}
    assert later.best_lrs(sweep) == {arm: lrs[2] for arm, lrs in later.SWEEPS.items()} and later.inside(sweep)
    assert np.allclose(later.best_table(sweep)["mean (%)"], 61)


def test_an_unknown_arm_is_named():
    with pytest.raises(ValueError, match="arm"):
        later.arm_config("cyclical", 0.1, "smoke")

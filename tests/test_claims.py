"""The chapters' claims, checked against the committed cpu-profile results.

Each test states what a chapter's text says about its results; if the results are recomputed and
no longer bear a sentence out, the test fails and the text must be revisited.
"""
import numpy as np

from helpers.runs import results_named
from helpers.analysis import acc, apart, smooth
from helpers.claims import runs


def named(name, n=3):
    results = results_named("cpu", name)
    assert len(results) == n, f"expected {n} results named {name!r} in book/results/cpu"
    return results


def accuracies(name):
    return np.array([100 * r["final"]["accuracy"] for r in named(name)])


def select(name, n=3, **config):
    """The results named `name` whose config has the given values, one per seed."""
    results = runs("cpu", name, **config)
    assert len(results) == n, f"expected {n} results named {name!r} with {config}"
    return results


# ---- chapter "Reading under- and overfitting"
def test_underfitting_validation_loss_still_falling():
    for r in named("fit-const-small-lr"):
        valid, train = r["history"]["epoch"]["valid_loss"], r["history"]["epoch"]["train_loss"]
        assert valid[-1] < valid[len(valid) // 2] and valid[-1] < valid[0]
        assert train[-1] < train[-2]  # the training loss too is still falling
        assert np.mean(np.array(valid) <= np.array(train)) >= 0.5  # at or below the training loss
    assert accuracies("fit-const-small-lr").mean() < accuracies("fit-const-balanced").mean() - 5


def test_overfitting_validation_loss_turns_up():
    for r in named("fit-over-a"):
        valid, train = r["history"]["epoch"]["valid_loss"], r["history"]["epoch"]["train_loss"]
        best = int(np.argmin(valid))
        assert best < len(valid) - 5  # the minimum comes well before the end
        assert valid[-1] > 1.1 * valid[best]  # and the loss climbs after it
        assert train[-1] < 0.15  # while the training set is memorised


def test_weight_decay_range_tests_differ_only_just_and_not_in_width():
    from helpers.analysis import low_range_width
    finders = {wd: select("fit-finder", wd=wd) for wd in (1e-4, 4e-3)}
    lowest = {wd: np.array([min(smooth(r["valid_loss"])) for r in fs]) for wd, fs in finders.items()}
    small, large = lowest[1e-4], lowest[4e-3]
    diff, std = small.mean() - large.mean(), max(small.std(ddof=1), large.std(ddof=1))
    assert apart(small, large) and 0 < diff < 1.5 * std  # a difference by the book's rule, only just
    assert small.min() < large.max()  # the seeds' lowest values overlap
    width = {wd: np.median([low_range_width(f) for f in fs]) for wd, fs in finders.items()}
    assert width[4e-3] < width[1e-4]  # not low over a wider range, unlike Fig. 4a


# ---- chapter "The LR range test"
SUGGESTED = {"slide": "lr-slide", "minimum/10": "lr-minimum-10", "steep": "lr-steep",
             "valley": "lr-valley", "loss minimum": "lr-loss-minimum"}


def test_slide_minimum10_and_steep_train_equally_well():
    good = [accuracies(SUGGESTED[m]) for m in ("slide", "minimum/10", "steep")]
    means = [a.mean() for a in good]
    assert max(means) - min(means) < max(a.std(ddof=1) for a in good)


def weakest_good():
    return min((accuracies(SUGGESTED[m]) for m in ("slide", "minimum/10", "steep")), key=np.mean)


def test_valley_is_worse_by_more_than_the_spread():
    valley, weakest = accuracies(SUGGESTED["valley"]), weakest_good()
    assert weakest.mean() - valley.mean() > 2 and apart(valley, weakest)


def test_the_loss_minimum_is_within_the_spread_of_the_three_good_rules():
    loss_minimum, weakest = accuracies(SUGGESTED["loss minimum"]), weakest_good()
    assert not apart(loss_minimum, weakest)


def test_valley_suggests_about_ten_times_smaller_rates():
    lr = {m: np.median([r["config"]["lr"] for r in named(name)]) for m, name in SUGGESTED.items()}
    assert lr["valley"] * 3 < min(lr["slide"], lr["minimum/10"], lr["steep"])
    assert lr["loss minimum"] > 2 * max(lr["slide"], lr["minimum/10"], lr["steep"])


# ---- chapter "Cyclical learning rates and adaptive optimizers"
CLR_RUNS = {"clr": "clr-triangular", "fixed": "clr-fixed", "Adagrad": "clr-adagrad",
            "Adadelta": "clr-adadelta", "RMSprop": "clr-rmsprop", "Adam": "clr-adam",
            "Adamax": "clr-adamax"}
ADAPTIVE = ("Adagrad", "Adadelta", "RMSprop", "Adam", "Adamax")


def test_clr_has_the_best_mean_accuracy_but_is_within_the_spread_of_the_fixed_rate():
    acc = {k: accuracies(v) for k, v in CLR_RUNS.items()}
    assert max(acc, key=lambda k: acc[k].mean()) == "clr"
    assert acc["clr"].mean() > acc["fixed"].mean() and not apart(acc["clr"], acc["fixed"])


def test_clr_and_the_best_adaptive_optimizer_adagrad_are_within_the_spread():
    acc = {k: accuracies(v) for k, v in CLR_RUNS.items()}
    assert max(ADAPTIVE, key=lambda k: acc[k].mean()) == "Adagrad"
    gap = acc["clr"].mean() - acc["Adagrad"].mean()
    assert 0 < gap < 1.5 * max(acc["clr"].std(ddof=1), acc["Adagrad"].std(ddof=1))


def test_clr_accuracy_peaks_at_the_end_of_each_cycle():
    runs = named("clr-triangular")
    per_epoch = np.mean([r["history"]["epoch"]["accuracy"] for r in runs], axis=0)
    cycle_ends = [i for i in range(1, len(per_epoch), 2)]  # step of one epoch: a cycle is two
    assert all(per_epoch[i] > per_epoch[i - 1] for i in cycle_ends)
    assert all(per_epoch[i] > per_epoch[i + 1] for i in cycle_ends if i + 1 < len(per_epoch))
    assert runs[0]["config"]["step_epochs"] == 1


# ---- chapter "Super-convergence and the 1cycle policy"
def sc_runs():
    budget = 4  # the cpu profile's epochs
    return {"cycle": {e: acc(select("engine-1cycle" if e == budget else f"cycle-epochs{e}", epochs=e))
                      for e in (1, 2, 4, 8)},
            "step": {lr: acc(select(f"sc-step-{lr}", epochs=8, n_train=10_000)) for lr in (0.1, 0.4)},
            "step at the budget": acc(select("sc-step-0.1", epochs=4, n_train=10_000))}


def test_wide_linear_range_test_still_trains_at_lr_3():
    for f in named("sc-wide-finder"):
        accuracy = smooth(f["valid_metrics"]["accuracy"])
        assert f["finder"]["scale"] == "linear" and f["lr"][-1] > 2.9
        assert np.argmax(accuracy) >= 0.9 * len(accuracy)  # still rising at the end of the range
        assert f["train_loss_smooth"][-1] < f["train_loss_smooth"][0] / 1.5


def test_no_shorter_cycle_matches_the_step_schedule_but_equal_iterations_win():
    runs = sc_runs()
    best_step = max(runs["step"].values(), key=np.mean)
    assert runs["step"][0.1].mean() >= runs["step"][0.4].mean()  # the text's "better step schedule"
    assert all(runs["cycle"][e].mean() < best_step.mean() for e in (1, 2, 4))
    assert apart(runs["cycle"][4], best_step)
    assert runs["cycle"][8].mean() > best_step.mean()  # equal iterations: the cycle wins ...
    assert runs["cycle"][4].mean() > runs["step at the budget"].mean()  # ... both times
    assert apart(runs["cycle"][4], runs["step at the budget"])


def test_schedules_earn_their_accuracy_in_the_final_descent():
    for lr in (0.1, 0.4):
        for r in select(f"sc-step-{lr}", epochs=8, n_train=10_000):
            epochs = r["history"]["epoch"]["accuracy"]
            assert epochs[3] < epochs[-1] - 0.05  # before the first drop, far below the end
    for r in select("engine-1cycle"):
        epochs = r["history"]["epoch"]["accuracy"]
        assert min(epochs) < epochs[-1] - 0.05 and np.argmax(epochs) == len(epochs) - 1


def test_the_cycle_does_not_fare_better_with_less_data():
    gaps = {}
    for n in (2500, 5000, 10_000):
        cycle = acc(select("engine-1cycle" if n == 10_000 else f"cycle-n_train{n}", n_train=n))
        step = acc(select("sc-step-0.1", epochs=8, n_train=n))
        gaps[n] = cycle.mean() - step.mean()
    assert gaps[2500] < gaps[10_000]


def test_linear_and_cosine_cycles_are_within_the_spread():
    assert not apart(acc(select("sc-linear")), acc(select("engine-1cycle")))


def test_one_cycle_with_adam_trains_as_well_as_sgd():
    adam, sgd = acc(select("sc-adam")), acc(select("engine-1cycle"))
    assert adam.mean() >= sgd.mean() - max(adam.std(ddof=1), sgd.std(ddof=1))
    assert acc(select("sc-adamw")).mean() >= sgd.mean() - 1


# ---- chapter "Momentum" (and the recipe's summary of it)
MOMENTUM_RUNS = {"cyclical 0.95-0.85": "engine-1cycle", "cyclical 0.99-0.90": "cycle-mom0.99-mom_min0.9",
                 "constant 0.99": "cycle-mom0.99-mom_min0.99", "constant 0.9": "cycle-mom0.9-mom_min0.9",
                 "constant 0.85": "cycle-mom0.85"}


def test_constant_momentum_099_is_clearly_the_worst():
    accs = {k: acc(select(v)) for k, v in MOMENTUM_RUNS.items()}
    worst = accs.pop("constant 0.99")
    assert all(worst.mean() < a.mean() and apart(worst, a) for a in accs.values())


def test_cyclical_095_085_and_constant_085_are_within_the_spread():
    assert not apart(acc(select("engine-1cycle")), acc(select("cycle-mom0.85")))


def test_one_run_per_setting_picks_different_winners_for_different_seeds():
    table = np.array([acc(select(v)) for v in MOMENTUM_RUNS.values()])  # settings x seeds
    assert len(set(np.argmax(table, axis=0))) > 1


# ---- chapter "Weight decay" (and the recipe's summary of it)
def wd_grid():
    names = {1e-3: "cycle-wd0.001", 3e-4: "cycle-wd0.0003", 1e-4: "engine-1cycle", 3e-5: "cycle-wd3e-05",
             1e-5: "cycle-wd1e-05", 1e-6: "cycle-wd1e-06", 0.0: "cycle-wd0"}
    return {wd: acc(select(name)) for wd, name in names.items()}


def test_weight_decay_1e4_is_within_the_spread_of_the_best():
    grid = wd_grid()
    best = max(grid, key=lambda w: grid[w].mean())
    assert best == 1e-4 or not apart(grid[1e-4], grid[best])


def test_the_weight_decay_grid_lies_within_a_few_seed_spreads():
    grid = wd_grid()
    means = [a.mean() for a in grid.values()]
    assert max(means) - min(means) < 3 * max(a.std(ddof=1) for a in grid.values())


def test_weight_decay_range_tests_end_close_together():
    lowest = [float(np.nanmin(smooth(f["valid_loss"]))) for f in named("wd-finder", n=4)]
    assert max(lowest) - min(lowest) < 0.1


# ---- chapter "Linear interpolation between solutions"
def line(name):
    results = results_named("cpu", name)
    assert len(results) == 1, f"expected one result named {name!r}"
    return results[0]["lines"]["line"]


def test_interpolated_batchnorm_statistics_go_negative_and_give_nan_only_outside_the_segment():
    for name in ("ip-step-lines", "ip-clr-lines"):
        inter, recomputed = line(name)["interpolated"], line(name)["recomputed"]
        assert all(np.isfinite(recomputed["valid_loss"]))
        assert all(v > 0 for v in recomputed["min_running_var"])
        assert all(v > 0 for a, v in zip(inter["alpha"], inter["min_running_var"]) if 0 <= a <= 1)
    inter = line("ip-step-lines")["interpolated"]
    assert any(v < 0 for v in inter["min_running_var"]) and any(not np.isfinite(v) for v in inter["valid_loss"])


def test_far_outside_the_segment_interpolated_statistics_make_the_loss_climb_faster():
    reg = line("ip-step-lines")
    at = {k: dict(zip(reg[k]["alpha"], reg[k]["valid_loss"])) for k in ("interpolated", "recomputed")}
    assert at["interpolated"][-10.0] > 5 * at["recomputed"][-10.0]
    assert at["interpolated"][0.0] > at["recomputed"][0.0]  # the running averages lag the weights


def test_claims_table_names_each_chapter_by_its_title():
    from helpers.claims import claims_table
    chapters = set(claims_table("cpu")["chapter"])
    assert {"Super-convergence and the 1cycle policy", "Momentum", "Linear interpolation between solutions"} <= chapters
    assert not any(c.startswith("#") or "_" in c for c in chapters)


def test_claims_table_verdicts():
    from helpers.claims import claims_table
    held = dict(zip(claims_table("cpu")["claim"], claims_table("cpu")["held"]))
    assert held == {
        "CLR beats a fixed learning rate at equal iterations": "no",
        "SGD with CLR is competitive with adaptive optimizers": "yes",
        "A too small LR underfits: the validation loss is still falling": "yes",
        "Overfitting shows as a validation loss that turns up": "yes",
        "In a range test, a larger WD gives a lower validation loss over a wider LR range": "no",
        "Very large learning rates still train (linear range test)": "yes",
        "One short cycle beats a step schedule given many more iterations": "no",
        "The advantage of the cycle grows as the training set shrinks": "no",
        "1cycle works badly with Adam": "no",
        "Cyclical momentum 0.95-0.85 is at least as good as the best constant momentum": "yes",
        "Weight decay 1e-4 suits a ResNet": "yes",
        "A barrier separates the solutions of two CLR cycles, not two states of one run": "no",
        "The validation-loss minimum lies inside (0, 1) between two CLR solutions": "yes",
    }


def test_l2_of_1e2_costs_adam_accuracy_but_decoupled_1e2_does_not_cost_adamw():
    adam_small, adam_large = acc(select("sc-adam")), acc(select("wd-adam"))
    adamw_small, adamw_large = acc(select("wd-adamw")), acc(select("sc-adamw"))
    assert adam_large.mean() < adam_small.mean() and apart(adam_large, adam_small)
    assert not apart(adamw_large, adamw_small)
    assert select("wd-adam")[0]["config"]["wd"] == 1e-2 and select("sc-adamw")[0]["config"]["wd"] == 1e-2


# ---- chapter "The whole recipe"
def test_the_recipe_beats_the_adam_baseline_and_is_steadier():
    recipe = acc(named("recipe"))
    adam = acc(select("clr-adam"))
    assert recipe.mean() > adam.mean() and apart(recipe, adam)
    assert recipe.std(ddof=1) < adam.std(ddof=1)


def test_the_recipe_beats_the_triangular_clr_of_the_same_peak_by_more_than_the_spread():
    recipe, clr = named("recipe"), select("clr-triangular")
    assert recipe[0]["config"]["lr"] == clr[0]["config"]["lr"]
    assert acc(recipe).mean() > acc(clr).mean() and apart(acc(recipe), acc(clr))

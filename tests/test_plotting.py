import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plotting, reproduce  # noqa: E402
from helpers.config import make_config  # noqa: E402
from helpers.runs import range_test, run  # noqa: E402


@pytest.fixture(scope="module")
def finder():
    return range_test(make_config("smoke", n_train=256, batch_size=32), start_lr=1e-4, end_lr=1.0,
                      num_it=20, stop_div=False)


def test_smooth_is_fastais_smoothing(finder):
    # the Recorder's smoothed loss (beta 0.98) against ours, computed from the raw losses
    assert plotting.smooth(finder["train_loss"], 0.98) == pytest.approx(finder["train_loss_smooth"], rel=1e-5)
    assert plotting.smooth([1.0, 1.0, 1.0]) == pytest.approx([1.0, 1.0, 1.0])  # debiased


def labelled(ax):
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_range_test_plot_is_labelled(finder):
    plotting.use_book_style()
    fig, ax = plt.subplots()
    plotting.plot_range_test(ax, finder, metric="accuracy")
    assert labelled(ax) and ax.get_xscale() == "log"
    assert len(ax.get_legend().get_texts()) == 3
    plt.close(fig)


def test_history_plots_are_labelled():
    result = run(make_config("smoke", n_train=256, batch_size=64, epochs=2, mom_min=0.85))
    fig, (a, b, c) = plt.subplots(1, 3)
    plotting.plot_schedule(a, b, result)
    plotting.plot_losses(c, result, "seed 0")
    assert all(labelled(ax) for ax in (a, b, c))
    assert len(c.get_legend().get_texts()) == 2
    plt.close(fig)


def test_loss_plot_smooths_the_training_loss_and_puts_validation_at_the_epoch_ends():
    result = {"history": {"iteration": {"loss": [4.0, 2.0, 2.0, 2.0]},
                          "epoch": {"epoch": [1, 2], "valid_loss": [1.5, 1.0]}}}
    fig, ax = plt.subplots()
    plotting.plot_losses(ax, result, "made up", beta=0.5)
    train, valid = ax.get_lines()
    # debiased moving average: the mean of the losses so far, weighted 1, beta, beta**2, ... back
    assert np.allclose(train.get_ydata(), [4, 4 / 1.5, 4 / 1.75, 4 / 1.875])
    assert list(valid.get_xdata()) == [2, 4] and list(valid.get_ydata()) == [1.5, 1.0]
    plt.close(fig)


def test_show_images_titles_each_image():
    import torch
    fig = plotting.show_images(torch.zeros(3, 1, 28, 28, dtype=torch.uint8), [0, 1, 2], ("a", "b", "c"), "title")
    assert fig._suptitle.get_text() == "title"
    assert [ax.get_title() for ax in fig.axes[:3]] == ["a", "b", "c"]
    plt.close(fig)


def test_reproduce_follows_the_table_of_contents():
    names = [p.name for p in reproduce.toc_notebooks()]
    assert names and names[0] == "engine.ipynb"


def test_show_refuses_figures_below_the_book_standard(monkeypatch):
    assert plt.show.__module__ == "matplotlib.pyplot"  # a reader's own plt.show is left alone
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(1))
    plt.close("all")
    plotting.use_book_style()
    fig, (a, b) = plt.subplots(1, 2)
    a.plot([1, 2], label="one")
    a.plot([2, 1], label="two")
    b.imshow(np.zeros((2, 2)))
    b.axis("off")  # an image panel needs no labels
    problems = plotting.figure_problems(fig)
    assert problems == ["plot 0 has no title", "plot 0 has no x-axis label", "plot 0 has no y-axis label",
                        "plot 0 has 2 labelled lines and no legend"]
    with pytest.raises(ValueError, match="book's standard: plot 0 has no title"):
        plotting.show()
    assert shown == []
    a.set(title="t", xlabel="x", ylabel="y")
    a.legend()
    twin = a.twinx()
    twin.set_ylabel("y2")  # a twin axis shares the title and x label
    assert plotting.figure_problems(fig) == []
    plotting.show()
    assert shown == [1]
    plt.close("all")


def test_accuracy_against_iterations_is_the_seed_mean_with_a_min_max_band():
    def result(accs, n_iter):
        return {"history": {"epoch": {"epoch": [1, 2], "accuracy": accs}, "iteration": {"lr": [0.1] * n_iter}}}
    fig, ax = plt.subplots()
    plotting.plot_accuracy_vs_iterations(
        ax, {"a": [result([0.5, 0.7], 20), result([0.6, 0.9], 20)]}, "t", style=lambda name: "s--")
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == [10, 20] and np.allclose(line.get_ydata(), [55, 80])
    assert line.get_linestyle() == "--" and plotting.figure_problems(fig) == []
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(band.min(), 50) and np.isclose(band.max(), 90)
    plt.close(fig)


def test_interval_plot_colours_each_row_by_its_verdict():
    from helpers.analysis import compare
    plotting.use_book_style()
    rows = {"ahead": compare([3.0, 3.2, 2.9], [1.0, 1.1, 0.9]),
            "behind": compare([1.0, 1.1, 0.9], [3.0, 3.2, 2.9]),
            "tie": compare([1.0, 2.0, 3.0], [2.0, 1.0, 2.5])}
    fig, ax = plt.subplots()
    plotting.plot_intervals(ax, rows, above=0.0, xlabel="accuracy difference (points)")
    ax.set_title("three intervals")
    assert not plotting.figure_problems(fig)
    bars = [c for c in ax.containers]
    assert [b.lines[0].get_color() for b in bars] == [plotting.VERDICT_COLOURS[v] for v in
                                                      ("held", "contradicted", "inconclusive")]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(rows)
    plt.close(fig)


def test_range_test_accuracy_plot_marks_each_learning_rate(finder):
    fig, ax = plt.subplots()
    plotting.plot_range_test_accuracy(ax, [finder, finder], {"max": (0.1, "C3", "-"), "base": (0.025, "C0", ":")}, "t")
    marks = [line for line in ax.get_lines() if line.get_label() in ("max", "base")]
    assert [m.get_xdata()[0] for m in marks] == [0.1, 0.025] and len(ax.get_lines()) == 4
    assert ax.get_lines()[0].get_ydata() == pytest.approx(100 * plotting.smooth(finder["valid_metrics"]["accuracy"]))
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_suggestion_plot_marks_each_suggestion_on_the_first_curve(finder):
    fig, ax = plt.subplots()
    lr = finder["lr"][5]
    plotting.plot_suggestions(ax, [finder, finder], {"a": lr}, "t")
    point = [line for line in ax.get_lines() if line.get_label().startswith("a: ")][0]
    assert point.get_xdata()[0] == lr and point.get_ydata()[0] == pytest.approx(finder["train_loss_smooth"][5])
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_accuracy_against_lr_plots_each_seed_at_its_learning_rate():
    made_up = {"x": [{"config": {"lr": lr}, "final": {"accuracy": a}} for lr, a in ((0.1, 0.8), (0.2, 0.9))]}
    fig, ax = plt.subplots()
    plotting.plot_accuracy_against_lr(ax, made_up, "t")
    line, = ax.get_lines()
    assert list(line.get_xdata()) == [0.1, 0.2] and list(line.get_ydata()) == pytest.approx([80, 90])
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_raw_and_smoothed_plot_draws_both_losses_both_ways(finder):
    fig, ax = plt.subplots()
    plotting.plot_raw_and_smoothed(ax, finder, "t")
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    assert list(lines["validation loss, smoothed"]) == pytest.approx(plotting.smooth(finder["valid_loss"]))
    assert list(lines["training loss, raw"]) == pytest.approx(finder["train_loss"]) and len(lines) == 4
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_range_test_losses_plot_colours_each_setting_and_draws_each_seed(finder):
    fig, ax = plt.subplots()
    plotting.plot_range_test_losses(ax, {"wd 1e-4": [finder, finder], "wd 4e-3": [finder]}, "t")
    lines = ax.get_lines()
    assert [line.get_color() for line in lines] == ["C0", "C0", "C1"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["wd 1e-4", "wd 4e-3"]
    assert lines[2].get_ydata() == pytest.approx(plotting.smooth(finder["valid_loss"]))
    assert ax.get_xscale() == "log" and not plotting.figure_problems(fig)
    plt.close(fig)


def made_up_line(epochs=(4, 8)):
    alphas = [-10.0, -0.5, 0.0, 0.5, 1.0, 1.5, 4.0]
    rows = {"alpha": alphas, "train_loss": [a * a for a in alphas], "valid_loss": [1 + a * a for a in alphas],
            "min_running_var": [a for a in alphas]}
    return {"epochs": list(epochs), "interpolated": rows, "recomputed": rows}


def test_loss_along_lines_keeps_the_segment_and_marks_its_ends_and_minima():
    fig, axes = plt.subplots(1, 2)
    plotting.plot_loss_along_lines(axes, {"regular run": made_up_line(), "cyclical run": made_up_line((4, 6))})
    train, train_low, valid, valid_low, *ends = axes[1].get_lines()
    assert list(train.get_xdata()) == [-0.5, 0.0, 0.5, 1.0, 1.5] and list(valid.get_ydata()) == [1.25, 1, 1.25, 2, 3.25]
    assert (train_low.get_xdata()[0], valid_low.get_ydata()[0]) == (0, 1)  # the lowest of each curve
    assert valid_low.get_color() == valid.get_color() and "lowest validation loss, α = 0.0" in [
        t.get_text() for t in axes[1].get_legend().get_texts()]
    assert [e.get_xdata()[0] for e in ends] == [0, 1] and axes[1].get_title().startswith("cyclical run: epoch 4")
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_batchnorm_trap_plot_draws_both_kinds_of_statistics_in_each_lines_colour():
    fig, (ax_var, ax_loss) = plt.subplots(1, 2)
    plotting.plot_batchnorm_trap(ax_var, ax_loss, {"regular run": made_up_line(), "cyclical run": made_up_line()})
    assert [line.get_color() for line in ax_loss.get_lines()] == ["C0", "C0", "C1", "C1"]
    assert [line.get_linestyle() for line in ax_loss.get_lines()] == ["--", "-", "--", "-"]
    assert list(ax_var.get_lines()[0].get_ydata()) == made_up_line()["interpolated"]["min_running_var"]
    assert ax_var.get_yscale() == "symlog" and ax_loss.get_yscale() == "log"
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_loss_curves_plot_dots_each_minimum_and_starts_at_zero():
    fig, ax = plt.subplots()
    plotting.plot_loss_curves(ax, {"a": ([1e-3, 1e-2, 1e-1], [2.0, 1.0, 3.0]), "b": ([1e-3, 1e-2], [2.5, 2.0])},
                              "t", minima=True)
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [(d.get_xdata()[0], d.get_ydata()[0]) for d in dots] == [(1e-2, 1.0), (1e-2, 2.0)]
    assert dots[0].get_color() == ax.get_lines()[0].get_color()  # a curve's dot in its colour
    assert ax.get_ylim() == pytest.approx((0, 1.3 * 2.5)) and ax.get_xscale() == "log"
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def fake_results(accuracies):
    return [{"final": {"accuracy": a / 100}} for a in accuracies]


def test_final_accuracies_plot_a_dot_per_seed_and_the_mean_beside_them():
    results = {1e-3: fake_results([80, 82, 84]), 1e-4: fake_results([70, 71, 72])}
    fig, ax = plt.subplots()
    plotting.plot_final_accuracies(ax, results, "t", "x", groups={"coarse": [1e-3], "fine": [1e-4]},
                                   ticks=lambda w: f"{w:.0e}")
    seeds = ax.get_lines()[0]
    assert list(seeds.get_xdata()) == [0, 0, 0] and list(seeds.get_ydata()) == pytest.approx([80, 82, 84])
    means = [c.lines[0] for c in ax.containers]
    assert [m.get_ydata()[0] for m in means] == pytest.approx([82, 71])
    assert [m.get_color() for m in means] == ["C0", "C1"]  # coloured by group
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1e-03", "1e-04"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["coarse", "fine"]
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_mean_std_grid_writes_each_cell_and_has_a_colour_bar():
    import pandas as pd
    mean = pd.DataFrame([[80.0, 81.0], [79.0, 82.5]], index=["m1", "m2"], columns=["1e-03", "1e-04"])
    fig, ax = plt.subplots()
    plotting.plot_mean_std_grid(ax, mean, mean / 100, "t", "weight decay", "momentum")
    assert [t.get_text() for t in ax.texts] == ["80.0\n± 0.8", "81.0\n± 0.8", "79.0\n± 0.8", "82.5\n± 0.8"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["m1", "m2"] and len(fig.axes) == 2
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_cycle_shapes_draw_the_reference_dotted_black_on_both_plots():
    fig, (ax_lr, ax_mom) = plt.subplots(1, 2)
    curves = {"ours": ([0.1, 1.0, 0.1], [0.95, 0.85, 0.95]), "theirs": ([0.1, 1.0, 0.1], [0.95, 0.85, 0.95])}
    plotting.plot_cycle_shapes(ax_lr, ax_mom, curves, 1.0, reference="theirs")
    for ax in (ax_lr, ax_mom):
        ours, theirs = ax.get_lines()
        assert theirs.get_linestyle() == ":" and theirs.get_color() == "k" and ours.get_linestyle() == "-"
    assert list(ax_mom.get_lines()[0].get_ydata()) == [0.95, 0.85, 0.95]
    assert ax_lr.get_title() == "Learning rate (peak 1.0)"
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_range_tests_by_seed_draw_each_seeds_losses_and_accuracy_in_one_colour(finder):
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2)
    plotting.plot_range_tests_by_seed(ax_loss, ax_acc, [finder, finder])
    assert [line.get_color() for line in ax_loss.get_lines()] == ["C0", "C0", "C1", "C1"]
    accuracy = 100 * plotting.smooth(finder["valid_metrics"]["accuracy"])
    assert ax_acc.get_lines()[1].get_ydata() == pytest.approx(accuracy)
    assert ax_loss.get_ylim()[1] == pytest.approx(2 * finder["train_loss_smooth"][0]) and ax_acc.get_xscale() == "log"
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_intervals_against_x_draw_each_difference_with_its_interval():
    from helpers.analysis import Comparison
    fig, ax = plt.subplots()
    gaps = {2500: Comparison(-2.0, -6.0, 2.0, "inconclusive"), 10_000: Comparison(-3.0, -4.0, -2.0, "held")}
    plotting.plot_intervals_against(ax, {"gap": gaps, "other": {5000: gaps[2500], 0.2113: gaps[2500]}}, "t", "images",
                                    "points", zero=True)
    line, bars = ax.containers[0].lines[0], ax.containers[0].lines[2][0]
    assert list(line.get_ydata()) == [-2.0, -3.0]
    assert [s[:, 1].tolist() for s in bars.get_segments()] == [[-6, 2], [-4, -2]]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.211", "2500", "5000", "10000"]
    assert ax.get_lines()[-1].get_ydata()[0] == 0  # the zero line
    assert not plotting.figure_problems(fig)
    plt.close(fig)
    fig, ax = plt.subplots()  # less than a decade: matplotlib would label minor ticks too
    plotting.plot_intervals_against(ax, {"gap": gaps}, "t", "images", "points")
    fig.canvas.draw()
    assert not any(t.get_text() for t in ax.get_xticklabels(minor=True))  # only the xs are labelled
    plt.close(fig)


def test_iteration_record_draws_the_first_seed_smoothed_if_asked():
    results = {name: [{"history": {"iteration": {"mean_abs_grad": [1.0, 3.0, 2.0] if name == "a" else [2.0] * 3}}}]
               for name in ("a", "b")}
    fig, ax = plt.subplots()
    plotting.plot_iteration_record(ax, results, "mean_abs_grad", "t", "mean |gradient|", beta=0.9)
    assert ax.get_lines()[0].get_ydata() == pytest.approx(plotting.smooth([1.0, 3.0, 2.0], 0.9))
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"] and not plotting.figure_problems(fig)
    plt.close(fig)


def test_tests_by_iteration_draw_each_seed_thin_their_mean_thick_and_shade_the_end(finder):
    fig, ax = plt.subplots()
    plotting.plot_tests_by_iteration(ax, {"a": [finder, finder], "b": [finder]}, "title", last=0.1)
    thick = [line for line in ax.get_lines() if line.get_linewidth() == 2]
    assert labelled(ax) and len(ax.get_lines()) == 5 and len(thick) == 2
    assert thick[0].get_ydata() == pytest.approx(100 * plotting.smooth(finder["valid_metrics"]["accuracy"]))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "a (mean of 2 seeds)", "b (mean of 1 seeds)", "last 10% of the iterations"]
    plt.close(fig)


def test_verdict_counts_draw_one_labelled_bar_per_verdict():
    fig, ax = plt.subplots()
    plotting.plot_verdict_counts(ax, {"held": 13, "contradicted": 12, "inconclusive": 12}, "Claims")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["inconclusive", "contradicted", "held"]
    assert [p.get_width() for p in ax.patches] == [12, 12, 13]
    assert not plotting.figure_problems(fig)
    plt.close(fig)


def test_gradient_norms_and_stages_draw_the_first_seed_and_their_marks():
    n = 40
    result = {"history": {"iteration": {"loss": list(np.linspace(2, 0.5, n))}},
              "clipping": {"norms": [0.5] * n},
              "trajectory": {"grad_norm": [1.0] * n, "step": [0.1] * n, "distance": list(np.arange(n) / 10)}}
    fig, axes = plt.subplots(1, 4)
    plotting.plot_gradient_norms(axes[0], {"clipped": [result]}, 1.0, "Norms")
    assert axes[0].get_lines()[1].get_ydata()[0] == 1.0  # the clipping norm
    plotting.plot_stages(axes[1:], {"run": [result]}, {"a": (0, 0.25), "b": (0.25, 1)})
    assert list(axes[3].get_lines()[0].get_ydata()) == result["trajectory"]["distance"]  # not smoothed
    assert axes[3].get_lines()[1].get_xdata()[0] == 10  # the second stage starts at a quarter
    assert [t.get_text() for t in axes[1].texts] == ["a", "b"]
    assert not plotting.figure_problems(fig)
    plt.close(fig)

"""Plots in one style for every chapter: titles, labelled axes, legends, one colour cycle."""
import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter
import numpy as np

from .analysis import acc, smooth

STYLE = {
    "figure.figsize": (10, 4), "figure.dpi": 100, "savefig.dpi": 120,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 9, "legend.frameon": False,
    "axes.prop_cycle": plt.cycler(color=plt.get_cmap("tab10").colors),
}


def use_book_style():
    """The book's style (matplotlib's rcParams)."""
    plt.rcParams.update(STYLE)


def figure_problems(fig):
    """What a figure lacks by the book's standard: for every visible plot, a title (its own or
    the figure's), labelled axes, and a legend when several lines carry labels."""
    problems = []
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
    for i, ax in enumerate(fig.axes):
        if not ax.axison or ax.get_label() == "<colorbar>":
            continue  # image grids and colour bars
        twin = any(other is not ax and other.bbox.bounds == ax.bbox.bounds for other in fig.axes[:i])
        if not twin and not (ax.get_title() or suptitle):
            problems.append(f"plot {i} has no title")
        if not twin and not ax.get_xlabel():
            problems.append(f"plot {i} has no x-axis label")
        if not ax.get_ylabel():
            problems.append(f"plot {i} has no y-axis label")
        labelled = [h for h in ax.get_lines() + ax.collections if not h.get_label().startswith("_")]
        if len(labelled) > 1 and ax.get_legend() is None:
            problems.append(f"plot {i} has {len(labelled)} labelled lines and no legend")
    return problems


def show():
    """`plt.show()`, after checking every open figure against the book's standard: it raises
    ValueError for a figure without title, axis labels or, where several lines carry labels, a
    legend (see `figure_problems`). The chapters call it instead of `plt.show()`."""
    for num in plt.get_fignums():
        problems = figure_problems(plt.figure(num))
        if problems:
            raise ValueError("figure does not meet the book's standard: " + "; ".join(problems))
    plt.show()


def show_images(images, labels, classes, title, ncols=8):
    """A grid of uint8 images (N x C x H x W) with their class names."""
    n = len(images)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.8 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, y in zip(axes.flat, images, labels):
        img = img.permute(1, 2, 0).numpy()
        ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=255)
        ax.set_title(classes[int(y)], fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_schedule(ax_lr, ax_mom, result, label=None):
    """Learning rate and momentum against iterations for one run."""
    it = result["history"]["iteration"]
    steps = np.arange(1, len(it["lr"]) + 1)
    ax_lr.plot(steps, it["lr"], label=label)
    ax_lr.set(title="Learning rate schedule", xlabel="iteration", ylabel="learning rate")
    if any(m is not None for m in it["mom"]):
        ax_mom.plot(steps, it["mom"], label=label)
    ax_mom.set(title="Momentum schedule", xlabel="iteration", ylabel="momentum")


def plot_losses(ax, result, label, color=None, beta=0.9):
    """Smoothed training loss per iteration and validation loss per epoch, in one colour."""
    it, ep = result["history"]["iteration"], result["history"]["epoch"]
    per_epoch = len(it["loss"]) / max(len(ep["epoch"]), 1)
    line, = ax.plot(np.arange(1, len(it["loss"]) + 1), smooth(it["loss"], beta), alpha=0.7,
                    color=color, label=f"{label}: training (smoothed)")
    ax.plot(np.array(ep["epoch"]) * per_epoch, ep["valid_loss"], "o--", color=line.get_color(),
            label=f"{label}: validation")
    ax.set(title="Loss during training", xlabel="iteration", ylabel="cross-entropy loss")
    ax.legend()


def plot_range_test(ax, finder, label="", smoothed=True, beta=0.98, metric=None):
    """Training and validation loss (or a validation metric) against the learning rate."""
    lrs = finder["lr"]
    train = finder["train_loss_smooth"] if smoothed else finder["train_loss"]
    valid = smooth(finder["valid_loss"], beta) if smoothed else finder["valid_loss"]
    prefix = f"{label}: " if label else ""
    ax.plot(lrs, train, label=prefix + "training loss" + (" (smoothed)" if smoothed else ""))
    ax.plot(lrs, valid, label=prefix + "validation loss" + (" (smoothed)" if smoothed else ""))
    ax.set_xscale("log" if finder["finder"]["scale"] == "exp" else "linear")
    finite = [v for v in list(train) + list(valid) if np.isfinite(v)]
    ax.set_ylim(min(finite) * 0.9, 1.3 * max(train[0], valid[0]))  # diverged losses go off the top
    ax.set(title="LR range test", xlabel="learning rate", ylabel="cross-entropy loss")
    if metric:
        twin = ax.twinx()
        values = finder["valid_metrics"][metric]
        twin.plot(lrs, smooth(values, beta) if smoothed else values, color="grey", ls=":",
                  label=prefix + f"validation {metric}" + (" (smoothed)" if smoothed else ""))
        twin.set_ylabel(f"validation {metric}")
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(handles=handles)
    else:
        ax.legend()


def plot_range_test_accuracy(ax, finders, marks, title):
    """The smoothed validation accuracy (%) of range tests, one grey line per seed, with vertical
    lines at the learning rates of `marks` ({label: (lr, colour, line style)})."""
    for i, f in enumerate(finders):
        ax.plot(f["lr"], 100 * smooth(f["valid_metrics"]["accuracy"]), color="grey", alpha=0.6,
                label="smoothed validation accuracy, one line per seed" if i == 0 else None)
    for label, (lr, colour, style) in marks.items():
        ax.axvline(lr, color=colour, ls=style, label=label)
    ax.set(xscale="log", xlabel="learning rate", ylabel="validation accuracy (%)", title=title)
    ax.legend()


def plot_epoch_curves(ax, results, title, metric="loss"):
    """Training and validation curves per epoch, one thin line per seed (training loss is the
    epoch's average, validation after the epoch)."""
    for i, r in enumerate(results):
        ep = r["history"]["epoch"]
        if metric == "loss":
            ax.plot(ep["epoch"], ep["train_loss"], color="C0", alpha=0.8, label="training" if i == 0 else None)
            ax.plot(ep["epoch"], ep["valid_loss"], color="C1", alpha=0.8, label="validation" if i == 0 else None)
        else:
            ax.plot(ep["epoch"], ep[metric], color="C2", alpha=0.8, label=f"validation {metric}" if i == 0 else None)
    ax.set(title=title, xlabel="epoch", ylabel="cross-entropy loss" if metric == "loss" else metric)
    ax.legend(title=f"{len(results)} seeds, one line each")


def plot_accuracy_vs_iterations(ax, results, title, style=lambda name: "o-"):
    """Validation accuracy after each epoch against the iterations trained, one line per setting
    of {name: [result per seed]}: the mean over seeds, and a band from min to max. `style(name)`
    is the line's matplotlib format."""
    for j, (name, rs) in enumerate(results.items()):
        epochs = np.array(rs[0]["history"]["epoch"]["epoch"])
        its = epochs * (len(rs[0]["history"]["iteration"]["lr"]) // len(epochs))
        accs = 100 * np.array([r["history"]["epoch"]["accuracy"] for r in rs])
        ax.plot(its, accs.mean(0), style(name), color=f"C{j}", label=name)
        ax.fill_between(its, accs.min(0), accs.max(0), color=f"C{j}", alpha=0.15)
    ax.set(title=title, xlabel="iteration", ylabel="validation accuracy (%)")
    ax.legend()


VERDICT_COLOURS = {"held": "C2", "contradicted": "C3", "inconclusive": "C7"}


def plot_intervals(ax, comparisons, above=None, below=None, xlabel="difference", ylabel="claim"):
    """One row per {label: Comparison}: the difference as a dot, its 95% interval as a bar,
    coloured by verdict, with the claim's bounds as dashed lines."""
    labels = list(comparisons)
    for i, label in enumerate(labels):
        c = comparisons[label]
        ax.errorbar(c.difference, i, xerr=[[c.difference - c.ci_low], [c.ci_high - c.difference]],
                    fmt="o", capsize=4, color=VERDICT_COLOURS[c.verdict])
    for bound in (above, below):
        if bound is not None:
            ax.axvline(bound, color="k", ls="--", lw=1)
    for verdict, colour in VERDICT_COLOURS.items():
        ax.plot([], [], "o-", color=colour, label=verdict)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(title="verdict", loc="upper left", bbox_to_anchor=(1.01, 1))


def plot_suggestions(ax, finders, chosen, title):
    """Each range test's smoothed training loss (grey, one line per seed) and the learning rates
    of `chosen` ({label: lr}) marked on the first test's curve."""
    for i, f in enumerate(finders):
        ax.plot(f["lr"], f["train_loss_smooth"], color="grey", alpha=0.5, lw=1,
                label="smoothed training loss, one line per seed" if i == 0 else None)
    first = finders[0]
    for j, (label, lr) in enumerate(chosen.items()):
        loss = np.interp(np.log(lr), np.log(first["lr"]), first["train_loss_smooth"])
        ax.plot(lr, loss, "o", color=f"C{j}", ms=9, label=f"{label}: {lr:.3g}")
    top = max(f["train_loss_smooth"][0] for f in finders)
    ax.set_ylim(min(min(f["train_loss_smooth"]) for f in finders) * 0.9, top * 1.15)
    ax.set(xscale="log", xlabel="learning rate", ylabel="smoothed training loss", title=title)
    ax.legend()


def plot_accuracy_against_lr(ax, results, title):
    """Final validation accuracy (%) against the run's learning rate, one point per seed and one
    colour per setting of {label: [result per seed]}."""
    for j, (label, rs) in enumerate(results.items()):
        ax.plot([r["config"]["lr"] for r in rs], acc(rs), "o", color=f"C{j}", ms=8, label=label)
    ax.set(xscale="log", xlabel="learning rate", ylabel="final validation accuracy (%)", title=title)
    ax.legend()


def plot_raw_and_smoothed(ax, finder, title):
    """A range test's training and validation losses, raw and smoothed as fastai smooths them."""
    lrs = finder["lr"]
    ax.plot(lrs, finder["train_loss"], alpha=0.4, label="training loss, raw")
    ax.plot(lrs, finder["train_loss_smooth"], label="training loss, smoothed (β = 0.98)")
    ax.plot(lrs, finder["valid_loss"], alpha=0.4, label="validation loss, raw")
    ax.plot(lrs, smooth(finder["valid_loss"]), label="validation loss, smoothed")
    ax.set(xscale="log", ylim=(min(finder["train_loss_smooth"]) * 0.8, finder["train_loss"][0] * 1.3),
           xlabel="learning rate", ylabel="cross-entropy loss", title=title)
    ax.legend()


def plot_range_test_losses(ax, finders, title):
    """The smoothed validation loss of range tests against the learning rate: one colour per
    setting of {label: [range test per seed]}, one line per seed."""
    for i, (label, fs) in enumerate(finders.items()):
        for j, f in enumerate(fs):
            ax.plot(f["lr"], smooth(f["valid_loss"]), color=f"C{i}", alpha=0.8, label=label if j == 0 else None)
    ax.set(xscale="log", xlabel="learning rate", ylabel="smoothed validation loss", title=title)
    ax.legend(title="one line per seed")


def plot_loss_along_lines(axes, lines, lo=-0.5, hi=1.5):
    """Training and validation loss (BatchNorm statistics recomputed) along each interpolation
    line of {name: line} (`helpers.interpolation`) for alpha in [lo, hi], one plot per line, with
    its two ends, alpha = 0 and 1, dotted, and each curve's lowest point starred."""
    for ax, (name, line) in zip(axes, lines.items()):
        rows = {k: np.array(v) for k, v in line["recomputed"].items()}
        keep = (rows["alpha"] >= lo) & (rows["alpha"] <= hi)
        curves = (("train_loss", "o-", "training"), ("valid_loss", "s-", "validation"))
        for j, (column, marker, what) in enumerate(curves):
            alpha, loss = rows["alpha"][keep], rows[column][keep]
            ax.plot(alpha, loss, marker, color=f"C{j}", label=f"{what} loss")
            low = int(np.nanargmin(loss))
            ax.plot(alpha[low], loss[low], "*", color=f"C{j}", ms=16, mec="k",
                    label=f"lowest {what} loss, α = {alpha[low]:.1f}")
        for x in (0, 1):
            ax.axvline(x, color="grey", lw=1, ls=":")
        e1, e2 = line["epochs"]
        ax.set(title=f"{name}: epoch {e1} (α = 0) to epoch {e2} (α = 1)", xlabel="α", ylabel="cross-entropy loss")
        ax.legend()


def plot_batchnorm_trap(ax_var, ax_loss, lines):
    """Along each interpolation line of {name: line}, one colour per line: the smallest BatchNorm
    running variance with interpolated statistics (`ax_var`, symlog), and the validation loss
    with interpolated (dashed) and recomputed (solid) statistics (`ax_loss`, log)."""
    for j, (name, line) in enumerate(lines.items()):
        inter, recomputed = line["interpolated"], line["recomputed"]
        ax_var.plot(inter["alpha"], inter["min_running_var"], "o-", color=f"C{j}", label=f"{name}: interpolated")
        ax_loss.plot(inter["alpha"], inter["valid_loss"], "o--", color=f"C{j}",
                     label=f"{name}: interpolated BN statistics")
        ax_loss.plot(recomputed["alpha"], recomputed["valid_loss"], "s-", color=f"C{j}",
                     label=f"{name}: recomputed BN statistics")
    ax_var.axhline(0, color="k", lw=1)
    ax_var.set(title="Smallest BatchNorm running variance", xlabel="α", ylabel="running variance", yscale="symlog")
    ax_loss.set(title="Validation loss over a wide range of α", xlabel="α", ylabel="cross-entropy loss",
                yscale="log")
    ax_var.legend()
    ax_loss.legend(fontsize=8)


def plot_loss_curves(ax, curves, title, xlabel="learning rate", ylabel="training loss (smoothed)", top=None,
                     minima=False):
    """Range-test curves of {label: (x, loss)} on a log x axis, one colour each, from 0 up to
    `top` (by default 1.3 times the highest starting loss), with a dot at each curve's lowest
    loss if `minima`."""
    for j, (label, (x, loss)) in enumerate(curves.items()):
        x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
        ax.plot(x, loss, color=f"C{j}", label=label)
        if minima:
            i = int(np.nanargmin(loss))
            ax.plot(x[i], loss[i], "o", color=f"C{j}")
    top = top if top is not None else 1.3 * max(loss[0] for _, loss in curves.values())
    ax.set(xscale="log", ylim=(0, top), title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()


def plot_final_accuracies(ax, results, title, xlabel, groups=None, ticks=str):
    """The final validation accuracy (%) of each setting of {setting: [result per seed]}, one
    column per setting in order, labelled `ticks(setting)`: a dot per seed and the mean ± std as a
    square beside them. `groups` ({legend: [settings]}) colours the columns by group; without it
    the dots are grey and the squares red."""
    colours = {k: f"C{i}" for i, members in enumerate((groups or {}).values()) for k in members}
    for j, (name, rs) in enumerate(results.items()):
        a, first = acc(rs), j == 0 and not groups
        ax.plot([j] * len(a), a, "o", color=colours.get(name, "grey"), alpha=0.6,
                label="one seed" if first else None)
        ax.errorbar(j + 0.15, a.mean(), yerr=a.std(ddof=1) if len(a) > 1 else 0, fmt="s",
                    color=colours.get(name, "C3"), capsize=5, label="mean ± std" if first else None)
    for i, legend in enumerate(groups or {}):
        ax.plot([], [], "s", color=f"C{i}", label=legend)
    ax.set_xticks(range(len(results)), [ticks(k) for k in results])
    ax.set(title=title, xlabel=xlabel, ylabel="validation accuracy (%)")
    ax.legend()


def plot_mean_std_grid(ax, mean, std, title, xlabel, ylabel):
    """A grid of mean accuracies (%) as a heat map, rows and columns of the table `mean`, each
    cell written as mean ± std (the table `std`), with a colour bar."""
    image = ax.imshow(mean.values, cmap="viridis")
    for i in range(mean.shape[0]):
        for j in range(mean.shape[1]):
            m = mean.iat[i, j]
            ax.text(j, i, f"{m:.1f}\n± {std.iat[i, j]:.1f}", ha="center", va="center",
                    color="white" if m < np.nanmean(mean.values) else "black")
    ax.set_xticks(range(mean.shape[1]), mean.columns)
    ax.set_yticks(range(mean.shape[0]), mean.index)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(False)
    ax.figure.colorbar(image, ax=ax, label="mean validation accuracy (%)")


def plot_cycle_shapes(ax_lr, ax_mom, curves, peak, reference=None):
    """Learning rate and momentum against the iteration, one line per {label: (lrs, moms)}; the
    line `reference` dotted black, on top of the ones it should match."""
    for label, (lrs, moms) in curves.items():
        style = dict(ls=":", color="k") if label == reference else {}
        ax_lr.plot(lrs, label=label, **style)
        ax_mom.plot(moms, label=label, **style)
    ax_lr.set(title=f"Learning rate (peak {peak})", xlabel="iteration", ylabel="learning rate")
    ax_mom.set(title="Momentum", xlabel="iteration", ylabel="momentum")
    ax_lr.legend()
    ax_mom.legend()


def plot_range_tests_by_seed(ax_loss, ax_acc, finders):
    """Range tests, one colour per seed: the smoothed training (solid) and validation (dashed)
    losses, up to twice the highest starting loss, and the smoothed validation accuracy (%)."""
    scale = finders[0]["finder"]["scale"].replace("exp", "log")
    for i, f in enumerate(finders):
        seed = f"seed {f['config']['seed']}"
        ax_loss.plot(f["lr"], f["train_loss_smooth"], color=f"C{i}", label=f"{seed}: training (smoothed)")
        ax_loss.plot(f["lr"], smooth(f["valid_loss"]), "--", color=f"C{i}", label=f"{seed}: validation (smoothed)")
        ax_acc.plot(f["lr"], 100 * smooth(f["valid_metrics"]["accuracy"]), color=f"C{i}", label=seed)
    ax_loss.set(title=f"Loss over a {scale} LR range", xscale=scale, xlabel="learning rate",
                ylabel="cross-entropy loss", ylim=(0, 2 * max(f["train_loss_smooth"][0] for f in finders)))
    ax_acc.set(title=f"Validation accuracy over a {scale} LR range", xscale=scale, xlabel="learning rate",
               ylabel="validation accuracy, smoothed (%)")
    ax_loss.legend(fontsize=8)
    ax_acc.legend()


def plot_tests_by_iteration(ax, groups, title, last=None):
    """Range tests against the iteration, one colour per group of {label: [test per seed]}: each
    seed's smoothed validation accuracy (%) thin, their mean thick; the last `last` fraction of
    the iterations shaded."""
    for j, (label, finders) in enumerate(groups.items()):
        curves = np.array([100 * smooth(f["valid_metrics"]["accuracy"]) for f in finders])
        for c in curves:
            ax.plot(c, color=f"C{j}", lw=0.6, alpha=0.5)
        ax.plot(curves.mean(axis=0), color=f"C{j}", lw=2, label=f"{label} (mean of {len(curves)} seeds)")
    if last:
        n = len(next(iter(groups.values()))[0]["lr"])
        ax.axvspan((1 - last) * n, n, color="grey", alpha=0.15, label=f"last {last:.0%} of the iterations")
    ax.set(title=title, xlabel="iteration", ylabel="validation accuracy, smoothed (%)")
    ax.legend()


def plot_intervals_against(ax, series, title, xlabel, ylabel, zero=False):
    """One line per {label: {x: Comparison}}: each difference (or mean) with its 95% interval as
    an error bar, against x on a log axis ticked (only) at the xs; a grey line at zero if `zero`."""
    xs = sorted({x for points in series.values() for x in points})
    for j, (label, points) in enumerate(series.items()):
        cs = list(points.values())
        ax.errorbar(list(points), [c.difference for c in cs], fmt="o-", color=f"C{j}", capsize=4, label=label,
                    yerr=[[c.difference - c.ci_low for c in cs], [c.ci_high - c.difference for c in cs]])
    if zero:
        ax.axhline(0, color="grey", lw=1)
    ax.set(xscale="log", title=title, xlabel=xlabel, ylabel=ylabel)
    ax.set_xticks(xs, [f"{x:.3g}" if x < 1 else f"{x:g}" for x in xs])
    ax.xaxis.set_minor_formatter(NullFormatter())  # only the xs are labelled
    ax.legend()


def plot_iteration_record(ax, results, key, title, ylabel, beta=None):
    """What the first seed of each setting of {label: [result per seed]} recorded at every
    iteration under `key` ("lr", "mean_abs_grad", ...), smoothed with `beta` if given."""
    for j, (label, rs) in enumerate(results.items()):
        values = rs[0]["history"]["iteration"][key]
        ax.plot(smooth(values, beta) if beta else values, color=f"C{j}", label=label)
    ax.set(title=title, xlabel="iteration", ylabel=ylabel)
    ax.legend()


def plot_lr_against_batch(ax, points, reference, title):
    """Learning rates against batch size on log axes, one colour per kind of {label: {batch:
    [LR per seed]}}: a dot per seed and the medians joined; through the first kind's median at the
    batch size `reference`, dashed lines of slope 1 (LR in proportion to the batch) and 0.5 (to
    its square root)."""
    for j, (label, by_batch) in enumerate(points.items()):
        batches = sorted(by_batch)
        for b in batches:
            ax.plot([b] * len(by_batch[b]), by_batch[b], "o", color=f"C{j}", alpha=0.35, ms=5)
        ax.plot(batches, [np.median(by_batch[b]) for b in batches], "s-", color=f"C{j}", label=f"{label}, median")
    anchor = np.median(next(iter(points.values()))[reference])
    batches = np.array(sorted(next(iter(points.values()))))
    for slope, style in ((1.0, "--"), (0.5, ":")):
        ax.plot(batches, anchor * (batches / reference) ** slope, style, color="grey",
                label=f"slope {slope:g} through the median at batch {reference}")
    ax.set(xscale="log", yscale="log", title=title, xlabel="batch size", ylabel="learning rate")
    ax.set_xticks(batches, [str(b) for b in batches])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend()


def plot_lr_shapes(ax, results, title):
    """Each setting's learning rate over its run as a fraction of its peak (first seed of each
    of {label: [result per seed]}), so that schedules with peaks far apart share one axis."""
    for j, (label, rs) in enumerate(results.items()):
        lrs = np.array(rs[0]["history"]["iteration"]["lr"])
        ax.plot(lrs / lrs.max(), color=f"C{j}", label=label)
    ax.set(title=title, xlabel="iteration", ylabel="learning rate / its peak")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))


def plot_means_against(ax, series, title, xlabel, ylabel):
    """One line per {label: {x: Comparison of one sample}}: the mean with its 95% interval, x on a
    linear axis ticked at the xs."""
    for j, (label, points) in enumerate(series.items()):
        xs, cs = list(points), list(points.values())
        ax.errorbar(xs, [c.difference for c in cs], fmt="o-", color=f"C{j}", capsize=4, label=label,
                    yerr=[[c.difference - c.ci_low for c in cs], [c.ci_high - c.difference for c in cs]])
    ax.set_xticks(sorted({x for points in series.values() for x in points}))
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))


def plot_gradient_norms(ax, results, max_norm, title, beta=0.9):
    """The total gradient norm before clipping at every iteration of the first seed of each
    {label: [clipped result per seed]} (smoothed with `beta`), and the norm they are clipped to."""
    for j, (label, rs) in enumerate(results.items()):
        ax.plot(smooth(rs[0]["clipping"]["norms"], beta), color=f"C{j}", label=label)
    ax.axhline(max_norm, color="grey", ls="--", lw=1, label=f"clipped above {max_norm:g}")
    ax.set(yscale="log", title=title, xlabel="iteration", ylabel="gradient norm (L2, smoothed)")
    ax.legend()


VERDICT_COLOURS = {"held": "C2", "contradicted": "C3", "inconclusive": "C7"}


def plot_verdict_counts(ax, counts, title):
    """How many claims got each verdict, from {verdict: count}, as horizontal bars."""
    verdicts = list(counts)[::-1]  # the first at the top
    bars = ax.barh(verdicts, [counts[v] for v in verdicts], color=[VERDICT_COLOURS[v] for v in verdicts])
    ax.bar_label(bars, padding=3)
    ax.set(title=title, xlabel="claims", ylabel="verdict")
    ax.grid(axis="y", visible=False)


def plot_stages(axes, results, stages):
    """Three panels for the first seed of each {label: [result with a trajectory per seed]}: the
    smoothed training loss, the smoothed gradient norm and the distance from the initial weights
    at every iteration, the stages ({name: (start, stop)} fractions of the run) marked."""
    panels = (("loss", "Training loss (smoothed)", "cross-entropy"),
              ("grad_norm", "Gradient norm (smoothed)", "L2 norm of all gradients"),
              ("distance", "Distance from the initial weights", "L2 distance"))
    for ax, (key, title, ylabel) in zip(axes, panels):
        for j, (label, rs) in enumerate(results.items()):
            values = rs[0]["history"]["iteration"]["loss"] if key == "loss" else rs[0]["trajectory"][key]
            ax.plot(values if key == "distance" else smooth(values, 0.9), color=f"C{j}", label=label)
        n = len(values)
        for name, (start, stop) in stages.items():
            if start > 0:
                ax.axvline(start * n, color="grey", ls=":", lw=1)
            ax.text((start + stop) / 2 * n, 0.98, name, transform=ax.get_xaxis_transform(), ha="center",
                    va="top", fontsize=8, color="grey")
        ax.set(title=title, xlabel="iteration", ylabel=ylabel)
        ax.legend(loc="center right")

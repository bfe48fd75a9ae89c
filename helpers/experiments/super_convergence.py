"""The super-convergence chapter (Smith and Topin 2017): a linear range test up to LR 3 read
against a constant LR over the same iterations, the step schedule doubled until it plateaus, the
shortest cycle that is as good as it, and the gradients during a cycle."""
import numpy as np
import pandas as pd

from ..analysis import acc, compare, diverged_runs, fmt, highest_mean, one_sample, plateau, smooth, summary_table
from ..claim import Claim, bound, difference, seeded, to_decide
from ..clipping import clipped_job
from ..config import make_config, step_config, with_seeds
from ..paper import FORUM, PAPER as NUMBERS, SC as PAPER
from ..profiles import get_profile
from ..runs import run_job, run_seeds, seeded_finder_jobs
from ..trajectory import trajectory_job
from .range_test import book_cycle, peak_lr

HE_LR = 0.1  # He et al.'s starting LR; the step schedule also starts from the book's peak
STEP_LONGEST = 16  # the step schedule is doubled up to this many times the profile's budget
SHARES = (8, 4, 2)  # the cycles get 1/8, 1/4 and 1/2 of the plateau's iterations
WIDE = dict(start_lr=1e-3, end_lr=3.0, scale="linear", stop_div=False)
END = 0.9  # the wide test is read over its last tenth (LR 2.7 to 3)


def epochs_label(e):
    return f"{e} epoch{'s' if e > 1 else ''}"


def cycle_label(e):
    return f"1cycle, {epochs_label(e)}"


def step_label(lr, e):
    return f"step, LR {lr:.3g}, {epochs_label(e)}"


def arm(results, prefix):
    """The results of the one setting whose label starts with `prefix`."""
    (found,) = [rs for label, rs in results.items() if label.startswith(prefix)]
    return found


def iterations(results):
    return len(results[0]["history"]["iteration"]["lr"])


def seed_table(results, columns=None):
    """`analysis.summary_table` of the final accuracies (no diverged runs here), after the
    columns {name: f([result per seed])}."""
    table = summary_table(results).drop(columns="diverged runs")
    for i, (name, f) in enumerate((columns or {}).items()):
        table.insert(i, name, [f(rs) for rs in results.values()])
    return table


# ---- how high the learning rate can go: a linear range test up to 3, and a constant-LR control
def wide_arms(profile=None):
    """{"wide": [linear range test up to LR 3, per seed], "constant": [the same iterations at the
    book's peak LR, constant, per seed]}: the same model, data and evaluation."""
    p = get_profile(profile)
    config = make_config(p.name, name="sc-wide")
    lr = peak_lr(p.name)
    return {**seeded_finder_jobs({"wide": config}, **WIDE),
            **seeded_finder_jobs({"constant": config}, start_lr=lr, end_lr=lr, scale="linear", stop_div=False)}


def end_accuracy(finder):
    """The validation accuracy (%) over the last tenth of a range test's iterations."""
    a = finder["valid_metrics"]["accuracy"]
    return 100 * float(np.mean(a[int(END * len(a)):]))


def end_lr(finder):
    """The LR at the start of the last tenth of a range test."""
    return float(finder["lr"][int(END * len(finder["lr"]))])


def large_lrs(results, margin):
    wide, constant = ([end_accuracy(f) for f in results[k]] for k in ("wide", "constant"))
    first = results["wide"][0]
    return (f"last tenth (LR {end_lr(first):.1f}-{first['lr'][-1]:.0f}) {np.mean(wide):.1f}%; constant LR "
            f"{results['constant'][0]['lr'][0]:.3g}, same iterations, {np.mean(constant):.1f}%",
            compare(np.array(wide), np.array(constant), margin), {})


def wide_readings(results):
    """What the chapter reads off the wide tests and their control (medians over seeds)."""
    wide = results["wide"]
    curves = [100 * smooth(f["valid_metrics"]["accuracy"]) for f in wide]
    top = float(np.median([f["lr"][int(np.argmax(a))] for f, a in zip(wide, curves)]))
    share = top / wide[0]["lr"][-1]
    return {"wide_peak_lr": top, "wide_peak_where": "in the last tenth of the range" if share >= END else
            f"at {share:.0%} of the range",
            "wide_peak_acc": float(np.median([a.max() for a in curves])),
            "wide_end_lr": end_lr(wide[0]),
            "wide_iters": len(wide[0]["lr"]), "constant_lr": float(results["constant"][0]["lr"][0])}


# ---- the headline: cycles against the step schedule at its plateau
def step_lrs(profile=None):
    """The step schedule's starting LRs: He et al.'s and the book's peak."""
    return HE_LR, peak_lr(profile)


def first_steps(profile=None):
    """{starting LR: step schedule of twice the budget}."""
    p = get_profile(profile)
    return {lr: step_config(p.name, lr=lr, epochs=2 * p.epochs) for lr in step_lrs(p.name)}


def plateau_of(steps):
    """The plateau (`analysis.plateau`) of the step schedule's {epochs: results}, or None when
    every doubling still gains."""
    return plateau({e: acc(rs) for e, rs in steps.items()}, bound("plateau"))


def plateau_length(steps):
    """The epochs of the step schedule at its plateau: `plateau_of` its {epochs: results}, or the
    longest length trained when none was reached."""
    return plateau_of(steps) or max(steps)


def better_step_lr(profile=None):
    """The starting LR of `first_steps` with the higher mean accuracy."""
    return highest_mean(run_seeds(first_steps(profile)))


def step_doubling(profile=None):
    """`better_step_lr`, and {epochs: results} of the step schedule from it, doubled from twice
    the budget until it plateaus (`analysis.plateau`) or reaches `STEP_LONGEST` budgets."""
    p = get_profile(profile)
    first = run_seeds(first_steps(p.name))
    lr = highest_mean(first)
    steps = {2 * p.epochs: first[lr]}
    while plateau_of(steps) is None and max(steps) < STEP_LONGEST * p.epochs:
        e = 2 * max(steps)
        steps[e] = run_seeds({e: step_config(p.name, lr=lr, epochs=e)})[e]
    return lr, steps


def step_plateau(profile=None):
    """(starting LR, epochs) of the step schedule at its plateau (the longest length trained
    when none was reached)."""
    lr, steps = step_doubling(profile)
    return lr, plateau_length(steps)


def shares(epochs):
    """{k: epochs of the cycle with 1/k of the iterations of `epochs`} for k in `SHARES`."""
    return {k: max(1, epochs // k) for k in SHARES}


def cycle_doubling(steps, profile=None):
    """{k: results} of the book's cycle with 1/k of the plateau's iterations, from the smallest
    share up, until one is as good as the step schedule at its plateau (or all of `SHARES`);
    `steps` is the step schedule's {epochs: results} (`step_doubling`)."""
    epochs = plateau_length(steps)
    step = acc(steps[epochs])
    cycles = {}
    for k, e in shares(epochs).items():
        cycles[k] = run_seeds({e: book_cycle(profile, epochs=e)})[e]
        if compare(acc(cycles[k]), step, bound("as good")).verdict == "held":
            break
    return cycles


def headline(profile=None):
    """{label: results}: the step schedule from both starting LRs at twice the budget, the better
    one at every length it was doubled to, and the cycles of `cycle_doubling`."""
    p = get_profile(profile)
    lr, steps = step_doubling(p.name)
    epochs = plateau_length(steps)
    first = run_seeds(first_steps(p.name))
    cycles = cycle_doubling(steps, p.name)
    return {**{cycle_label(shares(epochs)[k]): rs for k, rs in cycles.items()},
            **{step_label(s, 2 * p.epochs): rs for s, rs in first.items()},
            **{step_label(lr, e): rs for e, rs in steps.items() if e > 2 * p.epochs}}


def against_plateau(results, profile=None):
    """{k: the cycle with 1/k of the plateau's iterations minus the step schedule at its plateau,
    "as good" (within the margin)} for every share trained, from `headline` results."""
    lr, epochs = step_plateau(profile)
    step = acc(results[step_label(lr, epochs)])
    return {k: compare(acc(results[cycle_label(e)]), step, bound("as good"))
            for k, e in shares(epochs).items() if cycle_label(e) in results}


def shares_table(results, profile=None):
    """`against_plateau` as a table, one row per cycle."""
    lr, epochs = step_plateau(profile)
    step_iters = iterations(results[step_label(lr, epochs)])
    return pd.DataFrame({
        f"{epochs_label(shares(epochs)[k])} ({step_iters // k} iterations)": {
            "share of the plateau's iterations": f"1/{k}", "1cycle minus step (points)": c.difference,
            "ci_low": c.ci_low, "ci_high": c.ci_high, "as good (within the margin)": c.verdict}
        for k, c in against_plateau(results, profile).items()}).T


def ratio_words(shares):
    """The chapter's words for the smallest share of the plateau's iterations at which a cycle was
    shown to be as good, from {k: Comparison} of the shares 1/k trained (`against_plateau`)."""
    held = [k for k, c in shares.items() if c.verdict == "held"]
    if held:
        return f"the smallest share at which the cycle was shown to be as good is **1/{max(held)}** of the step " \
               "schedule's iterations"
    last = min(shares)
    words = f"**no cycle was shown to be as good as the step schedule at its plateau**, not even with 1/{last} of " \
            "its iterations"
    if shares[last].verdict == "inconclusive":
        words += f", whose interval straddles the margin ({to_decide(shares[last])} would decide it, if the means " \
                 "and spreads stayed as measured)"
    return words


def plateau_readings(results, profile=None):
    """What the chapter says about the step schedule's doubling and the shares of its plateau at
    which a cycle was shown to be as good."""
    p = get_profile(profile)
    lr, steps = step_doubling(p.name)
    reached = plateau_of(steps)
    epochs = plateau_length(steps)
    step = acc(steps[epochs])
    gains = {e: compare(acc(steps[2 * e]), acc(steps[e]), bound("plateau")) for e in sorted(steps) if 2 * e in steps}
    return {
        "step_lr": lr, "he_lr": HE_LR, "plateau_iters": iterations(steps[epochs]),
        "step_acc": float(step.mean()), "step_std": float(step.std(ddof=1)), "gain": bound("plateau"),
        "longest": STEP_LONGEST, "gains": "; ".join(f"from {e} to {2 * e} epochs {c.text()}" for e, c in gains.items()),
        "plateau_words": f"its plateau is {epochs} epochs" if reached else
        f"it was still gaining at {epochs} epochs, the longest run this chapter allows, so that run stands in "
        "for its plateau, and the cycles are compared with a step schedule short of its best",
        "ratio_words": ratio_words(against_plateau(results, p.name)),
        "as_good": -bound("as good"), "n_seeds": len(p.seeds)}


def paper_vs_book(results, profile=None):
    """The paper's cycle and step schedule beside ours: the shortest cycle trained and the step
    schedule at its plateau."""
    p = get_profile(profile)
    lr, epochs = step_plateau(p.name)

    def book(label):
        a = acc(results[label])
        return {"": f"book: {label}", "setting": f"ResNet-{p.depth}, {p.dataset}, {p.n_train} images",
                "iterations": iterations(results[label]), "accuracy (%)": f"{a.mean():.2f} ± {a.std(ddof=1):.2f}"}
    return pd.DataFrame([
        {"": "paper: 1cycle", "setting": NUMBERS["sc_cycle"]["setting"], "iterations": 10_000,
         "accuracy (%)": NUMBERS["sc_cycle"]["value"]},
        {"": "paper: piecewise constant", "setting": NUMBERS["sc_step"]["setting"], "iterations": 80_000,
         "accuracy (%)": NUMBERS["sc_step"]["value"]},
        book(cycle_label(shares(epochs)[8])), book(step_label(lr, epochs))]).set_index("")


def short_cycle_arms(profile=None):
    """The arms of the cycle with an eighth of the plateau's iterations against the step schedule
    at its plateau."""
    p = get_profile(profile).name
    lr, epochs = step_plateau(p)
    e = shares(epochs)[8]
    return seeded({cycle_label(e): book_cycle(p, epochs=e),
                   step_label(lr, epochs): step_config(p, lr=lr, epochs=epochs)})


def short_cycle(results, margin):
    cycle, step = arm(results, "1cycle"), arm(results, "step")
    return (f"1cycle {fmt(acc(cycle))} in {iterations(cycle)} iterations; step schedule (LR "
            f"{step[0]['config']['lr']:.3g}) at its plateau {fmt(acc(step))} in {iterations(step)}",
            compare(acc(cycle), acc(step), margin), {})


LARGE_LRS = Claim(
    "super_convergence", PAPER, "Very large learning rates still train (linear range test)",
    "ResNet-56: accuracy high up to LR 3",
    "accuracy over the last tenth of a linear range test up to 3, minus a constant LR over the same iterations",
    "as good", arms=wide_arms, measure=large_lrs,
    says={"held": "the whole interval lies above the margin: at the largest learning rates of the test the network "
                  "trains as well as at the book's constant peak, the condition for super-convergence",
          "contradicted": "the whole interval lies below the margin: at the largest learning rates of the test the "
                          "network trains worse than at the book's constant peak",
          "inconclusive": "the interval straddles the margin: the test cannot say whether the network trains as "
                          "well at its largest learning rates as at the book's constant peak"},
    sums_up={"held": "trains as well in the last tenth of the range as at the book's constant peak LR",
             "contradicted": "trains worse in the last tenth of the range than at the book's constant peak LR",
             "inconclusive": "was not shown to train as well in the last tenth of the range as at the book's "
                             "constant peak LR, nor worse"},
    section="How high can the learning rate go?")

SHORT_CYCLE = Claim(
    "super_convergence", PAPER, "A cycle with an eighth of the iterations is as good as a step schedule at its "
    "plateau", "92.4% in 10k iterations against 91.2% in 80k", "accuracy, 1cycle minus step (points)", "as good",
    arms=short_cycle_arms, measure=short_cycle,
    sums_up={"held": "held: a cycle with an eighth of the iterations is as good as the step schedule at its plateau",
             "contradicted": "was contradicted: a cycle with an eighth of the iterations trails the step schedule "
                             "at its plateau by more than the margin",
             "inconclusive": "stays open: the interval of a cycle with an eighth of the iterations straddles the "
                             "margin"},
    says={"held": "the whole interval lies above the margin: a cycle with an eighth of the iterations is as good as "
                  "the step schedule at its plateau",
          "contradicted": "the whole interval lies below the margin: a cycle with an eighth of the iterations trails "
                          "the step schedule at its plateau by more than the margin",
          "inconclusive": "the interval straddles the margin: a cycle with an eighth of the iterations may or may not "
                          "be as good as the step schedule at its plateau"},
    section="The headline: one short cycle against a step schedule at its plateau")


# ---- gradients during the cycle
CYCLE_PEAK, STEP_CONSTANT = (0.2, 0.3), (0.2, 0.5)  # stretches of a run, as fractions of its iterations


def mean_grad(results, stretch):
    """Per seed: the mean absolute gradient over `stretch` (start, stop) of the run."""
    def one(g):
        return float(np.mean(g[int(stretch[0] * len(g)):int(stretch[1] * len(g))]))
    return np.array([one(r["history"]["iteration"]["mean_abs_grad"]) for r in results])


def gradient_means(cycle, step):
    """The mean absolute gradient (mean over seeds) of a cycle around its peak and in its last
    tenth, and of a step schedule in its constant first half and its last tenth."""
    return {key: float(mean_grad(results, stretch).mean()) for key, results, stretch in (
        ("grad_cycle_peak", cycle, CYCLE_PEAK), ("grad_cycle_end", cycle, (0.9, 1)),
        ("grad_step_first", step, STEP_CONSTANT), ("grad_step_end", step, (0.9, 1)))}


def gradients(results, margin):
    cycle, step = arm(results, "1cycle"), arm(results, "step")
    c, s = 1000 * mean_grad(cycle, CYCLE_PEAK), 1000 * mean_grad(step, STEP_CONSTANT)
    ratio = cycle[0]["config"]["lr"] / step[0]["config"]["lr"]
    return (f"mean |gradient| (x1e-3) {s.mean():.2f} in the step schedule's constant first half, {c.mean():.2f} "
            f"around the cycle's peak at {ratio:g} times its LR", compare(s, c, margin), {"lr_ratio": ratio})


# not in the claims table: the forum thread's question about the gradients at a large LR
GRADIENTS = Claim(
    "super_convergence", FORUM, "Around its peak LR the cycle's gradients are smaller than the step schedule's at "
    "its constant LR", "plotted, no number", "mean |gradient| x 1e-3, step schedule's constant first half minus "
    "the cycle's peak", "beats", arms=short_cycle_arms, measure=gradients, unit="", digits=2,
    says={"held": "the whole interval lies above zero: at {lr_ratio:.3g} times the step schedule's learning rate, "
                  "the cycle's gradients are smaller than the step schedule's, not larger",
          "contradicted": "the whole interval lies at or below zero: around its peak the cycle's gradients are "
                          "at least as large as the step schedule's at its constant learning rate",
          "inconclusive": "the interval includes zero: at this number of seeds the two cannot be told apart"},
    section="Gradients during the cycle")


# ---- gradient clipping: does it let the cycle go higher?
CLIP_PEAKS = (0.4, 1.0, 3.0, 6.0, 12.0)  # from the best peak of `later`'s sweep of the cycle to 30 times it
CLIPPED, UNCLIPPED = "clipped", "unclipped"
HIGHEST = CLIP_PEAKS[-1]


def clip_label(arm, lr):
    return f"{arm}, peak {lr:g}"


def clipping_jobs(profile=None):
    """{"<arm>, peak <LR>": [job per seed]}: the book's cycle at every peak of `CLIP_PEAKS`, its
    gradients clipped to fastai's default norm (`helpers.clipping`) or not."""
    p = get_profile(profile).name
    jobs = {}
    for lr in CLIP_PEAKS:
        configs = with_seeds(book_cycle(p, lr=lr))
        jobs[clip_label(UNCLIPPED, lr)] = [run_job(c) for c in configs]
        jobs[clip_label(CLIPPED, lr)] = [clipped_job(c) for c in configs]
    return jobs


def clipping_arms(*labels):
    """A claim's arms: the `clipping_jobs` named by `labels`."""
    def arms(profile=None):
        jobs = clipping_jobs(profile)
        return {label: jobs[label] for label in labels}
    return arms


def clipped_share(results):
    """The mean share (%) of iterations whose gradient norm was clipped."""
    return 100 * float(np.mean([r["clipping"]["clipped"] for r in results]))


def clipping_lines(results):
    """{arm: {peak LR: mean accuracy with its 95% interval}}, for the figure."""
    return {arm: {lr: one_sample(acc(results[clip_label(arm, lr)])) for lr in CLIP_PEAKS}
            for arm in (UNCLIPPED, CLIPPED)}


def clipping_table(results):
    """Per peak LR: both arms' accuracy, clipped minus unclipped with its 95% interval and the
    verdict of "clipped beats unclipped", the share of iterations clipped, and the runs whose
    loss ended diverged."""
    rows = {}
    for lr in CLIP_PEAKS:
        u, c = results[clip_label(UNCLIPPED, lr)], results[clip_label(CLIPPED, lr)]
        gain = compare(acc(c), acc(u), bound("beats"))
        rows[f"{lr:g}"] = {"unclipped (%)": fmt(acc(u)), "clipped (%)": fmt(acc(c)),
                           "clipped minus unclipped": gain.difference, "ci_low": gain.ci_low,
                           "ci_high": gain.ci_high, "verdict (beats)": gain.verdict,
                           "iterations clipped (%)": clipped_share(c),
                           "diverged (unclipped, clipped)": f"{diverged_runs(u)}, {diverged_runs(c)}"}
    return pd.DataFrame(rows).T.rename_axis("peak LR")


def clipping_readings(results):
    """What the chapter says about clipping: the norm, the peaks, the share of iterations
    clipped at the lowest and highest peak, and the best peak of each arm."""
    first, last = CLIP_PEAKS[0], CLIP_PEAKS[-1]
    best = {arm: max(CLIP_PEAKS, key=lambda lr: acc(results[clip_label(arm, lr)]).mean())
            for arm in (UNCLIPPED, CLIPPED)}
    clipped = results[clip_label(CLIPPED, first)][0]
    return {"clip_norm": clipped["clipping"]["max_norm"], "clip_low": first, "clip_high": last,
            "clip_ratio": last / first, "clip_share_low": clipped_share(results[clip_label(CLIPPED, first)]),
            "clip_share_high": clipped_share(results[clip_label(CLIPPED, last)]),
            "clip_best_unclipped": best[UNCLIPPED], "clip_best_clipped": best[CLIPPED],
            "clip_median_norm": float(np.median(clipped["clipping"]["norms"]))}


# not in the claims table: whether clipping rescues the cycle where it collapses without
CLIP_RESCUES = Claim(
    "super_convergence", FORUM, "Gradient clipping trains the cycle at a peak where it fails without",
    "RNNs trained at huge learning rates; no number",
    f"accuracy at peak {HIGHEST:g}, clipped minus unclipped", "beats",
    arms=clipping_arms(clip_label(CLIPPED, HIGHEST), clip_label(UNCLIPPED, HIGHEST)),
    measure=difference(clip_label(CLIPPED, HIGHEST), clip_label(UNCLIPPED, HIGHEST)),
    says={"held": "the whole interval lies above zero: at this peak clipping makes the difference between "
                  "a run that trains and one that does not",
          "contradicted": "the whole interval lies at or below zero: clipping does not help at this peak",
          "inconclusive": "the interval includes zero: at this number of seeds clipping cannot be told "
                          "apart from no clipping at this peak"},
    section="Gradient clipping: a higher peak?")

CLIP_AS_GOOD = Claim(
    "super_convergence", FORUM, "Gradient clipping lets the cycle use a far larger peak learning rate",
    "RNNs trained at huge learning rates; no number",
    f"accuracy, clipped cycle to {HIGHEST:g} minus unclipped cycle to {CLIP_PEAKS[0]:g}, its best peak",
    "as good", arms=clipping_arms(clip_label(CLIPPED, HIGHEST), clip_label(UNCLIPPED, CLIP_PEAKS[0])),
    measure=difference(clip_label(CLIPPED, HIGHEST), clip_label(UNCLIPPED, CLIP_PEAKS[0])),
    says={"held": "the whole interval lies above the margin: clipped, the cycle to a far larger peak is as "
                  "good as the unclipped cycle at its best",
          "contradicted": "the whole interval lies below the margin: even clipped, the cycle to a far larger "
                          "peak trails the unclipped cycle at its best by more than the margin",
          "inconclusive": "the interval straddles the margin: the clipped cycle to a far larger peak may or "
                          "may not be as good as the unclipped cycle at its best"},
    sums_up={"held": "held: clipped, a cycle to 30 times the best peak is as good as the unclipped cycle at it",
             "contradicted": "was contradicted: clipped, a cycle to 30 times the best peak trails the unclipped "
                             "cycle at it by more than the margin",
             "inconclusive": "stays open: clipped, a cycle to 30 times the best peak may or may not be as good "
                             "as the unclipped cycle at it"},
    section="Gradient clipping: a higher peak?")

CLAIMS = [LARGE_LRS, SHORT_CYCLE, CLIP_AS_GOOD]


# ---- the three stages: where the weights go during one cycle and during a step schedule
STAGES = {"descent": (0.0, 0.1), "flat stretch": (0.1, 0.75), "valley": (0.75, 1.0)}  # fractions of a run


def stage_arms(profile=None):
    """{label: [trajectory job per seed]} (`helpers.trajectory`): the book's cycle and the step
    schedule from He et al.'s LR, both over the profile's budget."""
    p = get_profile(profile)
    return {cycle_label(p.epochs): [trajectory_job(c) for c in with_seeds(book_cycle(p.name))],
            step_label(HE_LR, p.epochs): [trajectory_job(c) for c in
                                          with_seeds(step_config(p.name, lr=HE_LR, epochs=p.epochs))]}


def stretch(values, stage):
    """The part of a per-iteration record that lies in `stage` (a key of `STAGES`)."""
    start, stop = STAGES[stage]
    return values[int(start * len(values)):int(stop * len(values))]


def loss_drop(result, stage):
    """How much the smoothed training loss falls over `stage` of the run (from the last iteration
    before it, so that the stages' drops add up to the whole run's)."""
    loss = smooth(result["history"]["iteration"]["loss"], 0.9)
    start, stop = (int(f * len(loss)) for f in STAGES[stage])
    return float(loss[max(start - 1, 0)] - loss[stop - 1])


def path_length(result, stage):
    """How far the weights move over `stage`: the sum of the lengths of its steps."""
    return float(np.sum(stretch(result["trajectory"]["step"], stage)))


def stages_table(results):
    """Per arm and stage, means over seeds: the share of the iterations, the smoothed training
    loss's drop, the path the weights travel, and the mean gradient norm."""
    rows = []
    for label, rs in results.items():
        for stage, (start, stop) in STAGES.items():
            rows.append({"run": label, "stage": stage, "iterations (%)": 100 * (stop - start),
                         "loss drop": np.mean([loss_drop(r, stage) for r in rs]),
                         "path travelled": np.mean([path_length(r, stage) for r in rs]),
                         "mean gradient norm": np.mean([np.mean(stretch(r["trajectory"]["grad_norm"], stage))
                                                        for r in rs])})
    return pd.DataFrame(rows).set_index(["run", "stage"])


def stage_readings(results):
    """Per arm (k: "cycle" or "step"), means over seeds: each stage's share (%) of the run's loss
    drop and of its path, and the distance from the start at the end of the run."""
    out = {}
    for key, rs in (("cycle", arm(results, "1cycle")), ("step", arm(results, "step"))):
        total_drop = np.mean([loss_drop(r, s) for r in rs for s in STAGES]) * len(STAGES)
        total_path = np.mean([sum(r["trajectory"]["step"]) for r in rs])
        for stage in STAGES:
            name = stage.split()[0]
            out[f"{key}_{name}_drop"] = 100 * np.mean([loss_drop(r, stage) for r in rs]) / total_drop
            out[f"{key}_{name}_path"] = 100 * np.mean([path_length(r, stage) for r in rs]) / total_path
        out[f"{key}_distance"] = float(np.mean([r["trajectory"]["distance"][-1] for r in rs]))
        out[f"{key}_path"] = float(total_path)
    return out


def flat_stretch(results, margin):
    cycle, step = arm(results, "1cycle"), arm(results, "step")
    c, s = (np.array([path_length(r, "flat stretch") for r in rs]) for rs in (cycle, step))
    return (f"path over the flat stretch: cycle {c.mean():.1f}, step schedule {s.mean():.1f}",
            compare(c, s, margin), {})


# not in the claims table: Smith and Topin's picture of why a large learning rate helps
CROSSES_FLAT = Claim(
    "super_convergence", PAPER, "Over the long flat stretch, the cycle's large learning rate moves the weights "
    "farther than a step schedule does", "a picture (Goodfellow et al.'s loss surface), no number",
    "path travelled by the weights over the flat stretch, cycle minus step schedule", "beats",
    arms=stage_arms, measure=flat_stretch, unit="", digits=1, section="Three stages",
    says={"held": "the whole interval lies above zero: the cycle's weights travel farther across the flat "
                  "stretch than the step schedule's",
          "contradicted": "the whole interval lies at or below zero: the step schedule's weights travel at "
                          "least as far across the flat stretch",
          "inconclusive": "the interval includes zero: at this number of seeds the two paths cannot be told "
                          "apart"})

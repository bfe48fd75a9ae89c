"""The fine-tuning chapter (later practice: the fastai course, a fastbook study note and the
fastai forum, not Smith's papers). A body pretrained in the book on one half of the dataset's
classes (`helpers.finetune`) is fine-tuned on the other half from a few images per class: from
scratch, unfrozen from the start, the head first then everything, with one LR or discriminative
ones, in one cycle or two. Every arm is swept over `LRS` and read at its best LR, all at the same
budget of epochs."""
from dataclasses import replace

import numpy as np

from ..analysis import acc, compare, highest_mean, one_sample, summary_table
from ..claim import Claim, difference
from ..config import with_seeds
from ..data import dataset_info
from ..finetune import finetune_finder_job, finetune_job, pretrain_job
from ..paper import FASTBOOK, FORUM
from ..profiles import get_profile
from ..runs import run_job, run_job_grid
from ..suggestions import suggestion
from . import range_test
from .range_test import book_cycle

PER_CLASS = 100  # fine-tuning images per class (about: a fixed random subset of the half's images)
BATCH = 32  # the fine-tuning batch size: a few hundred images make few batches of the profile's
LRS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # every arm's sweep of peak LRs (the head's, when they differ)
FINDER = dict(start_lr=1e-6, end_lr=10)

SCRATCH = "from scratch"
UNFROZEN = "pretrained, unfrozen from the start"
HEAD_FIRST = "pretrained, the head first"
DISCRIMINATIVE = {10: "the head first, body LR / 10", 100: "the head first, body LR / 100"}
TWO_CYCLES = "pretrained, unfrozen, two cycles"


def halves(profile=None):
    """The two class splits of the profile's dataset: pretraining's and fine-tuning's."""
    name = get_profile(profile).dataset
    return f"{name}_0-4", f"{name}_5-9"


def pretrain_config(profile=None):
    """The book's cycle on the first half of the classes, the profile's number of images."""
    p = get_profile(profile)
    return book_cycle(p.name, name="pretrain", dataset=halves(p.name)[0])


def budget(profile=None):
    """Fine-tuning epochs, every arm the same: twice the profile's."""
    return 2 * get_profile(profile).epochs


def head_epochs(profile=None):
    """Of the budget, the epochs that train the head alone in the arms that start with it."""
    return max(1, budget(profile) // 4)


def finetune_config(profile=None, lr=0.01, epochs=None):
    """The book's cycle on `PER_CLASS` images per class of the second half, at batch `BATCH`."""
    p = get_profile(profile)
    half = halves(p.name)[1]
    return book_cycle(p.name, name="finetune", dataset=half, n_train=PER_CLASS * len(dataset_info(half).classes),
                      batch_size=BATCH, epochs=epochs or budget(p.name), lr=lr)


def body_for(config):
    """The pretraining config whose body `config` fine-tunes: its own seed's."""
    return replace(pretrain_config(config.profile), seed=config.seed)


def arm_jobs(arm, lr, profile=None):
    """[job per seed] of `arm` at peak LR `lr`; each seed fine-tunes the body of its own
    pretraining seed."""
    p = get_profile(profile).name
    head = head_epochs(p)
    config = finetune_config(p, lr, budget(p) - head if arm == HEAD_FIRST or arm in DISCRIMINATIVE.values()
                             else None)
    mult = {label: m for m, label in DISCRIMINATIVE.items()}
    jobs = []
    for c in with_seeds(config):
        body = body_for(c)
        if arm == SCRATCH:
            jobs.append(run_job(c))
        elif arm == UNFROZEN:
            jobs.append(finetune_job(c, body))
        elif arm == HEAD_FIRST:
            jobs.append(finetune_job(c, body, freeze_epochs=head))
        elif arm in mult:
            jobs.append(finetune_job(c, body, freeze_epochs=head, lr_mult=mult[arm]))
        elif arm == TWO_CYCLES:
            jobs.append(finetune_job(c, body, cycles=2))
        else:
            raise ValueError(f"arm must be one of {ARMS}, got {arm!r}")
    return jobs


ARMS = (SCRATCH, UNFROZEN, HEAD_FIRST, *DISCRIMINATIVE.values(), TWO_CYCLES)


def pretrain_jobs(profile=None):
    return [pretrain_job(c) for c in with_seeds(pretrain_config(profile))]


def sweep_jobs(profile=None):
    """{(arm, lr): [job per seed]}: every arm at every LR of `LRS`."""
    return {(arm, lr): arm_jobs(arm, lr, profile) for arm in ARMS for lr in LRS}


def best_lrs(sweep):
    """{arm: the LR of `LRS` with the highest mean accuracy} of {(arm, lr): [result per seed]}."""
    return {arm: highest_mean({lr: sweep[(arm, lr)] for lr in LRS}) for arm in ARMS}


def at_best(profile=None):
    """{arm: [job per seed]}: every arm at its best LR of the sweep (read from the cache)."""
    lrs = best_lrs(run_job_grid(sweep_jobs(profile)))
    return {arm: arm_jobs(arm, lr, profile) for arm, lr in lrs.items()}


def finder_jobs(profile=None):
    """{label: [range-test job per seed]} from the pretrained body: the body frozen with a new
    head, and unfrozen after the head-first arm's frozen epochs (at that arm's best LR)."""
    p = get_profile(profile).name
    lr = best_lrs(run_job_grid(sweep_jobs(p)))[HEAD_FIRST]
    configs = with_seeds(finetune_config(p, lr))
    return {"frozen, new head": [finetune_finder_job(c, body_for(c), **FINDER) for c in configs],
            "unfrozen, after the head's epochs": [
                finetune_finder_job(c, body_for(c), freeze_epochs=head_epochs(p), unfreeze=True, **FINDER)
                for c in configs]}


def sweep_lines(sweep):
    """{arm: {LR: mean accuracy with its 95% interval}} of the sweep, for the figure."""
    return {arm: {lr: one_sample(acc(sweep[(arm, lr)])) for lr in LRS} for arm in ARMS}


def best_table(sweep):
    """Per arm at its best LR: that LR and the accuracy's summary (`summary_table`)."""
    lrs = best_lrs(sweep)
    table = summary_table({arm: sweep[(arm, lr)] for arm, lr in lrs.items()})
    table.insert(0, "best LR", [lrs[arm] for arm in table.index])
    return table.rename_axis("arm")


def readings(pretrained, sweep, finders):
    """What the chapter reads off its runs (the glue keys' `ft_` left off)."""
    lrs = best_lrs(sweep)
    at_best_lr = {arm: sweep[(arm, lr)] for arm, lr in lrs.items()}
    first = at_best_lr[HEAD_FIRST][0]
    config = first["config"]
    frozen_lr, unfrozen_lr = (float(np.median([suggestion(f, range_test.RULE) for f in fs])) for fs in finders.values())
    tenth = compare(acc(at_best_lr[DISCRIMINATIVE[10]]), acc(at_best_lr[HEAD_FIRST]))
    return {"pretrain_acc": float(acc(pretrained).mean()), "pretrain_images": f"{pretrained[0]['config']['n_train']:,}",
            "pretrain_classes": ", ".join(dataset_info(pretrained[0]["config"]["dataset"]).classes),
            "classes": ", ".join(dataset_info(config["dataset"]).classes), "images": config["n_train"],
            "per_class": PER_CLASS, "batch": config["batch_size"], "budget": budget(config["profile"]),
            "head_epochs": first["spec"]["freeze_epochs"], "lrs": ", ".join(f"{lr:g}" for lr in LRS),
            "seeds": len(pretrained), "frozen_lr": frozen_lr, "unfrozen_lr": unfrozen_lr, "finder_lr": lrs[HEAD_FIRST],
            "tenth_diff": tenth.text("points", 2), "tenth_verdict": tenth.verdict,
            "tenth_lr": lrs[DISCRIMINATIVE[10]], "hundredth_lr": lrs[DISCRIMINATIVE[100]]}


def claim(statement, paper, theirs, a, b):
    """The claim that arm `a` beats arm `b`, each at its best LR."""
    return Claim("fine_tuning", paper, statement, theirs, f"accuracy, {a} minus {b}, each at its best LR (points)",
                 "beats", arms=lambda p: {arm: jobs for arm, jobs in at_best(p).items() if arm in (a, b)},
                 measure=difference(a, b), digits=2, section="Every arm at every learning rate")


PRETRAINED = claim("A pretrained body beats training from scratch on a few images", FASTBOOK,
                   "transfer learning: keep the body, replace the head (no number)", UNFROZEN, SCRATCH)
HEAD_FIRST_BEATS = claim("Training the head first, then everything, beats unfreezing from the start", FASTBOOK,
                         "freeze, fit the head, unfreeze, fit again (no number)", HEAD_FIRST, UNFROZEN)
DISCRIMINATIVE_BEATS = claim("Discriminative LRs (the body's 100 times smaller) beat one LR for all layers",
                             FASTBOOK, "a lower LR for the body than for the head (no number)",
                             DISCRIMINATIVE[100], HEAD_FIRST)
ONE_CYCLE_BEATS = claim("One long cycle beats two short ones in a row", FORUM,
                        "one longer cycle always gives better results (no number)", UNFROZEN, TWO_CYCLES)

CLAIMS = [PRETRAINED, HEAD_FIRST_BEATS, DISCRIMINATIVE_BEATS, ONE_CYCLE_BEATS]

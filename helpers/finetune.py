"""Fine-tuning a body pretrained in the book: no pretrained weights can be downloaded here, so a
network trained on one half of a dataset's classes (`helpers.data.class_split`) lends its body
(stem and residual blocks) to a network trained on the other half.

`pretrain_job` trains and keeps the body's weights in its cached result (a few hundred kB of
base64, with the provenance of any result), so `make plan`, `make reproduce` and the cache treat
it like any other result; `finetune_job` loads them and trains with fastai's `freeze`,
`unfreeze` and a `slice` of learning rates over two parameter groups, body and head.
"""
import base64
import io
from dataclasses import asdict

import torch
from fastai.torch_core import params

from .config import Config
from .engine import cycle_kwargs, train
from .grid import run_jobs
from .runs import Job, finder_job, finder_result


def encode(state):
    """A state_dict as base64 text (for a JSON result)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode(text):
    """The state_dict that `encode` wrote."""
    return torch.load(io.BytesIO(base64.b64decode(text)), map_location="cpu", weights_only=True)


def body_state(model):
    """The model's weights without its head, on the CPU."""
    return {k: v.detach().cpu() for k, v in model.state_dict().items() if not k.startswith("head.")}


def pretrained_result(config, keep="body"):
    """A training result that keeps, under `keep`, the weights of the body of the network."""
    result, learn = train(config)
    result[keep] = encode(body_state(learn.model))
    return result


def pretrain_job(config):
    """The job of training `config` (on one class split, say) and keeping its body's weights."""
    return Job(config, pretrained_result, {"keep": "body"}, "-pretrained")


def body_of(result):
    """The body's weights kept by a `pretrain_job`."""
    return decode(result["body"])


def splitter(model):
    """Body and head as two parameter groups: what fastai's `freeze` and a `slice` of learning
    rates act on."""
    return [params(model.stem) + params(model.blocks), params(model.head)]


def check_finetune(freeze_epochs, lr_mult, cycles, epochs):
    for arg, value, ok, allowed in (
            ("freeze_epochs", freeze_epochs, isinstance(freeze_epochs, int) and freeze_epochs >= 0, "an integer >= 0"),
            ("lr_mult", lr_mult, isinstance(lr_mult, (int, float)) and lr_mult >= 1, "a number >= 1"),
            ("cycles", cycles, isinstance(cycles, int) and cycles >= 1 and epochs % cycles == 0,
             f"a whole divisor of the config's epochs ({epochs})")):
        if not ok:
            raise ValueError(f"{arg} must be {allowed}, got {value!r}")


def fit_finetune(learn, c, freeze_epochs=0, lr_mult=1.0, cycles=1):
    """Fine-tune as fastai's `Learner.fine_tune` does, without its halving of the LR: the head
    alone (the body frozen, its BatchNorm layers still training) for one cycle of `freeze_epochs`
    at `c.lr`, then everything for `c.epochs` in `cycles` equal 1cycles whose peak is `c.lr` for
    the head and `c.lr / lr_mult` for the body."""
    if freeze_epochs:
        learn.freeze()
        learn.fit_one_cycle(freeze_epochs, c.lr, **cycle_kwargs(c))
        learn.unfreeze()
    for _ in range(cycles):
        learn.fit_one_cycle(c.epochs // cycles, slice(c.lr / lr_mult, c.lr), **cycle_kwargs(c))


def load_body(body):
    """A learner's `setup` that gives it the body (weights) of the pretraining config `body` (a
    dict, as a job's options hold it) and the two parameter groups of `splitter`."""
    pretrained = run_jobs([pretrain_job(Config(**{**body, "steps": tuple(body["steps"])}))])[0]
    state = body_of(pretrained)

    def setup(learn):
        missing, unexpected = learn.model.load_state_dict(state, strict=False)
        if unexpected or any(not k.startswith("head.") for k in missing):
            raise ValueError(f"the pretrained body does not fit the model (missing {missing}, unexpected {unexpected})")
        learn.splitter = splitter
    return setup


def finetune_result(config, body, freeze_epochs, lr_mult, cycles):
    result, _ = train(config, setup=load_body(body),
                      fit_with=lambda learn, c: fit_finetune(learn, c, freeze_epochs, lr_mult, cycles))
    return result


def finetune_finder_result(config, finder, body, freeze_epochs, unfreeze):
    """A range test from the pretrained body: the body frozen, after `freeze_epochs` of training
    the head alone (one cycle at `config.lr`), and unfrozen for the test if `unfreeze`."""
    load = load_body(body)

    def setup(learn):
        load(learn)
        learn.freeze()
        if freeze_epochs:
            learn.fit_one_cycle(freeze_epochs, config.lr, **cycle_kwargs(config))
        if unfreeze:
            learn.unfreeze()
    return finder_result(config, finder, setup)


def finetune_finder_job(config, body, freeze_epochs=0, unfreeze=False, **finder):
    """The job of a range test (`helpers.runs.finder_job`'s `finder` settings) on `config`'s data
    from the body of the pretraining config `body` (see `finetune_finder_result`)."""
    check_finetune(freeze_epochs, 1, 1, config.epochs)
    job = finder_job(config, **finder)
    options = {**job.options, "body": asdict(body), "freeze_epochs": freeze_epochs, "unfreeze": bool(unfreeze)}
    return Job(config, finetune_finder_result, options, "-finetune-finder")


def finetune_job(config, body, freeze_epochs=0, lr_mult=1.0, cycles=1):
    """The job of fine-tuning `config` (its data, epochs, peak LR) from the body of the
    pretraining config `body` (see `fit_finetune` for the rest)."""
    check_finetune(freeze_epochs, lr_mult, cycles, config.epochs)
    if config.schedule != "one_cycle":
        raise ValueError(f"schedule must be 'one_cycle' for fine-tuning, got {config.schedule!r}")
    options = {"body": asdict(body), "freeze_epochs": freeze_epochs, "lr_mult": float(lr_mult), "cycles": cycles}
    return Job(config, finetune_result, options, "-finetuned")


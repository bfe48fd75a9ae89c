"""The book's computations as cached jobs: training runs and LR range tests.

A `Job` is one computation: a function of a `Config` and options, saved as
`book/results/<profile>/<config.name><suffix>-<key>.json.gz` (see `helpers.cache`). `run` and
`range_test` compute one; `run_many` and `range_tests` (in `helpers.grid`) compute a list of them
in parallel.
"""
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from .callbacks import RangeTest, find_lr
from .config import Config, require_complete, with_seeds
from .engine import ENGINE_VERSION, build_learner, quiet, train
from .grid import run_jobs
from .profiles import get_profile
from .provenance import provenance


@dataclass(frozen=True)
class Job:
    """`compute(config, **options)`, a module-level function (so that a worker can import it)
    returning a JSON-able dict, cached under `config.name + suffix`."""
    config: Config
    compute: Callable
    options: dict = field(default_factory=dict)
    suffix: str = ""

    def __post_init__(self):
        require_complete(self.config)

    @property
    def profile(self):
        return self.config.profile

    @property
    def name(self):
        return self.config.name + self.suffix

    @property
    def spec(self):
        """What the result depends on: its key in the cache, and stored in the result."""
        return json.loads(json.dumps({"config": asdict(self.config), **self.options, "engine": ENGINE_VERSION}))

    def __call__(self):
        return self.compute(self.config, **self.options)


def training_result(config):
    return train(config)[0]


def finder_result(config, finder, setup=None):
    """A range test's result; `setup(learn)` runs first (see `helpers.finetune`)."""
    learn = build_learner(config)
    start = time.time()
    with quiet(learn):
        if setup is not None:
            setup(learn)
        cb = find_lr(learn, **finder)
    return {
        "config": asdict(config), "finder": finder,
        "lr": [float(x) for x in learn.recorder.lrs],
        "train_loss_smooth": [float(x) for x in learn.recorder.losses],
        "train_loss": cb.train_losses,
        "valid_loss": cb.valid_losses, "valid_metrics": cb.valid_metrics,
        "provenance": provenance(config.profile, learn.dls.device, time.time() - start),
    }


def run_job(config):
    """The job of training `config` with its schedule."""
    return Job(config, training_result)


def finder_job(config, start_lr=1e-5, end_lr=10.0, num_it=None, scale="exp", stop_div=True, bn_stats="batch"):
    """The job of an LR range test on the model and data of `config` (its schedule is ignored);
    `num_it` defaults to the profile's `finder_iters`. See `helpers.callbacks.RangeTest`."""
    num_it = num_it or get_profile(config.profile).finder_iters
    RangeTest(start_lr, end_lr, num_it, scale, stop_div, bn_stats)  # check the arguments now
    finder = dict(start_lr=start_lr, end_lr=end_lr, num_it=num_it, scale=scale, stop_div=stop_div,
                  bn_stats=bn_stats)
    return Job(config, finder_result, {"finder": finder}, "-finder")


def run(config):
    """The result of training `config`: from `book/results/<profile>/` when cached."""
    return run_jobs([run_job(config)])[0]


def range_test(config, **finder):
    """An LR range test of `config` (see `finder_job`), cached like `run`. Returns per-iteration
    lr, raw and smoothed training loss, validation loss and metrics."""
    return run_jobs([finder_job(config, **finder)])[0]


def run_many(configs):
    """The results of training every config, in order (in parallel: see `helpers.grid`)."""
    return run_jobs([run_job(c) for c in configs])


def range_tests(configs, **finder):
    """`range_test` of every config with the same finder settings, in order, in parallel."""
    return run_jobs([finder_job(c, **finder) for c in configs])


def seeded_finder_jobs(settings, **finder):
    """{name: [range-test job per seed]} for {name: config}, the same finder settings for all
    (`run_job_grid` runs them in one grid)."""
    return {name: [finder_job(c, **finder) for c in with_seeds(config)] for name, config in settings.items()}


def run_job_grid(grid):
    """{name: [result, ...]} for {name: [Job, ...]}: every job in one parallel grid."""
    flat = iter(run_jobs([job for jobs in grid.values() for job in jobs]))
    return {name: [next(flat) for _ in jobs] for name, jobs in grid.items()}


def run_grid(grid):
    """{name: [result, ...]} for {name: [config, ...]}: every config trained in one parallel grid."""
    return run_job_grid({name: [run_job(c) for c in cs] for name, cs in grid.items()})


def run_seeds(settings, seeds=None):
    """{name: [result per seed]} for a dict of named configs, every (setting, seed) in one grid."""
    return run_grid({name: with_seeds(c, seeds) for name, c in settings.items()})

"""The LR range test chapter: one range test per seed of the book's ResNet, and the peak LR that
later chapters read off it."""
import numpy as np

from ..config import make_config, with_seeds
from ..profiles import get_profile
from ..runs import range_tests
from ..suggestions import suggestions

FINDER = dict(start_lr=1e-5, end_lr=10)


def finders(profile=None):
    """The range tests, one per seed of the profile."""
    return range_tests(with_seeds(make_config(get_profile(profile).name, name="lr")), **FINDER)


def peak_lr(profile=None):
    """fastai's "minimum/10" suggestion, median over the seeds: the book's peak LR from the test."""
    return float(np.median([suggestions(f)["minimum/10"] for f in finders(profile)]))

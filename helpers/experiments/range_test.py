"""The LR range test chapter: one range test per seed of the book's ResNet, and the peak LR that
later chapters read off it."""
import numpy as np

from ..analysis import smooth
from ..config import make_config, with_seeds
from ..profiles import get_profile
from ..runs import range_tests
from ..suggestions import suggestions

FINDER = dict(start_lr=1e-5, end_lr=10)


def finders(profile=None):
    """The range tests, one per seed of the profile."""
    return range_tests(with_seeds(make_config(get_profile(profile).name, name="lr")), **FINDER)


def suggested(method, profile=None):
    """fastai's suggestion `method` (`helpers.suggestions`), median over the seeds' tests."""
    return float(np.median([suggestions(f)[method] for f in finders(profile)]))


def peak_lr(profile=None):
    """The book's peak LR from the test: a tenth of the loss minimum (fastai's "minimum/10")."""
    return suggested("minimum/10", profile)


def accuracy_peak_lr(profile=None):
    """Where the smoothed validation accuracy of the tests peaks, median over the seeds."""
    return float(np.median([f["lr"][int(np.argmax(smooth(f["valid_metrics"]["accuracy"])))]
                            for f in finders(profile)]))

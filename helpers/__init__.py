"""Helpers for the book: data, models, callbacks, configurations, the training engine, cached
runs and their parallel grids, analysis, claims, plotting."""
import warnings

# fastai's import of torch.jit.script warns on every import under torch 2.14; it is not ours to
# fix. (Before anything below imports fastai.)
warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=FutureWarning)

import torch  # noqa: E402

from .settings import threads_per_run  # noqa: E402

# Every computation in a process that uses the helpers runs with BOOK_THREADS intra-op threads
# (default 1), as each run of a grid does: oneDNN keeps the kernels it chose for the thread count
# of their first use, so a run after work at another thread count would differ in the last bits.
torch.set_num_threads(threads_per_run())

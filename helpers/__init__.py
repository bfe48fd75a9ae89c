"""Helpers for the book: data, models, callbacks, configurations, the training engine, cached
runs and their parallel grids, analysis, claims, plotting."""
import warnings

# fastai's import of torch.jit.script warns on every import under torch 2.14; it is not ours to fix.
warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=FutureWarning)

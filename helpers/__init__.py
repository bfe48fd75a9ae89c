"""Helpers for the book: data, models, callbacks, experiments, plotting."""
import warnings

# fastai's import of torch.jit.script warns on every import under torch 2.14; it is not ours to fix.
warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=FutureWarning)

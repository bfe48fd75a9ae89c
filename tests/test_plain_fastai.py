"""Every chapter's "same in plain fastai" cell: there, free of the book's plumbing, and, for the
1cycle and the cyclical cells, driving the same learning rate and momentum at every iteration
as the book's own runs (`helpers.engine.train`) with the same settings."""
import ast
import json
from pathlib import Path

import matplotlib
import pytest

from helpers.config import cycle_config, make_config
from helpers.engine import train

matplotlib.use("Agg")
BOOK = Path(__file__).resolve().parent.parent / "book"
TAG = "plain-fastai"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
# what a reader swaps for their own: the only names the cells take from `helpers`
ALLOWED = {("helpers.data", "get_dls"), ("helpers.models", "resnet")}
# the cells' data: 2,048 training images in batches of 128, without the last partial batch
CELL_SIZES = dict(dataset="fashion_mnist", n_train=2048, n_valid=512, batch_size=128)


def plain_cells(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if TAG in c["metadata"].get("tags", [])]


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_one_plain_fastai_cell(notebook):
    assert len(plain_cells(notebook)) == 1


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_the_cell_takes_only_the_data_and_the_model_from_helpers(notebook):
    (source,) = plain_cells(notebook)
    taken = {(node.module, alias.name) for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.ImportFrom) and node.module.startswith("helpers")
             for alias in node.names}
    taken |= {(alias.name, "") for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import)
              for alias in node.names if alias.name.startswith("helpers")}
    assert taken <= ALLOWED, f"{notebook.stem} imports {sorted(taken - ALLOWED)} from helpers"


def run_cell(chapter):
    """The names the chapter's plain-fastai cell leaves behind, after running it here."""
    (source,) = plain_cells(BOOK / f"{chapter}.ipynb")
    names = {"__name__": "plain_fastai"}
    exec(compile(source, f"{chapter}:plain-fastai", "exec"), names)
    return names


def the_books_run(config):
    """Per iteration (lr, momentum) of the book's run of `config`."""
    iterations = train(config)[0]["history"]["iteration"]
    return iterations["lr"], iterations["mom"]


def test_the_1cycle_cell_drives_the_books_cycle():
    cell = run_cell("engine")
    config = cycle_config("smoke", **CELL_SIZES, epochs=cell["epochs"], lr=cell["lr_max"])
    assert (config.mom, config.mom_min, config.mom, config.wd) == (*cell["moms"], cell["wd"])
    lrs, moms = the_books_run(config)
    hps = cell["learn"].recorder.hps
    assert len(hps["lr"]) == len(lrs) == config.epochs * 2048 // 128
    assert hps["lr"] == pytest.approx(lrs, rel=1e-6)
    assert hps["mom"] == pytest.approx(moms, rel=1e-6)


def test_the_clr_cell_drives_the_books_triangular_schedule():
    cell = run_cell("clr")
    epochs, cycles = cell["epochs"], cell["cycles"]
    config = make_config("smoke", **CELL_SIZES, schedule="triangular", epochs=epochs, lr=cell["max_lr"],
                         base_lr=cell["base_lr"], step_epochs=epochs / (2 * cycles), mom=0.9)
    lrs, moms = the_books_run(config)
    learn = cell["learn"]
    assert len(learn.recorder.hps["lr"]) == len(lrs) == epochs * 2048 // 128
    assert learn.recorder.hps["lr"] == pytest.approx(lrs, rel=1e-6)
    assert max(lrs) == pytest.approx(config.lr) and min(lrs) == pytest.approx(config.base_lr)
    # the momentum is not scheduled: the optimizer's, constant, in both
    assert set(moms) == {learn.opt.hypers[-1]["mom"]} == {config.mom}

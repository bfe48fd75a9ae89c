"""`python -m helpers.reproduce [chapter ...]`: execute the book's chapters in order, in place.

Used by `make reproduce` (cpu profile), after `helpers.plan --compute` has computed the missing
results: a progress bar per chapter shows which cell is running; each notebook is saved with its
new outputs when it finishes.
"""
import argparse
import time

import nbformat
import yaml
from fastprogress.fastprogress import progress_bar
from nbclient import NotebookClient

from .settings import ROOT



def toc_notebooks():
    """The chapters' notebooks in the order of `_toc.yml`."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", [toc]) for c in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def chapter_notebooks(names=()):
    """The chapters named (e.g. "clr"), or every chapter of `_toc.yml`, as notebook paths."""
    chapters = toc_notebooks()
    known = {p.stem: p for p in chapters}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"chapters must be among {sorted(known)}, got {unknown}")
    return [known[n] for n in names] if names else chapters


def execute(path, timeout=3600):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.time()
    with client.setup_kernel():
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        bar = progress_bar(code)
        bar.comment = path.name
        for i in bar:
            client.execute_cell(nb.cells[i], i)
    nbformat.write(nb, path)
    return time.time() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter in _toc.yml)")
    args = parser.parse_args(argv)
    total = 0.0
    for path in chapter_notebooks(args.chapters):
        seconds = execute(path)
        total += seconds
        print(f"{path.name}: {seconds / 60:.1f} min")
    print(f"total: {total / 60:.1f} min")


if __name__ == "__main__":
    main()

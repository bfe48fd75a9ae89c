"""The chapters' code as a reader sees it on the site: no line wider than the code box."""
import json
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
WIDTH = 78  # characters that fit in a code cell of the built site without scrolling


@pytest.mark.parametrize("notebook", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_no_code_line_scrolls_sideways(notebook):
    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    wide = [line for c in cells for line in "".join(c["source"]).splitlines() if len(line) > WIDTH]
    assert not wide, f"{len(wide)} code lines over {WIDTH} characters, e.g. {wide[0]!r}"


@pytest.mark.parametrize("notebook", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_cells_that_glue_values_are_kept_out_of_the_notebook_tests(notebook):
    """A glued value differs between the smoke profile nbval runs and the committed cpu outputs."""
    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    untagged = [c["id"] for c in cells
                if any(k.startswith("application/papermill.record") for o in c["outputs"] for k in o.get("data", {}))
                and "nbval-ignore-output" not in c["metadata"].get("tags", [])]
    assert not untagged, f"cells {untagged} glue values but lack the nbval-ignore-output tag"

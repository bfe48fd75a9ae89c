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

"""The rendered site in a real browser (headless Chromium, driven by Selenium).

Every page of `_build/html` is opened: each image must load, each internal link must point to a
page (and anchor) that exists, and no page may show a Python traceback. A screenshot of every
page is saved to `_build/screenshots/` for a reader to look through. Run after `make site`.
"""
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
PAGES = sorted(p for p in HTML.glob("**/*.html") if not {"_static", "_sources", "_images"} & set(p.parts))
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w*Error: ", re.M)
LOAD_TIMEOUT_S = 60  # a slow CI machine may still be parsing a long page when `get` returns


@pytest.fixture(scope="module")
def browser():
    for program in ("chromium", "chromedriver"):
        assert shutil.which(program), f"{program} not found: install Debian's chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--allow-file-access-from-files"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(shutil.which("chromedriver")))
    yield driver
    driver.quit()


def anchors(path):
    return set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))


def test_the_site_was_built():
    assert (HTML / "index.html").exists(), "no _build/html/index.html: build the site first (make site)"
    assert len(PAGES) >= 2


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(HTML)))
def test_page_in_browser(browser, page):
    browser.get(page.as_uri())
    WebDriverWait(browser, LOAD_TIMEOUT_S).until(
        lambda b: b.execute_script("return document.readyState === 'complete'"
                                   " && Array.from(document.images).every(i => i.complete)"),
        message=f"{page.name} did not finish loading in {LOAD_TIMEOUT_S} s")

    broken = browser.execute_script(
        "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.getAttribute('src'))")
    assert not broken, f"images that did not load: {broken}"

    dead = []
    for href in browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
        url = urlparse(href)
        if url.scheme != "file":
            continue
        target = Path(unquote(url.path))
        if not target.exists():
            dead.append(href)
        elif url.fragment and target.suffix == ".html" and unquote(url.fragment) not in anchors(target):
            dead.append(href)
    assert not dead, f"internal links to nothing: {sorted(set(dead))}"

    text = browser.execute_script("return document.body.innerText")
    shown = TRACEBACK.search(text)
    assert not shown, f"the page shows a Python error: {text[max(0, shown.start() - 200):shown.end() + 200]!r}"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(max(height, 800), 12000))
    name = str(page.relative_to(HTML)).replace("/", "_").removesuffix(".html")
    assert browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    browser.set_window_size(1280, 1000)

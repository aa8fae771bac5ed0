"""The KPI pack of the publication world's release, opened page by page in headless Chromium
(the distribution's package, scripts/ensure_chromium.sh): no console error, no request outside the
pack's folder, data marks in every chart, every domain reachable from the index; a screenshot of
each page is kept in tests/artifacts/pack/ (docs/testing.md)."""

import json
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "artifacts" / "pack"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOMAINS = (
    "Contact centre",
    "Contact-centre forecast",
    "Digital (e-forms)",
    "Workforce",
    "Spend and contracts",
    "Payments",
    "Budget",
    "Care reconciliation",
    "Benefits realisation",
    "Data quality",
    "Restatements",
    "Data dictionary",
)
# Per chart: how many data marks (paths and symbols inside Vega's role-mark groups) its SVG holds.
COUNT_MARKS = """() => Array.from(document.querySelectorAll('figure .chart svg')).map(
    svg => svg.querySelectorAll('g[class*="role-mark"] path, g[class*="role-mark"] line').length)"""


@pytest.mark.slow
def test_every_page_of_the_pack_opens_offline_in_chromium_with_data_in_every_chart(published):
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh (make test does)"
    home, _ = published
    release = (home / "published" / "current").resolve()
    pack = release / "pack"
    manifest = json.loads((release / "manifest.json").read_text())
    pages = sorted(p.name for p in pack.glob("*.html"))
    assert {f"pack/{name}" for name in pages} <= set(manifest["files"])  # verified like every file
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    problems: list[str] = []
    charts = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_offline(True)
        page = context.new_page()
        page.on(
            "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on(
            "request",
            lambda r: None if r.url.startswith(f"file://{pack}/") else problems.append(f"request: {r.url}"),
        )
        page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
        page.goto(f"file://{pack}/index.html")
        links = page.locator("main a").all_text_contents()
        assert list(DOMAINS) == links, links
        for name in pages:
            page.goto(f"file://{pack}/{name}")
            assert page.locator("h1").count() == 1
            marks = page.evaluate(COUNT_MARKS)
            assert all(count > 0 for count in marks), f"{name}: a chart without data marks: {marks}"
            figures = page.locator("figure")
            assert figures.count() == len(marks)
            for i in range(figures.count()):
                figure = figures.nth(i)
                assert len(figure.locator(".chart").get_attribute("aria-label") or "") > 20
                assert figure.locator("table").count() == 1
            charts += len(marks)
            page.screenshot(path=str(ARTIFACTS / name.replace(".html", ".png")), full_page=True)
        browser.close()
    assert not problems, problems
    assert charts >= 20 and len(pages) == len(DOMAINS) + 1

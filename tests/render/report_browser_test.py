"""Every kind of report.html opened in a real browser (headless chromium, DevTools protocol).

For the reports of coverage, sweep, demo, exposure and raid:
  * no console error, no uncaught exception, and no request besides the page itself and its
    inline data: URLs (the report must work offline);
  * the interactive map is built; switching the altitude band changes the overlay (pixel
    difference between screenshots of the map);
  * clicking a site (or an intercept point) opens its popup with its figures;
  * the page is usable in a 1280x800 window and a 400 px wide one (no sideways scrolling, the map
    visible, the control panel inside the window);
  * an overlay missing from a damaged report gets a visible message, not a blank map.
Screenshots are saved under the build folder (SKYCOVER_BROWSER_OUT).
"""
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest
from PIL import Image, ImageChops

from cdp import Browser, find_chromium

SOURCE = pathlib.Path(os.environ.get("SKYCOVER_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CLI = os.environ.get("SKYCOVER_CLI", str(SOURCE / "build/release/skycover"))
OUT = pathlib.Path(os.environ.get("SKYCOVER_BROWSER_OUT", pathlib.Path(CLI).parent / "browser-test"))

REPORTS = {
    "coverage": ["coverage", SOURCE / "examples/basic.toml"],
    "sweep": ["sweep", SOURCE / "examples/basic.toml", "--counts", "10,40"],
    "demo": ["demo"],
    "exposure": ["exposure", SOURCE / "examples/tracks.toml"],
    "raid": ["raid", SOURCE / "examples/tracks.toml", "--trials", "300"],
}


@pytest.fixture(scope="module")
def reports():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    (OUT / "screens").mkdir(parents=True)
    paths = {}
    for kind, args in REPORTS.items():
        out = OUT / kind
        run = subprocess.run([CLI, *map(str, args), "--out", str(out)], capture_output=True, text=True)
        assert run.returncode == 0, f"{kind}: {run.stderr}"
        paths[kind] = out / "report.html"
        assert paths[kind].exists(), kind
    return paths


@pytest.fixture(scope="module")
def browser():
    chromium = find_chromium()
    assert chromium, "chromium is not installed (scripts/setup-deps installs Debian's chromium)"
    with tempfile.TemporaryDirectory() as profile:
        b = Browser(chromium, profile)
        yield b
        b.close()


def open_report(browser, path, width=1280, height=800):
    browser.viewport(width, height)
    url = path.resolve().as_uri()
    browser.navigate(url)
    browser.wait_for("window.skycoverMaps && window.skycoverMaps.length > 0 && "
                     "document.querySelector('.skymap').dataset.shown !== undefined")
    return url


def assert_clean(browser, url):
    errors = browser.console_errors()
    assert not errors, "console errors:\n" + "\n".join(errors)
    foreign = [u for u in browser.requests() if u != url and not u.startswith("data:")]
    assert not foreign, f"the report made requests: {foreign}"


def map_clip(browser):
    browser.evaluate("document.querySelector('.skymap').scrollIntoView({block: 'start'})")
    browser.pump(0.3)
    # captureScreenshot's clip is in document coordinates.
    return browser.evaluate("(() => { const r = document.querySelector('.skymap').getBoundingClientRect();"
                            " return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; })()")


def changed_share(a, b):
    """Share of pixels that differ between two screenshots of the same area."""
    diff = ImageChops.difference(Image.open(a).convert("RGB"), Image.open(b).convert("RGB")).convert("L")
    hist = diff.histogram()
    return sum(hist[8:]) / max(1, sum(hist))


def select_band(browser, index):
    browser.evaluate(f"(() => {{ const s = document.querySelector('.skymap-band'); s.value = '{index}';"
                     " s.dispatchEvent(new Event('change')); })()")
    browser.wait_for(f"document.querySelector('.skymap').dataset.shown.split('/')[1] === '{index}'")
    browser.pump(0.3)


def click_point(browser, layer_name, popup_text):
    """Click the first point of `layer_name` that lies in the map and clear of its controls;
    return the popup's text."""
    found = browser.evaluate(f"""(() => {{
      const api = window.skycoverMaps[0], map = api.map, box = api.container.getBoundingClientRect();
      const layers = api.data.views[api.state.view].layers.concat(api.data.layers);
      const spec = layers.find(l => l.name === {layer_name!r});
      const blockers = [...api.container.querySelectorAll('.leaflet-control')].map(c => c.getBoundingClientRect());
      for (const p of spec.points) {{
        const c = map.latLngToContainerPoint([p.y, p.x]);
        const x = box.left + c.x, y = box.top + c.y;
        if (c.x < 20 || c.y < 20 || c.x > box.width - 20 || c.y > box.height - 20) continue;
        if (blockers.some(b => x > b.left - 8 && x < b.right + 8 && y > b.top - 8 && y < b.bottom + 8)) continue;
        return {{x, y, label: p.label}};
      }}
      return null;
    }})()""")
    assert found, f"no point of {layer_name} clear of the controls"
    browser.click(found["x"], found["y"])
    browser.wait_for("document.querySelector('.leaflet-popup-content') !== null")
    browser.pump(0.4)  # the popup fades in
    text = browser.evaluate("document.querySelector('.leaflet-popup-content').innerText")
    for t in popup_text:
        assert t in text, f"popup of {found['label']} lacks {t!r}:\n{text}"
    return text


@pytest.mark.parametrize("kind", ["coverage", "sweep", "demo"])
def test_coverage_reports_switch_bands_and_open_site_popups(browser, reports, kind):
    url = open_report(browser, reports[kind])
    assert_clean(browser, url)
    clip = map_clip(browser)
    before = browser.screenshot(OUT / "screens" / f"{kind}-band0.png", clip)
    bands = browser.evaluate("document.querySelector('.skymap-band').options.length")
    assert bands >= 2, f"{kind}: {bands} bands"
    select_band(browser, 1)
    after = browser.screenshot(OUT / "screens" / f"{kind}-band1.png", clip)
    assert changed_share(before, after) > 0.005, f"{kind}: switching the band did not change the map"
    click_point(browser, "sites", ["system", "igla-s", "Rosoboronexport", "missiles"])
    browser.screenshot(OUT / "screens" / f"{kind}-popup.png", clip)
    assert_clean(browser, url)


def test_demo_switches_deployments(browser, reports):
    url = open_report(browser, reports["demo"])
    clip = map_clip(browser)
    views = browser.evaluate("document.querySelector('.skymap-view').options.length")
    assert views == 3
    before = browser.screenshot(OUT / "screens" / "demo-view0.png", clip)
    browser.evaluate("(() => { const s = document.querySelector('.skymap-view'); s.value = '2';"
                     " s.dispatchEvent(new Event('change')); })()")
    browser.wait_for("document.querySelector('.skymap').dataset.shown.split('/')[0] === '2'")
    browser.pump(0.3)
    after = browser.screenshot(OUT / "screens" / "demo-view2.png", clip)
    assert changed_share(before, after) > 0.005
    assert_clean(browser, url)


@pytest.mark.parametrize("kind", ["exposure", "raid"])
def test_track_reports_show_tracks_windows_and_intercepts(browser, reports, kind):
    url = open_report(browser, reports[kind])
    assert_clean(browser, url)
    clip = map_clip(browser)
    layers = browser.evaluate("window.skycoverMaps[0].data.layers.map(l => [l.name, l.lines.length + "
                              "l.points.length])")
    names = dict(layers)
    assert names.get("tracks") == 3, layers
    assert names.get("engagement windows (colour: site)", 0) > 0, layers
    assert names.get("intercept points", 0) > 0, layers
    browser.screenshot(OUT / "screens" / f"{kind}.png", clip)
    click_point(browser, "intercept points", ["launch", "intercept", "Pk", "user stated"])
    browser.screenshot(OUT / "screens" / f"{kind}-popup.png", clip)
    assert_clean(browser, url)


@pytest.mark.parametrize("kind", ["coverage", "demo", "exposure"])
def test_usable_in_a_large_window_and_on_a_narrow_screen(browser, reports, kind):
    for width, height in ((1280, 800), (400, 800)):
        url = open_report(browser, reports[kind], width, height)
        assert_clean(browser, url)
        sizes = browser.evaluate("""(() => {
          const m = document.querySelector('.skymap').getBoundingClientRect();
          return {page: document.documentElement.scrollWidth, inner: window.innerWidth,
                  mapWidth: m.width, mapHeight: m.height}; })()""")
        assert sizes["page"] <= sizes["inner"], f"{kind} at {width} px scrolls sideways: {sizes}"
        assert sizes["mapWidth"] >= min(width - 40, 600) and sizes["mapHeight"] >= 300, sizes
        if width < 600:
            # The panel folds behind a button; opened, it stays inside the window.
            browser.evaluate("document.querySelector('.skymap-toggle').click()")
        panel = browser.evaluate("""(() => { const r = document.querySelector('.skymap-panel').getBoundingClientRect();
          return {left: r.left, right: r.right, visible: getComputedStyle(document.querySelector('.skymap-body'))
          .display !== 'none'}; })()""")
        assert panel["visible"] and panel["left"] >= 0 and panel["right"] <= width, f"{kind} at {width} px: {panel}"
        browser.screenshot(OUT / "screens" / f"{kind}-{width}px-map.png", map_clip(browser))


def test_a_damaged_report_says_which_overlay_is_missing(browser, reports):
    text = reports["coverage"].read_text(encoding="utf-8")
    # Cut the second band's image out of the page, as a truncated copy or a careless edit would.
    first = text.index('"image":"data:image/png;base64,')
    second = text.index('"image":"data:image/png;base64,', first + 1)
    end = text.index('"', second + len('"image":"'))
    damaged = OUT / "damaged" / "report.html"
    damaged.parent.mkdir(exist_ok=True)
    damaged.write_text(text[:second] + '"image":"data:image/png;base64,AAAA' + text[end:], encoding="utf-8")
    open_report(browser, damaged)
    select_band(browser, 1)
    browser.wait_for("document.querySelector('.skymap-error') !== null")
    message = browser.evaluate("document.querySelector('.skymap-error').innerText")
    assert "cannot be shown" in message and "150 m AGL" in message, message
    visible = browser.evaluate("document.querySelector('.skymap-error').getBoundingClientRect().height > 0")
    assert visible
    browser.screenshot(OUT / "screens" / "damaged.png", map_clip(browser))
    # The other bands still show.
    select_band(browser, 0)
    browser.wait_for("document.querySelector('.skymap-error') === null")


def test_demo_report_is_at_most_3_mb(reports):
    size = reports["demo"].stat().st_size
    assert size <= 3_000_000, f"the demo's report is {size} bytes"

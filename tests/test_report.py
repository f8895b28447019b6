"""report: one self-contained HTML file, checked as text and in a real headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import select
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Run
from iranclash.output.report import esc

Cli = Callable[..., Run]
MakeData = Callable[..., Path]

HOSTILE_TITLE = (
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='img'\">"
    "</li></ul><b>bold</b> & \u202eevil"
)
HOSTILE = {
    "places.yaml": """
        - id: north-base
          name: "North <svg onload=alert(1)> Base"
          kind: base
          country: Iraq
          coordinates: {lat: 36.5, lon: 43.25, precision: approximate}
          sources: [{source: report, quote: "North Base lies in Iraq."}]
    """,
    "events.yaml": """
        - id: first-attack
          date: "2022-03-04"
          type: rocket-attack
          title: "TITLE"
          places: [north-base]
          sources:
            - source: report
              quote: "<iframe src='https://example.org'></iframe> \\" onmouseover=alert(1) x=\\""
        - id: answer
          date: "2022"
          type: diplomatic
          title: An answer some time in 2022
          responds_to: [first-attack]
          sources: [{source: report, quote: "They answered."}]
    """.replace("TITLE", HOSTILE_TITLE.replace('"', '\\"').replace("\u202e", "\\u202e")),
}


def _report(cli: Cli, *arguments: str) -> str:
    run = cli("report", *arguments)
    assert run.exit_code == 0, run
    return run.stdout


def test_the_report_holds_every_part(cli: Cli) -> None:
    page = _report(cli)
    for anchor in ("timeline", "chains", "map", "counts", "sources"):
        assert f'<section id="{anchor}">' in page
    events = cli("events", "--json").json()
    for event in events:
        assert esc(event["title"]) in page
        for citation in event["sources"]:
            assert esc(citation["quote"]) in page
    assert (
        page.count("<circle")
        == sum(
            1 for place in cli("places", "--json").json() if place["coordinates"] and place["id"] != "vienna"
        )
        - 5
    )  # places within 0.2° of another share a dot: al-Qa'im (3 as 1), Erbil (2), Baghdad (3)
    assert "Off the map: Vienna (48.21, 16.37, city), 1 event." in html.unescape(page)


def test_the_report_loads_nothing_and_runs_only_its_own_scripts(cli: Cli) -> None:
    page = _report(cli)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    assert "default-src 'none'" in policy.group(1)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert len(scripts) == 2
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy.group(1)
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)


def test_imprecise_dates_stay_imprecise_in_the_report(cli: Cli, make_data: MakeData) -> None:
    page = _report(cli, "--data", str(make_data(HOSTILE)))
    assert '<span class="date">2022</span> An answer some time in 2022' in page
    assert "2022-01" not in page


def test_report_out_writes_a_file_and_never_replaces_one_unasked(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    run = cli("report", "--since", "2021-07", "--out", str(target))
    assert run.exit_code == 0, run
    assert run.stdout == ""
    assert f"wrote {target}" in run.stderr
    assert target.read_text(encoding="utf-8") == _report(cli, "--since", "2021-07")
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)
    target.write_text("my notes", encoding="utf-8")
    refused = cli("report", "--out", str(target))
    assert refused.exit_code == 2
    assert "--force" in refused.stderr
    assert target.read_text(encoding="utf-8") == "my notes"
    assert cli("report", "--out", str(target), "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [path.name for path in tmp_path.iterdir()] == ["report.html"]


def test_report_into_a_missing_folder_is_one_line(cli: Cli, tmp_path: Path) -> None:
    run = cli("report", "--out", str(tmp_path / "missing" / "r.html"))
    assert run.exit_code == 2
    assert run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr


def test_report_onto_a_folder_is_refused_and_leaves_nothing_behind(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    run = cli("report", "--out", str(folder), "--force")
    assert run.exit_code == 2
    assert "is a folder" in run.stderr
    assert list(folder.iterdir()) == []
    assert [path.name for path in tmp_path.iterdir()] == ["reports"]


def test_hostile_text_is_escaped_in_the_html(cli: Cli, make_data: MakeData) -> None:
    page = _report(cli, "--data", str(make_data(HOSTILE)))
    assert page.count("<script") == 2
    for raw in ("<img", "<iframe", "<svg onload", "<b>bold", '" onmouseover=alert', "\u202e"):
        assert raw not in page
    assert esc(HOSTILE_TITLE) in page


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _browse(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _console_errors(stderr: str) -> list[str]:
    """Chromium's log lines for what the page did wrong: script errors, refused loads."""
    return [
        line
        for line in stderr.splitlines()
        if "CONSOLE" in line
        or "Uncaught" in line
        or "Refused to" in line
        or "Content Security Policy" in line
    ]


@pytest.mark.parametrize("data", ["shipped", "hostile"])
def test_the_report_renders_in_chromium_without_errors(
    cli: Cli, make_data: MakeData, tmp_path: Path, data: str
) -> None:
    arguments = ["--data", str(make_data(HOSTILE))] if data == "hostile" else []
    target = tmp_path / "report.html"
    assert cli("report", *arguments, "--out", str(target)).exit_code == 0
    dumped = _browse(target, tmp_path / "profile", "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    assert _console_errors(dumped.stderr) == []
    # The page's own script ran, and no error reached the trap it sets first.
    root = re.search(r"<html[^>]*>", dom)
    assert root is not None
    assert 'data-ready="yes"' in root.group()
    assert "data-js-error" not in root.group()
    assert "<title>iranclash report</title>" in dom
    for part in ('id="timeline"', 'id="chains"', "<svg", 'id="sources"', "<circle"):
        assert part in dom
    if data == "hostile":
        # The data's markup is text in the DOM: escaped, never an element.
        assert html.escape("<script>document.title='pwned'</script>", quote=False) in dom
        for element in ("<img", "<iframe", "<b>bold", "<svg onload"):
            assert element not in dom
    shot = _browse(
        target, tmp_path / "profile2", "--screenshot=" + str(tmp_path / "shot.png"), "--window-size=800,1200"
    )
    assert shot.returncode == 0
    assert (tmp_path / "shot.png").stat().st_size > 10_000


def test_the_map_draws_the_borders_it_ships_and_credits_them(cli: Cli) -> None:
    page = _report(cli)
    figure = page[page.index("<figure>") : page.index("</figure>")]
    for country in ("Iraq", "Syria", "Jordan", "Turkey"):
        assert f"<title>{country}</title></path>" in figure
    assert ">IRAQ</text>" in figure
    assert ">SYRIA</text>" in figure
    assert "Borders: Natural Earth (public domain), via world-atlas." in page
    shipped = Path(__file__).parents[1] / "src" / "iranclash" / "output" / "region.json"
    assert shipped.stat().st_size < 12_000


def test_every_dot_is_numbered_and_the_legend_names_it(cli: Cli) -> None:
    page = html.unescape(_report(cli))
    dots = page.count("<circle")
    numbers = re.findall(r'<text class="number"[^>]*>(\d+)</text>', page)
    assert numbers == [str(number) for number in range(1, dots + 1)]
    legend = re.findall(r'<li value="(\d+)">', page)
    assert legend == numbers
    assert "Tanf–Walid border crossing (0 events; region)" in re.sub(r"<[^>]+>", "", page)


def test_region_places_are_dashed_even_with_no_events(cli: Cli) -> None:
    page = _report(cli)
    classes = dict(re.findall(r"<title>\d+\. ([^:]+):[^<]*</title><circle class=\"([^\"]*)\"", page))
    assert classes["Tanf–Walid border crossing"] == "none vague"
    assert classes["Anbar province"] == "none vague"
    assert classes["Ain al-Assad air base"] == ""
    assert classes["Idlib"] == "vague"


def test_the_report_opens_with_the_latest_exchange_and_names_the_article(cli: Cli) -> None:
    page = _report(cli)
    header = page[page.index("<header>") : page.index("</header>")]
    assert "From the article: Abdulaziz Kilani, “U.S.-Iran Clashes in Syria and Iraq" in header
    assert page.index('<section id="glance">') < page.index('<section id="timeline">')
    glance = page[page.index('<section id="glance">') : page.index("</section>", page.index('id="glance"'))]
    assert "At a glance: the latest exchange" in glance
    latest = [event for event in cli("events", "--json").json() if event["date"] >= "2021-06-27"]
    assert len(latest) == 9
    for event in latest:
        assert f'<a href="#quotes-{event["id"]}">' in glance
    assert "2021-06-27 to 2021-07-08: the last 9 of" in re.sub(r"<[^>]+>", "", glance)
    assert "2000s" not in glance


def test_each_event_id_links_to_its_quotes(cli: Cli) -> None:
    page = _report(cli)
    targets = set(re.findall(r'href="#(quotes-[^"]+)"', page))
    anchors = set(re.findall(r'<div id="(quotes-[^"]+)"', page))
    assert targets <= anchors
    timeline = page[page.index('<section id="timeline">') : page.index('<section id="chains">')]
    for event in cli("events", "--json").json():
        assert f'<div id="quotes-{esc(event["id"])}"' in page
        assert f'<a href="#quotes-{esc(event["id"])}">' in timeline


def test_the_glance_of_a_report_with_no_day_lists_the_last_events(cli: Cli) -> None:
    page = _report(cli, "--until", "2019")
    assert "At a glance: the latest events" in page


# Measures the page as laid out, at the width of the window; returns it as JSON.
_MEASURE = """
(function () {
  var width = document.documentElement.clientWidth;
  var labels = Array.prototype.map.call(document.querySelectorAll("svg text"), function (t) {
    var r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  });
  var overlaps = [];
  for (var i = 0; i < labels.length; i++) {
    for (var j = i + 1; j < labels.length; j++) {
      var a = labels[i], b = labels[j];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
        overlaps.push(a.text + " / " + b.text);
      }
    }
  }
  var map = document.querySelector("svg").getBoundingClientRect();
  var outside = labels.filter(function (r) {
    return r.left < map.left || r.right > map.right || r.top < map.top || r.bottom > map.bottom;
  }).map(function (r) { return r.text; });
  // The SVG clips what it draws (borders run on past its edge), so its parts are not counted.
  var wide = [];
  var all = document.body.querySelectorAll("*");
  for (var k = 0; k < all.length; k++) {
    var r = all[k].getBoundingClientRect();
    if (r.width && (r.right > width + 0.5 || r.left < -0.5) && !all[k].closest("svg > *")) {
      wide.push(all[k].tagName + " " + (all[k].textContent || "").slice(0, 40));
    }
  }
  // Every word of a type, a hedge, an id or a date on one line, unless it alone is wider than
  // its line: a browser breaks after a hyphen ("rocket-" / "attack", "gif-" / "kilani-2021").
  var broken = [], words = 0, measured = new Set();
  var boxes = document.querySelectorAll(".id, .date, .word, a[href^='#source-']");
  for (var b = 0; b < boxes.length; b++) {
    var walker = document.createTreeWalker(boxes[b], NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (measured.has(node)) { continue; }
      measured.add(node);
      var found, pattern = /[^\\s\\u00b7]+/g;
      while ((found = pattern.exec(node.data))) {
        var range = document.createRange();
        range.setStart(node, found.index);
        range.setEnd(node, found.index + found[0].length);
        var rects = range.getClientRects(), tops = {}, across = 0;
        for (var q = 0; q < rects.length; q++) {
          tops[Math.round(rects[q].top)] = true;
          across += rects[q].width;
        }
        var line = node.parentElement.closest("li, p, td, blockquote, div, h3").clientWidth;
        words += 1;
        if (Object.keys(tops).length > 1 && across <= line) { broken.push(found[0]); }
      }
    }
  }
  return JSON.stringify({width: width, scroll: document.documentElement.scrollWidth,
    labels: labels.length, overlaps: overlaps, outside: outside, wide: wide, broken: broken, words: words,
    glance: document.getElementById("glance").getBoundingClientRect().top + window.scrollY,
    map: [map.left, map.right], ready: document.documentElement.getAttribute("data-ready")});
})()
"""


class _DevTools:
    """Chromium driven over its DevTools pipe (fd 3 in, fd 4 out), as a phone or a desktop: the
    one way to get a window narrower than headless Chromium's 500 pixels."""

    def __init__(self, profile: Path) -> None:
        command = [
            "sh",
            "-c",
            'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null',
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.sequence = 0
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(target["targetId"] for target in targets if target["type"] == "page")
        self.session = self.send("Target.attachToTarget", targetId=page, flatten=True)["sessionId"]

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.sequence += 1
        message: dict[str, Any] = {"id": self.sequence, "method": method, "params": params}
        if method.split(".")[0] not in ("Target", "Browser"):
            message["sessionId"] = self.session
        self.process.stdin.write(json.dumps(message).encode() + b"\0")
        self.process.stdin.flush()
        while True:
            answer = self.receive()
            if answer.get("id") == self.sequence:
                assert "error" not in answer, answer
                result: dict[str, Any] = answer["result"]
                return result
            self.events.append(answer)

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.process.stdout], [], [], 60)
            assert ready, "chromium gave no answer in 60 s"
            chunk = self.process.stdout.read1(1 << 16)
            assert chunk, "chromium closed its DevTools pipe"
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        answer: dict[str, Any] = json.loads(message)
        return answer

    def open(self, page: Path, width: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=900,
            deviceScaleFactor=1,
            mobile=width < 800,
        )
        self.send("Page.enable")
        self.send("Page.navigate", url=page.as_uri())
        while not any(event.get("method") == "Page.loadEventFired" for event in self.events):
            self.events.append(self.receive())

    def evaluate(self, expression: str) -> Any:
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True)["result"]["value"]

    def screenshot(self, path: Path) -> None:
        """The whole page, as tall as it is."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.send("Browser.close")
        self.process.wait(timeout=30)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_as_a_person_sees_it(cli: Cli, tmp_path: Path, width: int) -> None:
    """At a desktop's and a phone's width: no two map labels overlap, nothing is wider than the
    window, the map fits, the latest exchange is on the first screen, and no type, id or date
    is broken across lines where it would fit on one. Leaves a screenshot of the whole page,
    report-WIDTH.png, in the test's folder to look at."""
    target = tmp_path / "report.html"
    assert cli("report", "--out", str(target)).exit_code == 0
    browser = _DevTools(tmp_path / "profile")
    try:
        browser.open(target, width)
        seen = json.loads(browser.evaluate(_MEASURE))
        browser.screenshot(tmp_path / f"report-{width}.png")
    finally:
        browser.close()
    assert seen["ready"] == "yes"
    assert seen["width"] == width
    assert seen["labels"] >= 10
    assert seen["overlaps"] == []
    assert seen["outside"] == []
    assert seen["wide"] == []
    assert seen["words"] > 300 and seen["broken"] == []
    assert seen["scroll"] <= width
    assert seen["map"][0] >= 0
    assert seen["map"][1] <= width
    assert seen["glance"] < 500
    assert (tmp_path / f"report-{width}.png").stat().st_size > 50_000


def test_the_filters_and_dates_of_a_report_break_only_where_words_break(cli: Cli, tmp_path: Path) -> None:
    """The header says the filters and the dates they span, in prose: on a phone a type or a
    date in it moves to the next line whole, as the ids and types below do."""
    target = tmp_path / "report.html"
    filters = ("--type", "rocket-attack", "--type", "drone-attack", "--since", "2021-06-28")
    assert cli("report", *filters, "--out", str(target)).exit_code == 0
    browser = _DevTools(tmp_path / "profile")
    try:
        browser.open(target, 390)
        seen = json.loads(browser.evaluate(_MEASURE))
    finally:
        browser.close()
    assert "filters: since" in target.read_text(encoding="utf-8")
    assert seen["words"] > 30 and seen["broken"] == []
    assert seen["wide"] == [] and seen["scroll"] <= 390


def test_words_break_only_where_words_break(cli: Cli) -> None:
    """overflow-wrap: anywhere broke "Events" into Ev/en/ts in a phone's table: a word may break
    only when it alone is wider than its line."""
    page = _report(cli)
    assert "overflow-wrap: anywhere" not in page
    assert "overflow-wrap: break-word" in page


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_beside_exports_as_a_person_sees_it(cli: Cli, tmp_path: Path, width: int) -> None:
    """With the made-up dataset rows of tests/fixtures/corroborate beside the shipped data (the
    corroboration section, rows in the glance and the timeline): nothing wider than the window,
    no word broken, no two map labels over each other."""
    exports = Path(__file__).parent / "fixtures" / "corroborate"
    target = tmp_path / "report.html"
    assert cli("report", "--data", "builtin", "--data", str(exports), "--out", str(target)).exit_code == 0
    assert 'id="corroboration"' in target.read_text(encoding="utf-8")
    browser = _DevTools(tmp_path / "profile")
    try:
        browser.open(target, width)
        seen = json.loads(browser.evaluate(_MEASURE))
    finally:
        browser.close()
    assert seen["ready"] == "yes"
    assert seen["overlaps"] == [] and seen["outside"] == []
    assert seen["wide"] == [] and seen["scroll"] <= width
    assert seen["broken"] == []

#!/usr/bin/env python
"""Render a frontiercost HTML report in headless Chromium and check what it shows.

Usage::

    python scripts/check_report.py [SCENARIO] [--draws N] [--keep DIR]

Writes the report of SCENARIO (default ``gpt-4``), then runs Chromium twice,
with the network cut off (every host name resolves to nothing):

1. ``--screenshot`` at 1280 x 4000: the PNG must decode, be 1280 x 4000,
   and not be blank: some of it must be ink, and enough pixels must be
   strongly coloured that the embedded figures were drawn (text and table
   rules are grey; links alone are far below the threshold);
2. ``--dump-dom``: the page as the browser parsed it must hold the report's
   sections, its tables and one ``<img>`` per figure, each a ``data:`` URI.

Exit code 0 when every check passes, 1 when one fails, 2 when no Chromium
is installed (``apt-get install chromium`` on Debian).  ``tests/test_report.py``
runs :func:`check` when a Chromium binary is on PATH.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = (1280, 4000)
TIMEOUT = 120  # seconds per Chromium run; a cold start takes ~2 s
# Share of pixels that must be strongly coloured (figures drawn) and share
# that must differ from the white background (anything drawn at all).  The
# gpt-4 report at 1280 x 4000 measures 3.5 % coloured and 9.5 % ink; the same
# page with its images broken, 0.1 % coloured and 8.2 % ink.
MIN_COLOURED = 0.01
MIN_INK = 0.03


def find_chromium() -> str | None:
    """Path of a Chromium binary: ``$CHROMIUM`` if set, else the first of :data:`BINARIES`."""
    env = os.environ.get("CHROMIUM")
    if env:
        return shutil.which(env)
    for name in BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",  # needed as root, and in most containers
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        # no network: a page that needed any remote resource would render without it
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=127.0.0.1:9",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _screenshot_stats(path: Path) -> dict[str, Any]:
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        im.verify()  # a complete, valid PNG
    with Image.open(path) as im:
        fmt, size = im.format, im.size
        rgb = np.asarray(im.convert("RGB"), dtype=np.int16)
    ink = float(np.mean((rgb < 245).any(axis=2)))
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    coloured = float(np.mean(saturation > 60))
    return {"format": fmt, "size": size, "ink": ink, "coloured": coloured}


def check(
    scenario: str = "gpt-4",
    workdir: str | os.PathLike[str] | None = None,
    draws: int = 2_000,
    chains: int = 2,
    binary: str | None = None,
) -> dict[str, Any]:
    """Write the report, render it in Chromium, and return what was found.

    Returns
    -------
    dict
        ``report`` (path), ``screenshot`` (path), ``screenshot_stats``,
        ``dom`` (counts of tables, images, data-URI images, sections found),
        ``problems`` (a list of messages; empty when every check passed).

    Raises
    ------
    FileNotFoundError
        When no Chromium binary is found.
    """
    from frontiercost.run import report as write_report

    binary = binary or find_chromium()
    if binary is None:
        raise FileNotFoundError("no Chromium binary (" + ", ".join(BINARIES) + ") on PATH")
    work = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="fc-report-"))
    work.mkdir(parents=True, exist_ok=True)
    report = work / f"{scenario}.html"
    write_report(scenario, report, draws=draws, chains=chains)
    text = report.read_text(encoding="utf-8")
    expected_imgs = len(re.findall(r"<img\b", text))
    url = report.resolve().as_uri()
    problems: list[str] = []

    shot = work / f"{scenario}.png"
    with tempfile.TemporaryDirectory(prefix="fc-chromium-") as profile:
        run = _chromium(
            binary,
            Path(profile),
            f"--screenshot={shot}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            url,
        )
    if run.returncode != 0 or not shot.is_file():
        problems.append(f"screenshot failed (exit {run.returncode}): {run.stderr[-500:]}")
        stats: dict[str, Any] = {}
    else:
        stats = _screenshot_stats(shot)
        if stats["format"] != "PNG" or tuple(stats["size"]) != WINDOW:
            problems.append(
                f"screenshot is {stats['format']} {stats['size']}, expected PNG {WINDOW}"
            )
        if stats["ink"] < MIN_INK:
            problems.append(f"screenshot is blank: {stats['ink']:.3%} of pixels not white")
        if stats["coloured"] < MIN_COLOURED:
            problems.append(
                f"figures not drawn: {stats['coloured']:.3%} of pixels coloured "
                f"(need {MIN_COLOURED:.0%})"
            )

    with tempfile.TemporaryDirectory(prefix="fc-chromium-") as profile:
        run = _chromium(binary, Path(profile), "--dump-dom", url)
    dom = run.stdout
    found: dict[str, Any] = {
        "tables": len(re.findall(r"<table\b", dom)),
        "images": len(re.findall(r"<img\b", dom)),
        "data_images": len(re.findall(r'<img\b[^>]*\bsrc="data:image/png;base64,', dom)),
        "sections": re.findall(r'<section id="([a-z-]+)"', dom),
    }
    if run.returncode != 0 or "</html>" not in dom:
        problems.append(f"--dump-dom failed (exit {run.returncode}): {run.stderr[-500:]}")
    for section in ("summary", "headline", "sensitivity", "priors", "run"):
        if section not in found["sections"]:
            problems.append(f"section {section!r} missing from the rendered page")
    if found["tables"] < 4:
        problems.append(f"only {found['tables']} tables in the rendered page")
    if found["images"] != expected_imgs or found["data_images"] != expected_imgs:
        problems.append(
            f"{found['images']} images ({found['data_images']} data: URIs) rendered, "
            f"{expected_imgs} in the file"
        )
    return {
        "report": report,
        "screenshot": shot,
        "screenshot_stats": stats,
        "dom": found,
        "problems": problems,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", nargs="?", default="gpt-4")
    p.add_argument("--draws", type=int, default=2_000, help="draws per chain (2 chains)")
    p.add_argument("--keep", help="directory for the report and screenshot (default: temporary)")
    args = p.parse_args(argv)
    binary = find_chromium()
    if binary is None:
        print(
            "check_report: no Chromium found (apt-get install -y chromium); nothing checked",
            file=sys.stderr,
        )
        return 2
    result = check(args.scenario, args.keep, draws=args.draws, binary=binary)
    stats = result["screenshot_stats"]
    print(f"report:     {result['report']} ({result['report'].stat().st_size:,} bytes)")
    print(f"chromium:   {binary}")
    if stats:
        print(
            f"screenshot: {result['screenshot']} {stats['size'][0]}x{stats['size'][1]}, "
            f"{stats['ink']:.1%} ink, {stats['coloured']:.1%} coloured"
        )
    dom = result["dom"]
    print(
        f"dom:        {dom['tables']} tables, {dom['images']} images "
        f"({dom['data_images']} data: URIs), sections {', '.join(dom['sections'])}"
    )
    for problem in result["problems"]:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())

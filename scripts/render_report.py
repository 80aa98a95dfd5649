"""Render a run's report.html to a PNG with headless Chromium (Debian package ``chromium``).

Usage::

    python scripts/render_report.py RUN_DIR/report.html docs/report.png [--height 2400]

Chromium runs with no network (the report must be self-contained: any external asset would
be missing from the picture) and a fresh, temporary profile. The script fails with a clear
message when Chromium is not installed (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def render(html: Path, png: Path, width: int, height: int) -> None:
    """Screenshot ``html`` into ``png`` at ``width`` x ``height`` CSS pixels."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium not found: install it with `apt-get install chromium`")
    if not html.is_file():
        sys.exit(f"no such report: {html}")
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={png.resolve()}",
            html.resolve().as_uri(),
        ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    if not png.is_file() or png.stat().st_size == 0:
        sys.exit(f"chromium wrote no picture to {png}")
    print(f"wrote {png} ({png.stat().st_size // 1024} KB)")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args()
    render(args.html, args.png, args.width, args.height)


if __name__ == "__main__":
    main()

"""A one-line progress bar on stderr for the file commands (upmix, render)."""

from __future__ import annotations

import sys

PROGRESS_AFTER_SECONDS = 5.0  # files shorter than this get no bar


def print_progress(frac: float, width: int = 30) -> None:
    """Redraw the bar at `frac` (0..1); ends the line at 1."""
    k = int(frac * width)
    print(f"\r  [{'#' * k}{'.' * (width - k)}] {frac * 100:5.1f} %", end="", file=sys.stderr,
          flush=True)
    if frac >= 1.0:
        print(file=sys.stderr)

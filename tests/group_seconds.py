"""Seconds each xdist group took in a whole-suite run, slowest first: `--dist loadgroup` hands the slowest
groups out first, so no long file is left to start last on one worker while the other has finished.

xdist on its own orders groups by their number of tests, which puts a 70 s single-test file at the end of
the queue. Regenerate from a run's JUnit XML after the suite changes shape:
`python tests/group_seconds.py run.xml > tests/group_seconds.txt` (a group missing from it is ordered by its
number of tests after the listed ones, as xdist would; a stale line costs nothing).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

TABLE = Path(__file__).with_name("group_seconds.txt")
LISTED_FROM = 5.0  # groups quicker than this are left to xdist's order: they cannot make a tail


def read_table(path: Path = TABLE) -> dict[str, float]:
    """{group: seconds} from `path` ("seconds group" per line); empty when the file is missing."""
    if not path.is_file():
        return {}
    seconds = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            value, group = line.split(maxsplit=1)
            seconds[group] = float(value)
    return seconds


def from_junit(path: Path) -> Counter:
    """Seconds per group of a run's JUnit XML (pytest-xdist names each test case `<name>@<group>`)."""
    seconds: Counter = Counter()
    for case in ET.parse(path).iter("testcase"):
        seconds[case.get("name", "").rsplit("@", 1)[-1]] += float(case.get("time", 0))
    return seconds


if __name__ == "__main__":
    print("# seconds  xdist group (from a whole-suite run; see tests/group_seconds.py)")
    for group, value in from_junit(Path(sys.argv[1])).most_common():
        if value >= LISTED_FROM:
            print(f"{value:8.1f} {group}")

"""Shared helpers for the benchmark scripts: run a child process and measure it whole, medians, tables.

A measurement is always a whole process (interpreter start, imports, work, exit), timed from the outside
and with its own peak resident memory taken from the kernel's accounting of that one child (`os.wait4`),
so two programs can be compared side by side in one run. Nothing here writes outside benchmarks/.
"""

from __future__ import annotations

import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"  # generated inputs (gitignored)
RESULTS_DIR = BENCH_DIR / "results"  # JSON results (gitignored)
MIB = 1024 * 1024


@dataclass(frozen=True)
class ProcessRun:
    """One child process, measured from the outside."""

    wall: float  # seconds from spawn to exit
    cpu: float  # user + system seconds of the child
    peak_mib: float  # peak resident set size of the child (ru_maxrss)
    returncode: int
    stdout: str
    stderr: str

    def json_line(self) -> dict:
        """The last line of the child's stdout, parsed as JSON (children report their own figures there)."""
        # the last line, after any carriage-return redraws (a progress bar may share the line)
        lines = [line.split("\r")[-1] for line in self.stdout.splitlines() if line.strip()]
        return json.loads(lines[-1][lines[-1].find("{") :]) if lines else {}


def run_process(argv: Sequence[str], env: dict | None = None, cwd: Path | None = None) -> ProcessRun:
    """Run `argv` to completion; wall time, CPU time and peak RSS are those of this child alone.

    `resource.getrusage(RUSAGE_CHILDREN)` would give the maximum over every child so far, so the child is
    reaped with `os.wait4`, which returns the resource usage of exactly that process. Linux starts a
    child's peak RSS at its parent's size when it forks, so the measuring process must stay small: it
    imports only the standard library and leaves DuckDB, pandas and salesplan to its children
    (`parent_rss_mib` tells how small it is).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, env=env, cwd=cwd)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
        out.seek(0)
        err.seek(0)
        return ProcessRun(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            peak_mib=usage.ru_maxrss * 1024 / MIB,  # Linux reports KiB
            returncode=proc.returncode,
            stdout=out.read(),
            stderr=err.read(),
        )


def run_python(code: str, env: dict | None = None) -> ProcessRun:
    """`python -c code` with this interpreter, from the repository root (so the package imports). The package
    is byte-compiled first, as an installed one is: a shell with PYTHONDONTWRITEBYTECODE set (or a fresh
    checkout) would otherwise charge every measured process for compiling the modules it imports."""
    compileall.compile_dir(ROOT / "salesplan_widgets", quiet=1)
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), child_env.get("PYTHONPATH", "")]))
    return run_process([sys.executable, "-c", code], env=child_env, cwd=ROOT)


def parent_rss_mib() -> float:
    """This process's peak RSS: the floor under every child's measured peak (see run_process)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine() -> dict:
    """What the figures were measured on, including how busy the machine was (load shows up as noise).

    Library versions are asked of a child process, so this process never imports them (see run_process).
    """
    versions = run_python(
        "import json, duckdb, pandas; print(json.dumps({'duckdb': duckdb.__version__, "
        "'pandas': pandas.__version__}))"
    ).json_line()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        **versions,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table (what the README shows)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name: str, payload: dict) -> Path:
    """Write `benchmarks/results/<name>.json` and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path

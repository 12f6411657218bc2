"""The README's `make install` / `make test` choose a Python pip may install into: the one on PATH as is
(an active venv or conda env, pyenv), or, under a Debian/Ubuntu system Python that refuses pip (PEP 668),
a virtual environment it creates once. Checked with real interpreters; the venv is really created (offline,
from ensurepip), only the downloads of `pip install` are left out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_PYTHON = "/usr/bin/python3"
MARKER_CHECK = (
    "import os, sys, sysconfig; "
    "print(sys.prefix == sys.base_prefix and "
    "os.path.isfile(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"
)


def externally_managed(python: str) -> bool:
    if not shutil.which(python):
        return False
    return (
        subprocess.run([python, "-c", MARKER_CHECK], capture_output=True, text=True).stdout.strip() == "True"
    )


def make(*args: str, path: str | None = None) -> subprocess.CompletedProcess:
    """make in the checkout, without the settings of a make this test may itself be running under."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON"}}
    if path is not None:
        env["PATH"] = path
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    return result


def test_a_python_pip_may_install_into_is_used_as_is() -> None:
    assert not externally_managed(sys.executable)  # the suite itself runs in one (make chose it)
    plan = make("-n", "install", f"BASE_PYTHON={sys.executable}", "VENV=/nonexistent/venv").stdout
    assert plan.splitlines() == [f"{sys.executable} -m pip install -e ."]


debian_only = pytest.mark.skipif(
    not externally_managed(DEBIAN_PYTHON),
    reason="needs an externally-managed /usr/bin/python3 (Debian/Ubuntu)",
)


@debian_only
def test_an_externally_managed_python_installs_into_a_venv_made_once(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    settings = (f"BASE_PYTHON={DEBIAN_PYTHON}", f"VENV={venv}")
    plan = make("-n", "install", *settings).stdout
    assert f"{DEBIAN_PYTHON} -m venv {venv}" in plan
    assert plan.splitlines()[-1] == f"{venv}/bin/python -m pip install -e ."
    assert not venv.exists()  # -n: nothing done yet

    chosen = make("which-python", *settings).stdout.strip().splitlines()[-1]  # creates the venv for real
    assert Path(chosen).parent == venv / "bin"
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True
    )
    assert pip.returncode == 0 and str(venv) in pip.stdout  # pip works there, unlike in the system Python
    again = make("-n", "install", *settings).stdout
    assert "-m venv" not in again and again.splitlines() == [f"{venv}/bin/python -m pip install -e ."]


@debian_only
def test_an_active_venv_made_from_the_system_python_is_used_as_is(tmp_path: Path) -> None:
    venv = tmp_path / "active"
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    path = (
        f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"  # as `source active/bin/activate` leaves PATH
    )
    plan = make("-n", "install", f"VENV={tmp_path / 'unused'}", path=path).stdout
    assert plan.splitlines() == ["python3 -m pip install -e ."]
    chosen = make("which-python", f"VENV={tmp_path / 'unused'}", path=path).stdout.strip()
    assert Path(chosen).parent == venv / "bin"
    assert not (tmp_path / "unused").exists()

"""Packaging (issue 13 §1): the wheel, installed without the source tree, runs the walkthrough from any directory,
and its runtime dependencies are exactly the third-party packages that toolkit/ imports.

The wheel is built from a copy of the files it is made of (no build/ or egg-info left in the work tree) without
build isolation (setuptools comes from the test extra: no index is asked). It is installed with --no-deps into a
fresh venv whose only other path is the test venv's site-packages, for the runtime dependencies; a .pth line adds
that folder to sys.path without running its .pth files, so the editable install of the work tree stays out.
"""

from __future__ import annotations

import ast
import email
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
pytestmark = pytest.mark.slow


def _name(requirement: str) -> str:
    for stop in "<>=!~;[ ":
        requirement = requirement.split(stop)[0]
    return requirement.strip().lower().replace("_", "-")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "toolkit", src / "toolkit", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "samples", src / "samples", ignore=ignore)
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", out, src],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    assert "Warning" not in build.stderr, build.stderr  # e.g. setuptools' license-table deprecation
    [found] = out.glob("emlauth-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    Path(site, "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


def _run(env: Path, *argv: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([env / "bin" / argv[0], *argv[1:]], cwd="/", capture_output=True, text=True, env=clean,
                          timeout=120)  # fmt: skip


def test_walkthrough_from_the_wheel_in_another_directory(installed: Path) -> None:
    where = _run(installed, "python", "-c", "import toolkit.shells.samples as s; print(s.samples_dir())")
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(str(installed)) and where.stdout.strip().endswith("toolkit/sample-data")
    listed = _run(installed, "emlauth", "walkthrough", "--list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("all-pass ") and "spoofed-from" in listed.stdout
    told = _run(installed, "emlauth", "walkthrough", "all-pass")
    assert told.returncode == 0, told.stderr
    # the zones come from the shipped samples too: the DMARC record of example.com was found offline
    assert 'TXT _dmarc.example.com -> OK: "v=DMARC1; p=none' in told.stdout
    mine = _run(installed, "emlauth", "walkthrough", "--samples", str(ROOT / "tests" / "packaging"), "--list")
    assert mine.returncode == 2 and "cases.toml" in mine.stderr  # --samples DIR still overrides


def test_wheel_ships_samples_and_no_build_script(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.removeprefix("toolkit/sample-data/") for n in names if n.startswith("toolkit/sample-data/")}
    expected = {str(p.relative_to(ROOT / "samples")) for p in (ROOT / "samples").glob("messages/*.eml")}
    expected |= {str(p.relative_to(ROOT / "samples")) for p in (ROOT / "samples" / "zones").iterdir()}
    assert shipped == expected | {"cases.toml"}


def _third_party_imports() -> set[str]:
    stdlib = set(sys.stdlib_module_names)
    found: set[str] = set()
    for path in (ROOT / "toolkit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found |= {n.split(".")[0] for n in names} - stdlib - {"toolkit"}
    return found


def test_runtime_dependencies_are_what_toolkit_imports(wheel: Path) -> None:
    dists = packages_distributions()
    imported = {_name(dists[module][0]) for module in _third_party_imports()}
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    optional = {_name(r) for key, reqs in extras.items() if key != "test" for r in reqs}  # e.g. psycopg for PostgreSQL
    assert imported - optional == declared
    name, version = wheel.name.split("-")[:2]
    metadata = email.message_from_bytes(zipfile.ZipFile(wheel).read(f"{name}-{version}.dist-info/METADATA"))
    runtime = {_name(r) for r in metadata.get_all("Requires-Dist") if "extra ==" not in r}
    assert runtime == declared and "dkimpy" not in runtime  # no dkimsign/dkimverify/arcsign on PATH
    assert metadata["License-Expression"] == "MIT"

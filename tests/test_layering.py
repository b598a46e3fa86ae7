"""Pure core, thin shells: toolkit/core does no I/O and imports nothing from the shells or resolvers."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "toolkit" / "core"
FORBIDDEN_MODULES = {
    "socket",
    "subprocess",
    "time",
    "logging",
    "asyncio",
    "threading",
    "multiprocessing",
    "urllib",
    "http",
    "smtplib",
    "shutil",
    "tempfile",
    "random",
    "datetime",
}
FORBIDDEN_CALLS = {"print", "open", "input"}


def _core_files():
    files = sorted(CORE.rglob("*.py"))
    assert files, "no core modules found"
    return files


def test_core_imports_no_io_modules():
    problems = []
    for path in _core_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in FORBIDDEN_MODULES or name.startswith(("toolkit.shells", "toolkit.resolvers")):
                    problems.append(f"{path.relative_to(CORE)}:{node.lineno} imports {name}")
    assert problems == []


def test_core_calls_no_io_builtins():
    problems = []
    for path in _core_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
                problems.append(f"{path.relative_to(CORE)}:{node.lineno} calls {node.func.id}()")
    assert problems == []

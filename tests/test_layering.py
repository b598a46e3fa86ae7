"""Pure core, thin shells: toolkit/core imports only what this ALLOWLIST names, and calls no I/O builtins.

An allowlist, not a denylist: a new import in the core (os, io, pathlib, importlib, dns.resolver, socket, time,
publicsuffixlist's file read ...) fails here until someone decides it is pure and adds it with a reason.
"""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "toolkit" / "core"

ALLOWED_MODULES = {
    # language and pure data helpers
    "__future__", "abc", "collections", "collections.abc", "dataclasses", "enum", "functools", "itertools",
    "operator", "typing", "contextlib", "re", "string", "math", "unicodedata",
    # pure codecs, digests, serialisation and text diffs
    "base64", "binascii", "quopri", "hashlib", "hmac", "ipaddress", "idna", "json", "difflib",
    # domain/bulk.py parses Date fields with parsedate_to_datetime; the module's formatdate and make_msgid read the
    # clock and the host name, and stay out of the core (a review point, not a rule this test can see)
    "email.utils",
    # DMARC reports (core/dmarc/report_*): bytes already in memory in, bytes out. expat and codecs parse; zlib and
    # gzip (compress/decompress only) and zipfile (over an io.BytesIO, see ALLOWED_FROM) unpack; email parses and
    # builds messages
    "codecs", "xml.parsers", "xml.parsers.expat", "zlib", "gzip", "zipfile", "email", "email.message", "email.policy",
    # A-R parsing (authres) and public-key maths (cryptography: no files, no sockets)
    "authres", "authres.core", "cryptography", "cryptography.exceptions",
    # Ed25519 through libsodium (toolkit/core/ed25519.py, issue 14): a pure function of key, signature and data
    "nacl.bindings", "nacl._sodium",
}  # fmt: skip
ALLOWED_PREFIXES = ("toolkit.core.", "cryptography.hazmat.primitives")
# (module, name) pairs allowed from a module that is otherwise not: no file system access
ALLOWED_FROM = {("pathlib", "PurePath"), ("io", "BytesIO")}  # BytesIO: bytes in memory, no file
FORBIDDEN_CALLS = {"print", "open", "input", "exec", "eval", "compile", "__import__", "breakpoint"}


def _core_files():
    files = sorted(CORE.rglob("*.py"))
    assert files, "no core modules found"
    return files


def _allowed(module: str) -> bool:
    return module in ALLOWED_MODULES or module == "toolkit.core" or module.startswith(ALLOWED_PREFIXES)


def import_problems(source: str, where: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source, where)):
        if isinstance(node, ast.Import):
            problems += [f"{where}:{node.lineno} imports {a.name}" for a in node.names if not _allowed(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and not _allowed(node.module):
            names = [a.name for a in node.names if (node.module, a.name) not in ALLOWED_FROM]
            problems += [f"{where}:{node.lineno} imports {name} from {node.module}" for name in names]
    return problems


def test_core_imports_only_the_allowlist():
    problems = []
    for path in _core_files():
        problems += import_problems(path.read_text(), str(path.relative_to(CORE)))
    assert problems == []


def test_the_allowlist_refuses_io_and_the_outer_rings():
    """The audit's examples (issue 13 §9): each is refused, in either import form."""
    for module in ("os", "io", "pathlib", "importlib", "dns.resolver", "socket", "time", "publicsuffixlist",
                   "toolkit.resolvers", "toolkit.shells.common", "toolkit.walkthrough", "os.path", "sys"):  # fmt: skip
        assert import_problems(f"import {module}\n", "x.py"), module
        assert import_problems(f"from {module} import thing\n", "x.py"), module
    assert import_problems("from pathlib import Path\n", "x.py") and not import_problems(
        "from pathlib import PurePath\n", "x.py"
    )
    assert not import_problems("from . import tags\nimport hashlib\nfrom toolkit.core.dns import Resolver\n", "x.py")


def test_core_calls_no_io_builtins():
    problems = []
    for path in _core_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
                problems.append(f"{path.relative_to(CORE)}:{node.lineno} calls {node.func.id}()")
    assert problems == []

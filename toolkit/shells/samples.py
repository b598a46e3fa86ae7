"""Where the walkthrough's samples (cases.toml, messages/, zones/) are: inside the installed package.

The samples live at the top of the repository (samples/, the design card). `toolkit/sample-data` links there in a
source tree, and the wheel carries real copies under the same name (package data, pyproject.toml), so an editable
install, a plain `pip install .` and a source checkout all find them through importlib.resources, from any working
directory. Package data rather than a build step: nothing runs at build time, and the link keeps one copy in git.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

RESOURCE = "sample-data"  # not an identifier on purpose: setuptools then sees a data folder, not a package


def samples_dir() -> Path:
    """The shipped samples folder (`--samples DIR` overrides it)."""
    root = files("toolkit") / RESOURCE
    # a package on the file system (wheel, editable or source tree) gives a real path; the walkthrough reads zone
    # folders with pathlib, so a zipped install would need extracting first, and none of ours is zipped
    return Path(str(root))

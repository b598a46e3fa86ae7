"""python -m toolkit.rules > docs/rules.md"""

import sys

from toolkit.rules import markdown

sys.stdout.write(markdown())

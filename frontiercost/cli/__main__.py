"""``python -m frontiercost.cli``: the same as the ``frontiercost`` command."""

import sys

from . import main

sys.exit(main())

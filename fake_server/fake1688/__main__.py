"""``python -m fake1688``: the same as the ``fake1688`` command."""

import sys

from .cli import main

sys.exit(main())

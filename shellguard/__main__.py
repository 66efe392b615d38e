"""``python -m shellguard``."""

import sys

from shellguard.cli import main

sys.exit(main())

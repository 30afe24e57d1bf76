"""``python -m chargepoint_sim`` = ``csms-sim``."""

import sys

from .cli import main

sys.exit(main())

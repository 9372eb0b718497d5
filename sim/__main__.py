"""`python -m sim CONFIG --emit-config OUT [--run-dir D] [--wire-time]`: serve a simulated room."""

from __future__ import annotations

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())

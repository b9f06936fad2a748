"""`python -m clinic_app` runs the same entry point as the `clinic-app` command."""

from __future__ import annotations

import sys

from clinic_app.cli import main

sys.exit(main())

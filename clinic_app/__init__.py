"""clinic-app: offline-first records for Thai primary care units, synced with MOPH Health Link.

This package's top level holds only the version. The layers live in the sub-packages
(see README "Design"): core, store, security, sync, interop, hub, services, ui, app, cli.
"""

from __future__ import annotations

__version__ = "0.1.0"

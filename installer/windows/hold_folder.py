"""For installer/windows-check.sh: stands for an open clinic-app window. Opens the data folder
as the window does (open_installation: the folder's shared lock, the key from the keyring),
writes READY_FILE, and keeps the folder open until STOP_FILE appears (at most 300 s).

    python hold_folder.py DATA_DIR READY_FILE STOP_FILE

Prints no patient data: the folder's path and what it does, nothing else."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main() -> int:
    data_dir, ready, stop = (Path(a) for a in sys.argv[1:4])
    from clinic_app.app import build_keystore
    from clinic_app.services.installation import open_installation

    inst = open_installation(data_dir, keys=build_keystore())
    try:
        ready.write_text("held\n", encoding="utf-8")
        print(f"holding {data_dir} open", flush=True)
        deadline = time.monotonic() + 300
        while not stop.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        inst.close()
    print("let go", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

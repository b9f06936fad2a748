"""Shared by the window's tests: a unit (training code 99999) in a real encrypted folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import Installation, initialise


@pytest.fixture
def unit(tmp_path: Path, keystore: KeyStore) -> Iterator[Installation]:
    inst = initialise(tmp_path / "data", hcode="99999", keys=keystore)
    yield inst
    inst.forget_secrets()
    inst.close()

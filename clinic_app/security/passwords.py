"""Staff passwords: Argon2id hashes (argon2-cffi's PasswordHasher, its RFC 9106 low-memory
profile), a minimum policy, and the growing delay after repeated failures."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from clinic_app.core.errors import InvalidInputError, Problem

MIN_LENGTH = 10
FREE_FAILURES = 3          # then a delay: 30 s, doubling with each failure, at most an hour
FIRST_DELAY_SECONDS = 30.0
MAX_DELAY_SECONDS = 3600.0

_hasher = PasswordHasher()


def check_policy(password: str) -> None:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(Problem(None, "password", f"at least {MIN_LENGTH} characters"))
    if password.isdigit() or password.isalpha():
        problems.append(Problem(None, "password", "mix letters with digits or symbols"))
    if problems:
        raise InvalidInputError(f"รหัสผ่านต้องยาวอย่างน้อย {MIN_LENGTH} ตัวอักษร และมีทั้งตัวอักษรกับตัวเลขหรือสัญลักษณ์",
                                "The password is too weak.", problems=problems)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def lockout_delay(failures: int) -> float:
    """Seconds to wait after this many consecutive failures (0 while still free)."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** (failures - FREE_FAILURES))

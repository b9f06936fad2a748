"""Staff passwords: Argon2id hashes (argon2-cffi's PasswordHasher, its RFC 9106 low-memory
profile), a strength policy (zxcvbn's estimate, Thai keyboard walks included), and the
growing delay after repeated failures."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from clinic_app.core.errors import InvalidInputError, Problem

MIN_LENGTH = 10
FREE_FAILURES = 3          # then a delay: 30 s, doubling with each failure, at most an hour
FIRST_DELAY_SECONDS = 30.0
MAX_DELAY_SECONDS = 3600.0

_hasher = PasswordHasher()


# The Thai Kedmanee keyboard's unshifted keys and the Latin keys under them: a password typed
# with the keyboard in Thai mode ("ฟหกดฟหกด") is the same keyboard walk as "asdfasdf".
_KEYS = [("ๅ/-ภถุึคตจขช", "1234567890-="), ("ๆไำพะัีรนยบลฃ", "qwertyuiop[]\\"), ("ฟหกดเ้่าสวง", "asdfghjkl;'"),
         ("ผปแอิืทมใฝ", "zxcvbnm,./")]
KEDMANEE = str.maketrans("".join(t for t, _ in _KEYS), "".join(k for _, k in _KEYS))
MIN_SCORE = 3  # zxcvbn's "safely unguessable: moderate protection from an offline attack"
LOCAL_WORDS = ["clinic", "clinicapp", "admin", "administrator", "rpst", "rpsst", "hospital", "nurse", "doctor",
               "moph", "thailand", "bangkok", "password", "รพสต", "อนามัย", "สาธารณสุข"]


def password_problems(password: str, *, user_inputs: list[str] | tuple[str, ...] = ()) -> list[Problem]:
    """Why a staff password is too weak (empty: it is fine). zxcvbn estimates how many guesses
    it takes (dictionaries, keyboard walks, repeats, dates, l33t), on the password as typed and
    as the same keys read on the English layout; the user's own name and the unit's words count
    as known."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_LENGTH:
        return [Problem(None, "password", f"at least {MIN_LENGTH} characters", f"อย่างน้อย {MIN_LENGTH} ตัวอักษร")]
    known = [*LOCAL_WORDS, *(word for word in user_inputs if word)]
    scores = [zxcvbn(candidate[:100], user_inputs=known)
              for candidate in {password, password.translate(KEDMANEE)}]
    weakest = min(scores, key=lambda result: result["score"])
    if weakest["score"] >= MIN_SCORE:
        return []
    hint = weakest["feedback"].get("warning") or "too easy to guess"
    return [Problem(None, "password", f"{hint.rstrip('.')}; use a few unrelated words, or a longer mix",
                    "เดาง่ายเกินไป ใช้หลายคำที่ไม่เกี่ยวกันต่อกัน หรือให้ยาวขึ้นและหลากหลายขึ้น")]


def check_policy(password: str, *, user_inputs: list[str] | tuple[str, ...] = ()) -> None:
    problems = password_problems(password, user_inputs=user_inputs)
    if problems:
        raise InvalidInputError(f"รหัสผ่านเดาง่ายเกินไป ต้องยาวอย่างน้อย {MIN_LENGTH} ตัวอักษร และไม่ใช่คำทั่วไป "
                                "ตัวซ้ำ หรือแป้นเรียงกัน (เช่น ใช้หลายคำที่ไม่เกี่ยวกันต่อกัน)",
                                "The password is too weak: " + problems[0].reason + ".", problems=problems)


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

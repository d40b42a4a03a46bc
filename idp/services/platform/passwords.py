"""Passwords: hashing with argon2id and the rules a new password must meet."""

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import N_, InvalidInput
from .runtime import settings

MIN_PASSWORD_LENGTH = 12


@lru_cache(maxsize=4)
def _hasher_for(memory_kib: int, time_cost: int, parallelism: int) -> tuple[PasswordHasher, str]:
    """argon2id with these parameters, and a hash of a random value under them: verified
    against when the user does not exist, so that an unknown username costs the same time as a
    wrong password (no user enumeration by timing)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    return hasher, hasher.hash("not-a-real-password-0f1e2d3c")


def _hasher() -> tuple[PasswordHasher, str]:
    cfg = settings()
    return _hasher_for(
        cfg.password_hash_memory_kib, cfg.password_hash_time_cost, cfg.password_hash_parallelism
    )


def hash_password(password: str) -> str:
    """An argon2id hash of the password, to store, with the configured parameters."""
    return _hasher()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the stored hash (under the parameters it was made with);
    without a hash the same work is done against a dummy hash, so an unknown username takes
    as long as a wrong password."""
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than the configured ones (it is
    replaced at the person's next login, when the password is at hand)."""
    try:
        return _hasher()[0].check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    words = (line.strip().lower() for line in path.read_text().splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


_COMMON = _common_passwords()
_SEQUENCES = (
    "0123456789012345678901234567890",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "1q2w3e4r5t6y7u8i9o0p",
)


def check_password_rules(password: str, username: str) -> None:
    """NIST SP 800-63B §5.1.1.2: a minimum length, and no common or guessable passwords."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            N_("The password must be at least %(length)s characters"), length=MIN_PASSWORD_LENGTH
        )
    lowered = password.strip().lower()
    if lowered == username.lower() or username.lower() in lowered:
        raise InvalidInput(N_("The password must not contain the username"))
    base = lowered.rstrip("0123456789!@#$%&*?.,-_+ ")
    repeated = any(
        base and lowered == base * (len(lowered) // len(base))
        for base in (lowered[:n] for n in range(1, 5))
        if len(lowered) % len(base) == 0
    )
    if (
        lowered in _COMMON
        or base in _COMMON
        or repeated
        or any(lowered in seq for seq in _SEQUENCES)
    ):
        raise InvalidInput(N_("This password is too common or easy to guess. Choose another."))

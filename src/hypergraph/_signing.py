"""Keyed signatures (HMAC-SHA256) for bytes that hypergraph writes and later trusts.

Pickled data read back from disk can run code when unpickled, so it must come from us: a
:class:`Signer` prefixes a payload with an HMAC tag made with a secret key, and
:meth:`Signer.verify` returns the payload only when the tag matches. Anyone who can write the
storage but does not know the secret can delete or damage entries, never forge one.

The secret is passed in, or :func:`load_or_create_secret` reads it from a file only its owner
can read (``$XDG_CONFIG_HOME/hypergraph/secret``, by default ``~/.config/hypergraph/secret``),
creating it with 32 random bytes on first use. ``purpose`` separates uses of one secret (a
signed cache entry is not a valid checkpoint), and ``bind`` ties a signature to data the blob
does not carry, such as the key it is stored under, so a valid blob moved elsewhere fails.

Usage::

    signer = Signer(load_or_create_secret(), purpose="checkpoint")
    blob = signer.sign(pickle.dumps(state), bind=run_id.encode())
    state = pickle.loads(signer.verify(blob, bind=run_id.encode()))  # BadSignature if forged
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["BadSignature", "Signer", "default_secret_path", "load_or_create_secret"]

_MAGIC = b"hgs1"
_TAG_SIZE = hashlib.sha256().digest_size
_SECRET_BYTES = 32


class BadSignature(ValueError):
    """A blob is not signed, damaged, or signed with another secret, purpose or binding."""


class Signer:
    """Signs and verifies byte strings with HMAC-SHA256 under ``secret`` and ``purpose``.

    Args:
        secret: The key, at least 16 bytes (a ``str`` is UTF-8 encoded).
        purpose: A label mixed into every tag, so blobs signed for one use are rejected by a
            signer made for another one with the same secret.
    """

    __slots__ = ("_key",)

    def __init__(self, secret: bytes | str, purpose: str = "") -> None:
        key = secret.encode() if isinstance(secret, str) else bytes(secret)
        if len(key) < 16:
            raise ValueError(
                f"A signing secret needs at least 16 bytes, got {len(key)}. How to fix: pass a "
                "longer secret, e.g. secrets.token_bytes(32), or leave it out to use the "
                f"per-user secret file {default_secret_path()}."
            )
        # One derived key per purpose: tags for different purposes never coincide.
        self._key = hmac.new(key, b"hypergraph-signing:" + purpose.encode(), "sha256").digest()

    def sign(self, payload: bytes, *, bind: bytes = b"") -> bytes:
        """Return ``payload`` prefixed with a marker and its tag (36 bytes longer)."""
        return _MAGIC + self._tag(payload, bind) + payload

    def verify(self, blob: bytes, *, bind: bytes = b"") -> bytes:
        """Return the payload of ``blob`` if its tag is valid, else raise :class:`BadSignature`.

        ``bind`` must equal the value given to :meth:`sign`.
        """
        header = len(_MAGIC) + _TAG_SIZE
        if not isinstance(blob, bytes) or len(blob) < header or not blob.startswith(_MAGIC):
            raise BadSignature("not a signed blob (missing marker or too short)")
        tag, payload = blob[len(_MAGIC) : header], blob[header:]
        if not hmac.compare_digest(tag, self._tag(payload, bind)):
            raise BadSignature("signature mismatch (damaged, forged or signed with another key)")
        return payload

    def _tag(self, payload: bytes, bind: bytes) -> bytes:
        mac = hmac.new(self._key, len(bind).to_bytes(8, "big"), "sha256")
        mac.update(bind)
        mac.update(payload)
        return mac.digest()

    def __repr__(self) -> str:
        return "Signer(<secret hidden>)"


def default_secret_path() -> Path:
    """``$XDG_CONFIG_HOME/hypergraph/secret``, or ``~/.config/hypergraph/secret``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "hypergraph" / "secret"


def load_or_create_secret(path: str | os.PathLike[str] | None = None) -> bytes:
    """Read the secret in ``path`` (default :func:`default_secret_path`), creating it if absent.

    A new file holds 32 random bytes (hex), is created with mode ``0o600`` in a directory
    created with ``0o700``, and appears atomically, so processes starting together agree on one
    secret. An existing file must belong to the current user and be unreadable by others;
    otherwise ``PermissionError`` says how to fix it.
    """
    target = Path(path) if path is not None else default_secret_path()
    try:
        return _read_secret(target)
    except FileNotFoundError:
        pass
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _create_secret(target)
    return _read_secret(target)


def _read_secret(path: Path) -> bytes:
    with open(path, "rb") as handle:
        if os.name == "posix":
            info = os.fstat(handle.fileno())
            if info.st_uid != os.getuid() or info.st_mode & 0o077:
                raise PermissionError(
                    f"The hypergraph secret file {path} is accessible to other users (mode "
                    f"{info.st_mode & 0o777:o}, owner uid {info.st_uid}), so it cannot protect "
                    f"signed data. How to fix: chmod 600 {path} as its owner, or delete it to "
                    "make a new one (entries signed with the old secret are then recomputed)."
                )
        text = handle.read().strip()
    if len(text) < 32:
        raise PermissionError(
            f"The hypergraph secret file {path} is too short ({len(text)} bytes). How to fix: "
            "delete it; a new one is created on next use."
        )
    return text


def _create_secret(path: Path) -> None:
    """Write a fresh secret to a private temporary file, then link it into place atomically."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_hex(_SECRET_BYTES).encode() + b"\n")
        try:
            os.link(temporary, path)  # fails if another process created it first: keep theirs
        except FileExistsError:
            pass
        except OSError:  # a filesystem without hard links: last writer wins, still private
            os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()

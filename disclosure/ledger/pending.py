"""An uploaded ledger waiting for the clerk's confirmation (the admin import's preview →
confirmation), security finding 6.

The file holds applicants' personal data, so it is kept in a private folder
(``LEDGER_PENDING_DIR``: mode 0700, each file 0600) under a random name, never the shared temp
folder; the name is known to the server and to the clerk's session only, together with the model,
the agency and the options it was previewed for (``remember`` / ``claim``): a confirmation is
honoured only from the session that uploaded the file, for what it previewed. The file is deleted
on confirmation, on cancellation, when the preview finds a problem, and after
``LEDGER_PENDING_MINUTES`` (``purge``: at every preview and by ``manage.py import_purge``).
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings

SESSION_KEY = "ledger_imports"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def folder() -> Path:
    path = Path(settings.LEDGER_PENDING_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # also when it existed already, or the umask narrowed mkdir's mode
    return path


def _path(token: str) -> Path | None:
    return folder() / token if isinstance(token, str) and _TOKEN.fullmatch(token) else None


def save(data: bytes) -> str:
    """Store the file; returns its token (its name in the folder)."""
    token = secrets.token_urlsafe(32)
    fd = os.open(folder() / token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return token


def read(token: str) -> bytes | None:
    path = _path(token)
    try:
        return path.read_bytes() if path else None
    except FileNotFoundError:
        return None


def delete(token: str) -> None:
    path = _path(token)
    if path:
        path.unlink(missing_ok=True)


def purge(*, max_age_seconds: float | None = None) -> int:
    """Delete the files older than ``LEDGER_PENDING_MINUTES`` (or ``max_age_seconds``);
    returns how many."""
    if max_age_seconds is None:
        max_age_seconds = settings.LEDGER_PENDING_MINUTES * 60
    cutoff = time.time() - max_age_seconds
    removed = 0
    for path in folder().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass  # confirmed or purged by another worker meanwhile
    return removed


def remember(session, token: str, **details: Any) -> None:
    """Tie the stored file to the session that uploaded it, with what it was previewed for."""
    now, max_age = time.time(), settings.LEDGER_PENDING_MINUTES * 60
    pending = {
        t: d for t, d in session.get(SESSION_KEY, {}).items() if now - d["stored_at"] <= max_age
    }
    pending[token] = {**details, "stored_at": now}
    session[SESSION_KEY] = pending


def claim(session, token: str, *, model: str) -> dict[str, Any] | None:
    """The details of this session's pending import ``token`` of ``model``, taken out of the
    session (a token is used once); None for another session's token, an expired one (whose
    file is then deleted) or another model's (left as it is)."""
    pending = session.get(SESSION_KEY, {})
    details = pending.get(token) if isinstance(token, str) else None
    if details is None or details.get("model") != model:
        return None
    del pending[token]
    session[SESSION_KEY] = pending
    if time.time() - details["stored_at"] > settings.LEDGER_PENDING_MINUTES * 60:
        delete(token)
        return None
    return details

"""Uploaded files: images and PDFs up to 10 MB, typed by their bytes, stored outside the web root."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.errors import ServiceError

MAX_UPLOAD = 10 * 1024 * 1024
SIGNATURES = [  # content sniffing: the bytes decide, not the file name
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]


@dataclass(frozen=True)
class Stored:
    filename: str  # as the uploader named it (no path)
    content_type: str
    size: int
    key: str  # the random file name on disk


def _sniff(data: bytes) -> str | None:
    kind = next((ct for sig, ct in SIGNATURES if data.startswith(sig)), None)
    if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "image/webp"
    return kind


def store_upload(upload, *, field: str, folder: Path, what: str) -> Stored:
    """Check ``upload`` (size, then type by content) and write it under ``folder`` with a random name.

    ``what`` names the file in messages (e.g. "파일", "증빙 파일"); errors point at form ``field``.
    """
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ServiceError(_("%(what)s은(는) 10MB까지 올릴 수 있습니다.", what=what), field)
    if not data:
        raise ServiceError(_("빈 파일입니다."), field)
    kind = _sniff(data)
    if kind is None:
        raise ServiceError(_("%(what)s은(는) 이미지(PNG, JPEG, GIF, WebP)나 PDF 파일만 올릴 수 있습니다. "
                             "파일 내용이 이름과 다릅니다.", what=what), field)
    key = secrets.token_hex(16)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(data)
    return Stored(Path(upload.filename or "file").name[:200], kind, len(data), key)


def uploads_folder() -> Path:
    return Path(current_app.instance_path) / "uploads"

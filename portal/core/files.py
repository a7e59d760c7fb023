"""Uploaded files: type checked from the content, size limited per field, stored with random names.

Files live under ``PORTAL_DATA_DIR/uploads`` (which may be shared storage between machines).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import gettext as _

from portal.errors import DomainError

SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "pptx": (b"PK\x03\x04",),  # a ZIP; check_upload also looks for the presentation inside
}
MIME = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
KIND_LABELS = {"pdf": "PDF", "png": "PNG", "jpg": "JPG", "pptx": "PPTX"}


@dataclass(frozen=True)
class StoredFile:
    name: str  # random file name under the uploads folder
    original_name: str
    mime: str
    size: int


def uploads_dir() -> Path:
    path = Path(current_app.config["PORTAL_DATA_DIR"]) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sniff(head: bytes) -> str | None:
    """The file kind from its first bytes, or None."""
    for kind, signatures in SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return kind
    return None


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed its checks but is not stored yet (so a refused form stores nothing)."""

    data: bytes
    kind: str
    original_name: str

    def save(self, session=None) -> StoredFile:
        """Write the file under a random name; with a session, the file goes again if it rolls back."""
        name = f"{secrets.token_hex(16)}.{self.kind}"
        (uploads_dir() / name).write_bytes(self.data)
        if session is not None:
            remove_on_rollback(session, [name])
        return StoredFile(name=name, original_name=self.original_name, mime=MIME[self.kind], size=len(self.data))


def check_upload(file_storage, *, field: str, allowed: tuple[str, ...], max_bytes: int) -> CheckedUpload:
    """Check size and type (from the content); raise DomainError naming the field when refused."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise DomainError(_("请上传文件。"), {field: _("请上传文件。")})
    data = file_storage.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        message = _("文件过大：不能超过 %(mb)s MB。", mb=f"{max_bytes / 1024 / 1024:g}")
        raise DomainError(message, {field: message})
    if not data:
        raise DomainError(_("文件是空的。"), {field: _("文件是空的。")})
    kind = sniff(data[:16])
    if kind == "pptx" and not _is_pptx(data):
        kind = None
    if kind not in allowed:
        names = "、".join(KIND_LABELS[k] for k in allowed)
        message = _("文件类型不符：只接受 %(kinds)s 文件（按文件内容判断，不看扩展名）。", kinds=names)
        raise DomainError(message, {field: message})
    if kind in IMAGE_KINDS:
        data = reencode_image(data, kind, field)
    original = clip_name(Path(file_storage.filename.replace("\\", "/")).name)
    return CheckedUpload(data=data, kind=kind, original_name=original)


NAME_LIMIT = 200
IMAGE_KINDS = ("png", "jpg")
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels: any real photo or scan; beyond it, a decompression bomb


def clip_name(name: str, limit: int = NAME_LIMIT) -> str:
    """A file name cut to the limit with its extension kept (报告……很长.pdf stays a .pdf)."""
    if len(name) <= limit:
        return name
    suffix = Path(name).suffix
    if not suffix or len(suffix) > 16:
        return name[:limit]
    return name[: limit - len(suffix)] + suffix


def reencode_image(data: bytes, kind: str, field: str) -> bytes:
    """The image decoded and written again by Pillow (no metadata, nothing but pixels): a file that only
    starts like a PNG or JPEG, or hides something after its image, is refused or cleaned here."""
    import io
    import warnings

    from PIL import Image

    message = _("图片无法读取：请上传完整的 PNG 或 JPG 图片。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise DomainError(_("图片尺寸过大。"), {field: _("图片尺寸过大。")})
                image.load()
                out = io.BytesIO()
                if kind == "png":
                    image.save(out, format="PNG", optimize=False)
                else:
                    image.convert("RGB").save(out, format="JPEG", quality=90)
    except DomainError:
        raise
    except Exception:  # Pillow raises many kinds for a broken or hostile file; all mean the same here
        raise DomainError(message, {field: message}) from None
    return out.getvalue()


def _is_pptx(data: bytes) -> bool:
    """A ZIP holding a PowerPoint presentation (not any ZIP, XLSX or DOCX)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "ppt/presentation.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def upload_path(name: str) -> Path:
    """The path of a stored upload; refuses anything that is not a plain stored name."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise DomainError(_("文件不存在。"))
    return uploads_dir() / name


def remove_upload(name: str | None) -> None:
    if name:
        upload_path(name).unlink(missing_ok=True)


def remove_after_commit(session, names) -> None:
    """Delete stored uploads once the session's transaction commits (kept if it rolls back)."""
    session.info.setdefault("_uploads_to_remove", []).extend(n for n in names if n)


def remove_on_rollback(session, names) -> None:
    """Delete uploads stored during this transaction if it rolls back (kept if it commits)."""
    session.info.setdefault("_uploads_written", []).extend(n for n in names if n)


def _remove_all(names) -> None:
    import contextlib

    for name in names:
        with contextlib.suppress(DomainError, OSError):  # a file already gone must not disturb anything
            remove_upload(name)


def _after_commit(session) -> None:
    session.info.pop("_uploads_written", None)
    _remove_all(session.info.pop("_uploads_to_remove", []))


def _after_rollback(session) -> None:
    session.info.pop("_uploads_to_remove", None)
    _remove_all(session.info.pop("_uploads_written", []))


def _install_listeners() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


_install_listeners()


def check_uploads(files, *, field: str, allowed: tuple[str, ...], max_bytes: int, limit: int) -> list[CheckedUpload]:
    """Check every file of a multiple-file field (type from the content, size); nothing is stored yet."""
    files = [f for f in (files or []) if getattr(f, "filename", "")]
    if len(files) > limit:
        raise DomainError(_("最多上传%(n)d个文件。", n=limit), {field: _("最多上传%(n)d个文件。", n=limit)})
    return [check_upload(f, field=field, allowed=allowed, max_bytes=max_bytes) for f in files]


def send_upload(stored_name: str, mime: str, download_name: str, *, attachment: bool, public: bool = False):
    """Serve a stored upload with its type, its original name (Content-Disposition) and a cache rule:
    public files may be cached, the others never (they are served after a permission check)."""
    path = upload_path(stored_name)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mime, as_attachment=attachment, download_name=download_name)
    response.headers["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response

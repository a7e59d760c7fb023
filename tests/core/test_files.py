"""Uploads: long names keep their extension; images are decoded and written again before anyone is served them."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.core.files import check_upload, clip_name
from portal.errors import DomainError


def image(kind: str, size=(16, 10), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=kind, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "照片.png", allowed=("png", "jpg")):
    return check_upload(FileStorage(io.BytesIO(data), filename=name), field="photo", allowed=allowed, max_bytes=10**7)


def test_a_long_name_is_cut_before_its_extension():
    name = "山东省动力电池回收利用协会" * 30 + ".pdf"
    clipped = clip_name(name)
    assert len(clipped) == 200 and clipped.endswith(".pdf") and clipped.startswith("山东省")
    assert clip_name("短.pdf") == "短.pdf"
    assert clip_name("x" * 300) == "x" * 200  # no extension: cut plainly


def test_the_stored_original_name_keeps_its_extension():
    checked = upload(image("PNG"), name="门头照片" * 80 + ".png")
    assert checked.original_name.endswith(".png") and len(checked.original_name) == 200


def test_a_file_that_only_starts_like_a_png_is_refused():
    with pytest.raises(DomainError) as refused:
        upload(b"\x89PNG\r\n\x1a\n<script>alert(1)</script>")
    assert "图片无法读取" in refused.value.fields["photo"]


def test_what_hides_after_an_image_is_not_kept():
    payload = b"<html><script>alert(document.cookie)</script></html>"
    checked = upload(image("PNG") + payload)
    assert payload not in checked.data
    assert Image.open(io.BytesIO(checked.data)).format == "PNG"


def test_a_jpeg_loses_its_metadata_and_stays_a_jpeg():
    exif = Image.Exif()
    exif[0x010E] = "秘密的描述"  # ImageDescription
    exif[0x8825] = {2: (36, 39, 0)}  # a GPS position
    original = image("JPEG", exif=exif.tobytes())
    checked = upload(original, name="a.jpg")
    decoded = Image.open(io.BytesIO(checked.data))
    assert decoded.format == "JPEG" and not decoded.getexif()
    assert checked.kind == "jpg"


def test_an_image_too_large_to_decode_safely_is_refused():
    huge = image("PNG", size=(8000, 6000))  # 48 megapixels of one colour: a small file
    with pytest.raises(DomainError) as refused:
        upload(huge)
    assert refused.value.fields["photo"] == "图片尺寸过大。"


def test_pdfs_are_stored_as_sent(app):
    from tests.factories import PDF

    assert upload(PDF, name="a.pdf", allowed=("pdf",)).data == PDF

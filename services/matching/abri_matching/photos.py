"""An inventory's photos as Abri keeps them: a JPEG re-encoded from the pixels alone, turned upright, at most
``long_edge_px`` on its long edge, with no metadata at all.

A phone's photo carries where it was taken (EXIF GPS), when, the phone's make and serial, sometimes a
thumbnail of the uncropped picture: none of it is needed to show a stain on a wall, and the place is the
household's home. Rather than removing the tags we know, the picture is decoded and a new file written from
its pixels (Pillow): no EXIF, XMP, IPTC, ICC profile or comment survives, whatever the phone wrote. The
orientation tag is applied to the pixels first, so the photo stays upright without it.

A file that is not a JPEG, PNG or WebP picture, or is larger than the policy allows (bytes, or pixels
before decoding: a decompression bomb), is refused with a reason; nothing is kept of it.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from abri_matching.domain.inventories import InventoryPolicy

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


class PhotoRefused(ValueError):
    """A file that is not kept, with its coded reason."""

    def __init__(self, rule: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.rule = rule
        self.params = params


@dataclass(frozen=True)
class Photo:
    data: bytes
    width: int
    height: int
    sha256: str


def clean_photo(raw: bytes, policy: InventoryPolicy) -> Photo:
    """The photo of ``raw`` as Abri keeps it (see the module), or :class:`PhotoRefused`."""
    if len(raw) > policy.max_upload_bytes:
        raise PhotoRefused("photo_too_large", f"a photo is at most {policy.max_upload_bytes} bytes", max_bytes=policy.max_upload_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as opened:
                if opened.format not in ACCEPTED_FORMATS:
                    raise PhotoRefused("photo_format", "a photo is a JPEG, PNG or WebP picture", format=str(opened.format))
                if opened.width * opened.height > policy.max_pixels:
                    raise PhotoRefused(
                        "photo_too_many_pixels", f"a photo has at most {policy.max_pixels} pixels", max_pixels=policy.max_pixels
                    )
                opened.load()
                upright = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise PhotoRefused("photo_unreadable", "the file is not a picture that can be read") from exc
    pixels = upright.convert("RGB")
    pixels.thumbnail((policy.long_edge_px, policy.long_edge_px), Image.Resampling.LANCZOS)
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)  # a new image: nothing of the original's info dictionary comes along
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=policy.jpeg_quality, optimize=True)
    data = out.getvalue()
    return Photo(data=data, width=clean.width, height=clean.height, sha256=hashlib.sha256(data).hexdigest())

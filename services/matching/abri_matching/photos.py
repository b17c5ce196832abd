"""An inventory's photos as Abri keeps them: a JPEG re-encoded from the pixels alone, turned upright, at most
``long_edge_px`` on its long edge, with no metadata at all.

A phone's photo carries where it was taken (EXIF GPS), when, the phone's make and serial, sometimes a
thumbnail of the uncropped picture: none of it is needed to show a stain on a wall, and the place is the
household's home. Rather than removing the tags we know, the picture is decoded and a new file written from
its pixels (Pillow): no EXIF, XMP, IPTC, ICC profile or comment survives, whatever the phone wrote. The
orientation tag is applied to the pixels first, so the photo stays upright without it.

A file that is not a JPEG, PNG or WebP picture (a phone's JPEG with a second picture, MPO, is one), or is larger
than the policy allows (bytes, or pixels before decoding: a decompression bomb), is refused with a reason;
nothing is kept of it. Only those formats' parsers ever read the file.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import anyio.to_thread
from anyio import CapacityLimiter
from PIL import Image, UnidentifiedImageError

from abri_matching.domain.inventories import InventoryPolicy

Image.init()  # every format plugin registered, so that ``formats`` below may name WebP
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
"""The only parsers that read an upload. Pillow's JPEG parser opens a JPEG with a second picture after it (the HDR
gain map or depth map many phones add) as MPO: its first picture is kept."""
_CLEANINGS = CapacityLimiter(2)
"""Cleanings run in worker threads, two at a time: a large photo is decoded off the event loop, and a burst of
uploads does not hold many decoded pictures in memory at once."""


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


async def cleaned(raw: bytes, policy: InventoryPolicy) -> Photo:
    """:func:`clean_photo` in a worker thread (at most two at a time)."""
    return await anyio.to_thread.run_sync(clean_photo, raw, policy, limiter=_CLEANINGS)


def clean_photo(raw: bytes, policy: InventoryPolicy) -> Photo:
    """The photo of ``raw`` as Abri keeps it (see the module), or :class:`PhotoRefused`. The picture is made small
    before anything else (a JPEG decoded at a reduced scale, ``draft``), so a large photo never sits whole in memory
    more than once; the pixel count is checked before any decoding."""
    if len(raw) > policy.max_upload_bytes:
        raise PhotoRefused("photo_too_large", f"a photo is at most {policy.max_upload_bytes} bytes", max_bytes=policy.max_upload_bytes)
    try:
        with Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS) as opened:
            if opened.width * opened.height > policy.max_pixels:
                raise PhotoRefused("photo_too_many_pixels", f"a photo has at most {policy.max_pixels} pixels", max_pixels=policy.max_pixels)
            orientation = opened.getexif().get(ORIENTATION, 1)
            if opened.format in ("JPEG", "MPO"):
                opened.draft("RGB", (policy.long_edge_px, policy.long_edge_px))  # decoded at 1/2, 1/4 or 1/8 scale
            opened.seek(0)  # an MPO's first picture
            small = opened.convert("RGB")
    except PhotoRefused:
        raise
    except UnidentifiedImageError as exc:
        raise PhotoRefused("photo_format", "a photo is a JPEG, PNG or WebP picture") from exc
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PhotoRefused("photo_unreadable", "the file is not a picture that can be read") from exc
    small.thumbnail((policy.long_edge_px, policy.long_edge_px), Image.Resampling.LANCZOS)
    upright = small.transpose(TURNS[orientation]) if orientation in TURNS else small  # the orientation tag, applied to the pixels
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)  # a new image: nothing of the original's info dictionary comes along
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=policy.jpeg_quality, optimize=True)
    data = out.getvalue()
    return Photo(data=data, width=clean.width, height=clean.height, sha256=hashlib.sha256(data).hexdigest())


ORIENTATION = 0x0112
TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""EXIF orientations and the turn that makes the picture upright (as ``ImageOps.exif_transpose``)."""

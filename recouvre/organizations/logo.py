"""The organization's logo, as letters and statements print it: a PNG or JPEG image, checked and drawn again.

An upload is refused when it is larger than ``MAX_BYTES``, not a PNG or JPEG image (an SVG is refused: it may carry
script), or larger than ``MAX_SOURCE_PIXELS`` on a side (a small file that would unpack into a huge image). What is
kept is never the uploaded file: the image is decoded, reduced to fit ``MAX_SIZE`` and encoded again as a PNG, so
nothing but its pixels (no metadata, no trailing bytes) reaches the documents."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 1024 * 1024
MAX_SOURCE_PIXELS = 5000
MAX_SIZE = (600, 240)
FORMATS = {"PNG", "JPEG"}


def clean_logo(data: bytes) -> bytes:
    """The PNG kept for an uploaded logo; ``ValidationError`` saying why it is refused."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s KB; at most %(max)s KB are accepted.")
            % {"size": (len(data) + 1023) // 1024, "max": MAX_BYTES // 1024}
        )
    if not data:
        raise ValidationError(_("The logo file is empty."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise ValidationError(_("The logo must be a PNG or JPEG image (SVG and other formats are refused)."))
            width, height = image.size
            if width > MAX_SOURCE_PIXELS or height > MAX_SOURCE_PIXELS:
                raise ValidationError(
                    _("The logo is %(width)s × %(height)s pixels; at most %(max)s pixels a side are accepted.")
                    % {"width": width, "height": height, "max": MAX_SOURCE_PIXELS}
                )
            image.load()
            picture = image.convert("RGBA")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The logo must be a PNG or JPEG image (SVG and other formats are refused).")) from exc
    picture.thumbnail(MAX_SIZE)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()

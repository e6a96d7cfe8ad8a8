# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Thumbnails of customers' images and stickers with Pillow, in bounded memory. Pure: no ORM.

A compressed image says nothing about the memory its pixels need: a 5 MB PNG can decode to
gigabytes (30,000 x 30,000). So the dimensions are read from the header and judged *before* any
pixel is decoded; JPEGs are decoded at a reduced scale (``draft``: libjpeg skips the detail a
thumbnail would throw away); animated WebP/GIF stickers give their first frame. Odoo's
``image_process`` is not used: it returns WebP unchanged.
"""

import io

from PIL import Image, ImageOps, WebPImagePlugin  # noqa: F401 - registers WebP for save()

# 500 rather than 512: 4000 x 3000 (and 4032 x 3024) phone photos then decode at 1/8 scale, right at
# thumbnail size.
THUMBNAIL_SIZE = (500, 500)
# Pixels we agree to decode. Full decode costs 4 bytes/pixel (RGBA); a progressive JPEG keeps its
# whole coefficient buffer (~6 bytes/pixel) whatever the draft scale. 20 MP covers phone photos
# (12 MP; WhatsApp's "HD" images are at most 4096 px wide) and bounds a decode to ~120 MB.
MAX_PIXELS = 20_000_000
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
WEBP_QUALITY = 80
# libwebp effort 0-6: 2 is ~5x faster than the default 4 for a few percent more bytes on a 512 px image.
WEBP_METHOD = 2
THUMBNAIL_MIMETYPE = "image/webp"


class ThumbnailError(Exception):
    """The image cannot (or must not) be decoded: the original is kept, without a preview."""


def make_thumbnail(source, size=THUMBNAIL_SIZE, max_pixels=MAX_PIXELS):
    """WebP bytes of a thumbnail fitting in ``size``, from image bytes or a binary file object.

    :return: ``(data, (width, height))`` where width/height are the *original* dimensions
    :raise ThumbnailError: unknown format, too many pixels, or a file Pillow cannot decode
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        # open() reads the header only. Pillow's own bomb check (MAX_IMAGE_PIXELS) may raise here.
        with Image.open(stream, formats=sorted(ACCEPTED_FORMATS)) as image:
            width, height = image.size
            if width < 1 or height < 1 or width * height > max_pixels:
                raise ThumbnailError(f"{width}x{height} pixels is more than we decode ({max_pixels})")
            if image.format == "JPEG":
                # libjpeg decodes at 1/2, 1/4 or 1/8 scale, the smallest not below what we ask: ask for
                # the thumbnail's own dimensions (its aspect ratio), not the bounding box.
                ratio = min(size[0] / width, size[1] / height, 1)
                image.draft("RGB", (max(1, round(width * ratio)), max(1, round(height * ratio))))
            image.seek(0)  # first frame of an animation
            frame = ImageOps.exif_transpose(image)
            frame.thumbnail(size, Image.Resampling.BICUBIC)
            if frame.mode not in ("RGB", "RGBA"):
                frame = frame.convert("RGBA" if _has_alpha(frame) else "RGB")
            output = io.BytesIO()
            frame.save(output, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
            return output.getvalue(), (width, height)
    except ThumbnailError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ThumbnailError(f"decompression bomb refused: {error}") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        # Pillow reports truncated or corrupt data as OSError/SyntaxError/ValueError.
        raise ThumbnailError(f"not a decodable image ({type(error).__name__})") from None


def _has_alpha(image):
    return image.mode in ("LA", "PA", "RGBA") or (image.mode == "P" and "transparency" in image.info)

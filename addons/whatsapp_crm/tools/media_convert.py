# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Conversions of attendants' files into what WhatsApp accepts. Pure: no ORM, no I/O but memory.

- images Meta refuses (WebP, GIF, HEIC, BMP, TIFF, anything over 5 MB) → JPEG within the limit,
  with Pillow (HEIC is decoded by FFmpeg through PyAV, Pillow 9.4 cannot);
- voice notes (Discuss records MP3) → OGG/Opus, 48 kHz mono, 32 kbit/s, ``application=voip``:
  WhatsApp shows a *voice note* (waveform, "recorded") only for OGG/Opus sent with ``voice: true``;
- audio Meta refuses (WAV, WebM, OGG/Vorbis, FLAC…) → OGG/Opus;
- video that is not H.264/AAC in MP4 → H.264/AAC MP4 (``faststart``).

PyAV (``av``, whose wheels bundle FFmpeg) is optional: imported with a guard, so the addon installs
without it; :func:`av_available` tells the callers, who then refuse (video) or fall back (voice).
Every conversion runs in the outbound job, never in an HTTP request.
"""

import io
import logging
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction

from PIL import Image, ImageOps

try:
    import av
except ImportError:  # optional: see the module docstring
    av = None

_logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# Pixels we agree to decode for a conversion (4 bytes each in RGBA): 50 MP bounds it to ~200 MB.
MAX_IMAGE_PIXELS = 50_000_000
# WhatsApp's "HD" photos are at most 4096 px on their long side; larger only costs bytes.
MAX_IMAGE_SIDE = 4096
JPEG_QUALITIES = (88, 80, 70, 60)
CONVERTIBLE_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")

VOICE_RATE = 48000
VOICE_BIT_RATE = 32000
AUDIO_BIT_RATE = 96000
# A transcode costs CPU on a shared worker: longer media are refused rather than converted.
MAX_AUDIO_SECONDS = 30 * 60
MAX_VIDEO_SECONDS = 10 * 60
VIDEO_MAX_HEIGHT = 720
VIDEO_CRF = 28
VIDEO_AUDIO_BIT_RATE = 96000
MP4_FAMILY = frozenset({"mov", "mp4", "m4a", "3gp", "3g2", "mj2"})


class ConversionError(Exception):
    """The file cannot be converted (unreadable, too long, too big after conversion, no PyAV)."""


@dataclass(frozen=True)
class MediaProbe:
    """What FFmpeg reads in a container: enough to decide whether WhatsApp takes it as it is."""

    container: frozenset
    video_codec: str | None
    audio_codec: str | None
    audio_streams: int
    duration: float | None
    width: int = 0
    height: int = 0

    @property
    def whatsapp_video_ready(self):
        """MP4/3GP holding H.264 video and AAC audio (or no audio): Meta's only accepted video."""
        return (bool(self.container & MP4_FAMILY) and self.video_codec == "h264"
                and self.audio_codec in (None, "aac") and self.audio_streams <= 1)


def av_available():
    return av is not None


def _require_av():
    if av is None:
        raise ConversionError("PyAV (the 'av' Python package) is not installed on this server")


def _open(data):
    _require_av()
    try:
        return av.open(io.BytesIO(data), "r")
    except (av.error.FFmpegError, ValueError) as error:
        raise ConversionError(f"unreadable media ({type(error).__name__})") from None


# ------------------------------------------------------------
# Probing
# ------------------------------------------------------------

def probe(data):
    """:class:`MediaProbe` of audio/video bytes; raise :class:`ConversionError` if unreadable."""
    with _open(data) as container:
        video = next(iter(container.streams.video), None)
        audios = list(container.streams.audio)
        duration = container.duration / av.time_base if container.duration else None
        if duration is None and audios and audios[0].duration and audios[0].time_base:
            duration = float(audios[0].duration * audios[0].time_base)
        return MediaProbe(
            container=frozenset((container.format.name or "").split(",")),
            video_codec=video.codec_context.name if video else None,
            audio_codec=audios[0].codec_context.name if audios else None,
            audio_streams=len(audios),
            duration=float(duration) if duration is not None else None,
            width=video.codec_context.width if video else 0,
            height=video.codec_context.height if video else 0,
        )


def is_ogg_opus(data):
    """An Ogg stream whose first packet is an Opus header (Meta takes no other OGG)."""
    return data[:4] == b"OggS" and b"OpusHead" in data[:64]


def audio_duration(data):
    """Seconds of audio, decoded to the last sample (a container's header may be absent or lie)."""
    with _open(data) as container:
        stream = next(iter(container.streams.audio), None)
        if stream is None:
            raise ConversionError("no audio stream")
        samples, rate = 0, None
        for frame in container.decode(stream):
            samples += frame.samples
            rate = frame.sample_rate
        return samples / rate if rate else 0.0


# ------------------------------------------------------------
# Audio
# ------------------------------------------------------------

def to_ogg_opus(data, *, voice=True, max_seconds=MAX_AUDIO_SECONDS):
    """OGG/Opus bytes of any audio FFmpeg decodes.

    ``voice``: mono 32 kbit/s tuned for speech (``voip``), what WhatsApp's own voice notes are;
    otherwise up to stereo at 96 kbit/s (``audio``), for music or recordings sent as files.
    """
    with _open(data) as source:
        stream = next(iter(source.streams.audio), None)
        if stream is None:
            raise ConversionError("no audio stream")
        layout = "mono" if voice or stream.codec_context.channels < 2 else "stereo"
        output_buffer = io.BytesIO()
        with av.open(output_buffer, "w", format="ogg") as output:
            encoder = output.add_stream("libopus", rate=VOICE_RATE, layout=layout)
            encoder.bit_rate = VOICE_BIT_RATE if voice else AUDIO_BIT_RATE
            # libopus effort 0-10: 5 costs a quarter less CPU than the default 10 for speech that sounds
            # the same at 32 kbit/s (measured: 60 s in ~0.9 s instead of ~1.3 s of CPU on a loaded core).
            encoder.options = {"application": "voip", "compression_level": "5"} if voice else {"application": "audio"}
            resampler = av.AudioResampler(format=encoder.codec_context.format, layout=layout, rate=VOICE_RATE)
            samples = 0
            try:
                for frame in source.decode(stream):
                    samples += frame.samples
                    if samples > max_seconds * (frame.sample_rate or VOICE_RATE):
                        raise ConversionError(f"longer than {max_seconds} s")
                    frame.pts = None  # let the resampler/encoder number the output
                    for resampled in resampler.resample(frame):
                        output.mux(encoder.encode(resampled))
                for resampled in resampler.resample(None):
                    output.mux(encoder.encode(resampled))
                output.mux(encoder.encode(None))
            except av.error.FFmpegError as error:
                raise ConversionError(f"audio conversion failed ({type(error).__name__})") from None
        if not samples:
            raise ConversionError("no audio in the file")
    result = output_buffer.getvalue()
    if not is_ogg_opus(result):
        raise ConversionError("the encoder did not produce OGG/Opus")
    return result


# ------------------------------------------------------------
# Video
# ------------------------------------------------------------

def to_mp4(data, *, max_bytes=16 * MIB, max_seconds=MAX_VIDEO_SECONDS):
    """H.264 (yuv420p, at most 720 p) + AAC in MP4 with the index first (``faststart``)."""
    info = probe(data)
    if info.video_codec is None:
        raise ConversionError("no video stream")
    if info.duration and info.duration > max_seconds:
        raise ConversionError(f"longer than {max_seconds} s ({info.duration:.0f} s)")
    with _open(data) as source:
        video_in = source.streams.video[0]
        audio_in = next(iter(source.streams.audio), None)
        width, height = video_in.codec_context.width, video_in.codec_context.height
        if height > VIDEO_MAX_HEIGHT:
            width, height = round(width * VIDEO_MAX_HEIGHT / height), VIDEO_MAX_HEIGHT
        width, height = max(2, width - width % 2), max(2, height - height % 2)  # yuv420p needs even sizes
        rate = video_in.average_rate or video_in.guessed_rate or Fraction(30)
        rate = min(Fraction(rate), Fraction(60))
        # faststart rewrites the file to put its index first: it needs a real file, not a buffer.
        workdir = tempfile.TemporaryDirectory(prefix="whatsapp-video-")
        path = os.path.join(workdir.name, "out.mp4")
        output = av.open(path, "w", format="mp4", options={"movflags": "faststart"})
        try:
            video_out = output.add_stream("libx264", rate=rate)
            video_out.width, video_out.height, video_out.pix_fmt = width, height, "yuv420p"
            video_out.options = {"preset": "veryfast", "crf": str(VIDEO_CRF)}
            audio_out = resampler = None
            if audio_in is not None:
                audio_out = output.add_stream("aac", rate=44100, layout="stereo")
                audio_out.bit_rate = VIDEO_AUDIO_BIT_RATE
                resampler = av.AudioResampler(format=audio_out.codec_context.format, layout="stereo", rate=44100)
            streams = [video_in] + ([audio_in] if audio_in is not None else [])
            frames, written = 0, 0

            def mux(packets):
                nonlocal written
                output.mux(packets)
                written += sum(packet.size for packet in packets)
                if written > max_bytes:
                    raise ConversionError(f"larger than {max_bytes // MIB} MB once converted")

            try:
                for packet in source.demux(*streams):
                    for frame in packet.decode():
                        if packet.stream.type == "video":
                            frame = frame.reformat(width=width, height=height, format="yuv420p")
                            frame.pts = frames
                            frame.time_base = 1 / rate
                            frames += 1
                            mux(video_out.encode(frame))
                        else:
                            frame.pts = None
                            for resampled in resampler.resample(frame):
                                mux(audio_out.encode(resampled))
                mux(video_out.encode(None))
                if audio_out is not None:
                    for resampled in resampler.resample(None):
                        mux(audio_out.encode(resampled))
                    mux(audio_out.encode(None))
            except av.error.FFmpegError as error:
                raise ConversionError(f"video conversion failed ({type(error).__name__})") from None
            output.close()
            with open(path, "rb") as converted:
                result = converted.read()
        finally:
            output.close()
            workdir.cleanup()
    if len(result) > max_bytes:
        raise ConversionError(f"larger than {max_bytes // MIB} MB once converted ({len(result) / MIB:.1f} MB)")
    return result


# ------------------------------------------------------------
# Images
# ------------------------------------------------------------

def image_size(data):
    """``(width, height)`` read from the header only (no pixel decoded); ConversionError if unreadable."""
    try:
        with Image.open(io.BytesIO(data), formats=CONVERTIBLE_IMAGE_FORMATS) as image:
            return image.size
    except Image.DecompressionBombError:
        raise ConversionError("too many pixels") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        pass
    # HEIC/HEIF (iPhone photos): FFmpeg reads the size from the container.
    info = probe(data)
    if not info.width:
        raise ConversionError("not a readable image")
    with _open(data) as container:
        if len(container.streams.video) != 1:
            raise ConversionError("HEIC photo made of tiles: not converted here")
    return info.width, info.height


def to_jpeg(data, *, max_bytes=5 * MIB, max_pixels=MAX_IMAGE_PIXELS, max_side=MAX_IMAGE_SIDE):
    """JPEG bytes of an image (its first frame), transparency flattened on white, at most
    ``max_side`` px and ``max_bytes``: lower quality first, then smaller, until it fits."""
    width, height = image_size(data)
    if width * height > max_pixels:
        raise ConversionError(f"{width}x{height} pixels is more than we convert ({max_pixels})")
    try:
        image = _decode_image(data)
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            flattened = Image.new("RGB", rgba.size, (255, 255, 255))
            flattened.paste(rgba, mask=rgba.getchannel("A"))
            image = flattened
        elif image.mode != "RGB":
            image = image.convert("RGB")
        if max(image.size) > max_side:
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        while True:
            for quality in JPEG_QUALITIES:
                output = io.BytesIO()
                image.save(output, "JPEG", quality=quality, optimize=True)
                if output.tell() <= max_bytes:
                    return output.getvalue()
            if min(image.size) < 64:
                raise ConversionError("cannot fit the image in the size limit")
            image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.Resampling.LANCZOS)
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        raise ConversionError(f"not a decodable image ({type(error).__name__})") from None


def _decode_image(data):
    try:
        image = Image.open(io.BytesIO(data), formats=CONVERTIBLE_IMAGE_FORMATS)
        image.seek(0)  # first frame of an animation
        image.load()
        return image
    except (OSError, ValueError, SyntaxError, EOFError):
        pass
    with _open(data) as container:  # HEIC/HEIF
        streams = list(container.streams.video)
        if len(streams) != 1:
            # iPhones store a photo as a grid of tiles, one stream each: decoding one would send a
            # fragment of the picture. Refused rather than sent wrong.
            raise ConversionError("HEIC photo made of tiles: not converted here" if streams else "not a readable image")
        stream = streams[0]
        try:
            frame = next(container.decode(stream))
        except (StopIteration, av.error.FFmpegError):
            raise ConversionError("not a readable image") from None
        return frame.to_image()

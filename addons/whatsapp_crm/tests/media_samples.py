"""Synthetic media for the outbound media tests and benchmarks, made with PyAV and Pillow (no numpy).

A "voice" is a 48 kHz mono signal whose pitch and loudness move like speech, encoded as Discuss's
recorder encodes it (MP3, 128 kbit/s, mono, lamejs).
"""
import array
import base64
import io
import math

from PIL import Image, ImageDraw

try:
    import av
except ImportError:
    av = None

RATE = 48000
# A 64 x 48 red HEIC (one HEVC image, as cameras other than the iPhone's tiled ones store photos),
# written by libheif through pillow-heif 1.8.1.
HEIC_RED = base64.b64decode(
    "AAAAHGZ0eXBoZWljAAAAAG1pZjFoZWljbWlhZgAAAX1tZXRhAAAAAAAAACFoZGxyAAAAAAAAAABwaWN0AAAAAAAAAAAAAAAAAAAAACJp"
    "bG9jAAAAAERAAAEAAQAAAAABoQABAAAAAAAAAB0AAAAjaWluZgAAAAAAAQAAABVpbmZlAgAAAAABAABodmMxAAAAAA5waXRtAAAAAAAB"
    "AAAA/WlwcnAAAADdaXBjbwAAAHZodmNDAQNwAAAAkAAAAAAAHvAA/P34+AAADwNgAAEAGEABDAH//wNwAAADAJAAAAMAAAMAHroCQGEA"
    "AQAqQgEBA3AAAAMAkAAAAwAAAwAeoCCBBZbq5Ka5uAhoMCAAAAMDIAAAAwAhYgABAAZEAcFzwIkAAAATY29scm5jbHgAAQANAAaAAAAA"
    "FGlzcGUAAAAAAAAAQAAAAEAAAAAoY2xhcAAAAEAAAAABAAAAMAAAAAEAAAAAAAAAAv////AAAAACAAAAEHBpeGkAAAAAAwgICAAAABhp"
    "cG1hAAAAAAAAAAEAAQWBAgMFhAAAACVtZGF0AAAAGSgBrxOA9SeBP//gpUf/utZ4fg8Lfnny1PA=")


def _voice_samples(seconds, rate=RATE):
    """16-bit samples of a wobbling tone with syllable-like bursts."""
    samples = array.array("h")
    phase = 0.0
    for index in range(int(seconds * rate)):
        t = index / rate
        frequency = 160 + 60 * math.sin(2 * math.pi * 3 * t)
        phase += 2 * math.pi * frequency / rate
        envelope = 0.3 + 0.7 * abs(math.sin(2 * math.pi * 2.5 * t))
        samples.append(int(9000 * envelope * math.sin(phase)))
    return samples


def encode_audio(seconds, codec="libmp3lame", container="mp3", bit_rate=128000, rate=RATE):
    """Bytes of ``seconds`` of the synthetic voice in ``codec``/``container``."""
    samples = _voice_samples(seconds, rate)
    output_buffer = io.BytesIO()
    with av.open(output_buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, layout="mono")
        stream.bit_rate = bit_rate
        _mux_samples(output, stream, samples, rate)
    return output_buffer.getvalue()


def _mux_samples(output, stream, samples, rate=RATE, chunk=1024):
    """Encode 16-bit mono ``samples`` into ``stream`` of ``output``, then flush the encoder."""
    resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=stream.codec_context.rate)
    for start in range(0, len(samples), chunk):
        piece = samples[start:start + chunk]
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(piece))
        frame.planes[0].update(piece.tobytes())
        frame.sample_rate = rate
        frame.pts = start
        for resampled in resampler.resample(frame):
            output.mux(stream.encode(resampled))
    for resampled in resampler.resample(None):
        output.mux(stream.encode(resampled))
    output.mux(stream.encode(None))


def voice_mp3(seconds=5.0):
    """What Discuss's voice recorder uploads: MP3 128 kbit/s mono 48 kHz."""
    return encode_audio(seconds)


def encode_video(seconds=1.0, codec="mpeg4", container="avi", size=(320, 240), fps=10, audio=True):
    """A small moving-picture video (coloured frames), with a tone when ``audio``."""
    output_buffer = io.BytesIO()
    with av.open(output_buffer, "w", format=container) as output:
        video = output.add_stream(codec, rate=fps)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        audio_stream = None
        if audio:
            audio_codec = "aac" if container in ("mp4", "mov") else "libopus" if container == "webm" else "mp2"
            audio_stream = output.add_stream(audio_codec, rate=RATE, layout="mono")
        for index in range(int(seconds * fps)):
            image = Image.new("RGB", size, (index * 20 % 255, 80, 160))
            ImageDraw.Draw(image).rectangle([index * 5 % size[0], 20, index * 5 % size[0] + 40, 60], fill="white")
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        if audio_stream is not None:
            _mux_samples(output, audio_stream, _voice_samples(seconds))
    return output_buffer.getvalue()


def mp4_h264(seconds=1.0):
    return encode_video(seconds, codec="libx264", container="mp4")


def image_bytes(fmt="PNG", size=(64, 48), mode="RGB", color=(200, 30, 30), **save):
    image = Image.new(mode, size, color if mode != "RGBA" else (*color[:3], 128))
    output = io.BytesIO()
    image.save(output, fmt, **save)
    return output.getvalue()


def noisy_png(min_bytes):
    """A PNG of at least ``min_bytes`` (noise does not compress), with an alpha channel."""
    side = int(math.sqrt(min_bytes / 3.2)) + 16
    noise = Image.effect_noise((side, side), 120).convert("L")
    image = Image.merge("RGBA", (noise, noise.rotate(90), noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                                 Image.new("L", (side, side), 255)))
    output = io.BytesIO()
    image.save(output, "PNG", compress_level=1)
    data = output.getvalue()
    assert len(data) >= min_bytes, len(data)
    return data


def ogg_page_has_opus_head(data):
    return data[:4] == b"OggS" and b"OpusHead" in data[:64]

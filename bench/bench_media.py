"""Media benchmarks: thumbnails in isolation, and image webhooks end to end against a real Odoo server
started by the e2e harness (package wacrm_harness) with the Meta sandbox in process.

    /var/tmp/whatsapp_crm/venv/bin/python bench/bench_media.py            # ~2 minutes
    ... bench/bench_media.py --images 40 --storage filestore,s3            # see --help

(1) thumbnail of a 12 MP JPEG: time per thumbnail (draft mode), and the peak memory it adds, measured
    in a fresh subprocess (VmHWM reset before the call; Pillow's buffers are C allocations that
    tracemalloc does not see, and ru_maxrss carries the parent's peak over fork).
(2) image webhook → thumbnail visible: a ~5 MB JPEG sent by a simulated customer; from the signed POST
    to the moment the media row is `stored` with its attachment linked (the same transaction sends the
    bus notification that shows it in Discuss). One image at a time; p50/p95/max.
(3) ack latency of the image webhooks next to text webhooks of the same run (interleaved): the media
    download is asynchronous, so both should answer alike.
Figures are printed and saved as JSON in bench/results/.
"""

import argparse
import datetime
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(PROJECT_DIR / "addons" / "whatsapp_crm" / "tests"))

from PIL import Image, ImageFilter  # noqa: E402
from s3_server import S3Server  # noqa: E402 - the tests' helper: s3rver on a free port

import wacrm_harness as harness  # noqa: E402
from wacrm_harness import Stack, WebhookClient, encode_payload, percentile, rpc, signature, wait_until  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
THUMBNAILS_PY = PROJECT_DIR / "addons" / "whatsapp_crm" / "tools" / "thumbnails.py"
FIVE_MB = 5_000_000


def summary(values):
    ordered = sorted(values)
    if not ordered:
        return {"count": 0}
    return {"count": len(ordered), "min_ms": round(ordered[0] * 1000, 1),
            "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
            "p95_ms": round(percentile(ordered, 0.95) * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}


def photo_jpeg(width, height, target_bytes=None):
    """A photo-like JPEG (gradients and grain, not pure noise); with ``target_bytes``, the highest
    quality that stays under it."""
    base = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 40).filter(ImageFilter.GaussianBlur(0.6))
    image = Image.merge("RGB", (base, grain, base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    best = None
    for quality in (98, 96, 94, 92, 90, 88, 85, 80, 75, 70, 60, 50):
        output = io.BytesIO()
        image.save(output, "JPEG", quality=quality)
        best = output.getvalue()
        if target_bytes is None or len(best) <= target_bytes:
            break
    return best


# ------------------------------------------------------------
# (1) thumbnails
# ------------------------------------------------------------

# Probe scripts' common part: reset the process's peak RSS (VmHWM), then note the baseline. Pillow's and
# FFmpeg's buffers are C allocations that tracemalloc does not see.
PEAK_RESET = r"""
def status_kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
baseline = status_kib("VmRSS")
"""
MEMORY_PROBE = r"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("thumbnails", sys.argv[1])
thumbnails = importlib.util.module_from_spec(spec); spec.loader.exec_module(thumbnails)
data = open(sys.argv[2], "rb").read()
thumbnails.make_thumbnail(data)  # warm-up: imports, codecs
""" + PEAK_RESET + r"""
thumbnails.make_thumbnail(data)
print(baseline, status_kib("VmHWM"))
"""


def bench_thumbnails(runs):
    spec = importlib.util.spec_from_file_location("thumbnails", THUMBNAILS_PY)
    thumbnails = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(thumbnails)
    data = photo_jpeg(4000, 3000, target_bytes=FIVE_MB)  # a phone photo as WhatsApp accepts it (≤ 5 MB)
    thumbnails.make_thumbnail(data)  # warm-up
    timings, cpu_timings = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        thumbnails.make_thumbnail(data)
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu_started)
    with tempfile.NamedTemporaryFile(suffix=".jpg") as file:
        file.write(data)
        file.flush()
        output = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(THUMBNAILS_PY), file.name],  # noqa: S603
                                capture_output=True, text=True, check=True).stdout.split()
    baseline, peak = (int(value) for value in output)
    return {
        "image": f"4000x3000 JPEG (12 MP), {len(data) / 1e6:.1f} MB",
        "thumbnail": "500 px WebP",
        "time": summary(timings),
        "cpu_time": summary(cpu_timings),  # what the thumbnail costs, whatever else runs on the machine
        "peak_memory_added_mb": round((peak - baseline) / 1024, 1),
        "process_peak_rss_mb": round(peak / 1024, 1),
    }


# ------------------------------------------------------------
# (2) and (3): end to end
# ------------------------------------------------------------

def media_state(stack, wamid):
    return stack.probe.rows("""
        SELECT m.state, m.attachment_id IS NOT NULL FROM whatsapp_media m
          JOIN whatsapp_message w ON w.id = m.message_id WHERE w.wamid = %s""", [wamid])


def use_s3(stack):
    server = S3Server().start()
    for key, value in server.config_parameters().items():
        rpc(stack.server, "ir.config_parameter", "set_param", key, value)
    return server


def bench_end_to_end(storage, images, image_bytes):
    with Stack(mode="threaded", label=f"media_{storage}") as stack:
        s3 = use_s3(stack) if storage == "s3" else None
        try:
            customer = stack.customer(harness.unique_wa_id(f"media-{storage}"), "Bench Media")
            client = WebhookClient(stack.server)
            # Warm-up: first conversation, first download, first thumbnail.
            warm = customer.image(data=image_bytes, send=False)
            client.post(encode_payload(warm.payload))
            wait_until(lambda: media_state(stack, warm.wamid) == [("stored", True)], 120, interval=0.05,
                       message="warm-up image stored")
            visible, image_acks, text_acks, failures = [], [], [], 0
            for index in range(images):
                text = customer.text(f"texto {index}", send=False)
                body = encode_payload(text.payload)
                status, latency = client.post(body, sig=signature(body))
                text_acks.append(latency)
                failures += status != 200
                delivery = customer.image(data=image_bytes, caption=f"foto {index}", send=False)
                body = encode_payload(delivery.payload)
                started = time.perf_counter()
                status, latency = client.post(body, sig=signature(body))
                image_acks.append(latency)
                failures += status != 200
                wait_until(lambda wamid=delivery.wamid: media_state(stack, wamid) == [("stored", True)], 60,
                           interval=0.005, message=f"image {index} stored")
                visible.append(time.perf_counter() - started)
            client.close()
        finally:
            if s3:
                s3.close()
    return {
        "server": "threaded (--workers=0 --max-cron-threads=3, as `make run`)",
        "storage": storage,
        "image": f"{len(image_bytes) / 1e6:.2f} MB JPEG (3600x2700)",
        "webhook_to_thumbnail_visible": summary(visible),
        "ack_image_webhook": summary(image_acks),
        "ack_text_webhook": summary(text_acks),
        "failed_posts": failures,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=20, help="images per storage backend (default 20)")
    parser.add_argument("--thumbnail-runs", type=int, default=30)
    parser.add_argument("--storage", default="filestore", help="filestore,s3 (s3 needs s3rver, see scripts)")
    args = parser.parse_args()
    results = {"started_at": datetime.datetime.now().isoformat(timespec="seconds"),
               "machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()}}
    results["thumbnail_12mp"] = bench_thumbnails(args.thumbnail_runs)
    image_bytes = photo_jpeg(3600, 2700, target_bytes=FIVE_MB)
    for storage in args.storage.split(","):
        results[f"end_to_end_{storage}"] = bench_end_to_end(storage, args.images, image_bytes)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"media-{results['started_at'].replace(':', '').replace('-', '')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    thumb = results["thumbnail_12mp"]
    print(f"\nthumbnail 12 MP ({thumb['image']}): p50 {thumb['time']['p50_ms']} ms, p95 {thumb['time']['p95_ms']} ms "
          f"(CPU p50 {thumb['cpu_time']['p50_ms']} ms; target ≤ 50), "
          f"peak memory +{thumb['peak_memory_added_mb']} MB (target ≤ 150)")
    print(f"machine: {os.cpu_count()} CPUs, load average before the run {results['machine']['loadavg_before']}")
    for storage in args.storage.split(","):
        e2e = results[f"end_to_end_{storage}"]
        print(f"{storage}: webhook → thumbnail visible p95 {e2e['webhook_to_thumbnail_visible']['p95_ms']} ms "
              f"(target ≤ 2000); ack p95 image {e2e['ack_image_webhook']['p95_ms']} ms, "
              f"text {e2e['ack_text_webhook']['p95_ms']} ms")
    print(f"saved: {path.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    main()

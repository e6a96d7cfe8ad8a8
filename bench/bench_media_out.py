"""Outbound media benchmark: an attendant sends a file in a WhatsApp conversation, timed until the Graph
`messages` call reaches the Meta sandbox; against a real threaded Odoo server (the `make run` configuration)
started by the e2e harness (harness/wacrm_harness), with the sandbox in process.

    /var/tmp/whatsapp_crm/venv/bin/python bench/bench_media_out.py              # ~2 minutes
    ... bench/bench_media_out.py --photos 20 --voices 10                          # see --help

(1) a 2 MB photo (JPEG, sent as it is): from the attendant's `message_post` (JSON-RPC, the composer's "send";
    the file was uploaded to Odoo when attached, as the composer does) to the sandbox accepting the `messages`
    call: enqueue and commit, the send job's wake-up, the upload (`POST /{phone-number-id}/media`, multipart),
    the send. Every photo differs (the upload cannot be reused).
(2) the same photo sent again: Meta's media id is reused, no upload.
(3) a 60 s voice note (Discuss's recorder: MP3 128 kbit/s mono): the same path plus the MP3 → OGG/Opus conversion.
(4) the conversion alone, in a fresh subprocess: CPU time and the peak memory it adds (VmHWM reset before the call),
    for the 60 s voice note and for a 5.5 MB PNG made into a JPEG within 5 MB.
Each latency is also given as a ratio to the p50 of `GET /web/health` on the same server in the same run.
Prints a table and saves bench/results/media-out-<time>.json (and media-out-latest.json).
"""

import argparse
import base64
import datetime
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(PROJECT_DIR / "addons" / "whatsapp_crm" / "tests"))

import media_samples  # noqa: E402 - synthetic voice and images (PyAV, Pillow)
from bench_media import PEAK_RESET, photo_jpeg  # noqa: E402
from bench_queue import AdminXmlRpc, JsonRpcSession, clear_foreign_cron_triggers, create_attendant  # noqa: E402

import wacrm_harness as harness  # noqa: E402
from bench import cpu_summary, latency_row, summary  # noqa: E402
from wacrm_harness import CpuMeter, Stack, wait_until  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
TOOLS_DIR = PROJECT_DIR / "addons" / "whatsapp_crm" / "tools"
MIB = 1024 * 1024


def unique_jpeg(base, index):
    """The same picture with a distinct JPEG comment: different bytes, so no upload is reused."""
    comment = f"bench {index} {time.time_ns()}".encode()
    return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:]


class SendClock:
    """When the sandbox accepted each send (its listener runs in the sandbox's request thread)."""

    def __init__(self, sandbox):
        self.events = []
        self.condition = threading.Condition()
        sandbox.state.add_listener(self.on_sent)

    def on_sent(self, sent):
        with self.condition:
            self.events.append((time.perf_counter(), sent))
            self.condition.notify_all()

    def wait_next(self, count, timeout=120):
        with self.condition:
            if not self.condition.wait_for(lambda: len(self.events) > count, timeout):
                raise harness.HarnessError(f"no Graph messages call within {timeout} s")
            return self.events[count]


def health_p50(server, count=40):
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        status, _body = harness.http_get(server.url("/web/health"))
        timings.append(time.perf_counter() - started)
        if status != 200:
            raise harness.HarnessError(f"/web/health answered {status}")
    return summary(timings)


def send_files(stack, session, admin, channel_id, clock, files, *, voice=False, label=""):
    """Post each file as the attendant; returns (latencies, kinds sent)."""
    latencies, kinds = [], []
    for index, (name, data) in enumerate(files):
        attachment_id, _ = session.call_kw("ir.attachment", "create", [{
            "name": name, "datas": base64.b64encode(data).decode(),
            "res_model": "mail.compose.message", "res_id": 0}])
        if voice:
            admin("discuss.voice.metadata", "create", {"attachment_id": attachment_id})
        before = len(clock.events)
        started = time.perf_counter()
        session.call_kw("discuss.channel", "message_post", [[channel_id]], {
            "body": "", "attachment_ids": [attachment_id], "message_type": "comment",
            "subtype_xmlid": "mail.mt_comment"})
        at, sent = clock.wait_next(before)
        latencies.append(at - started)
        kinds.append(sent.type)
        print(f"  {label} {index + 1}/{len(files)}: {(at - started) * 1000:.0f} ms", file=sys.stderr)
    return latencies, kinds


MEMORY_PROBE = r"""
import importlib, sys, time
sys.path.insert(0, sys.argv[1])
import media_convert
data = open(sys.argv[3], "rb").read()
convert = {"voice": lambda d: media_convert.to_ogg_opus(d), "jpeg": lambda d: media_convert.to_jpeg(d)}[sys.argv[2]]
convert(data)  # warm-up: codecs, libraries
""" + PEAK_RESET + r"""
cpu, wall = time.process_time(), time.perf_counter()
result = convert(data)
print(baseline, status_kib("VmHWM"), time.process_time() - cpu, time.perf_counter() - wall, len(result))
"""


def conversion_probe(kind, data):
    """Peak memory and CPU of one conversion in a fresh process (tools/media_convert.py loaded alone)."""
    with tempfile.NamedTemporaryFile() as file:
        file.write(data)
        file.flush()
        env = dict(os.environ, PYTHONPATH="")
        output = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(TOOLS_DIR), kind, file.name],  # noqa: S603
                                capture_output=True, text=True, check=True, env=env).stdout.split()
    baseline, peak, cpu, wall, size = output
    return {"input_bytes": len(data), "output_bytes": int(size), "cpu_ms": round(float(cpu) * 1000, 1),
            "wall_ms": round(float(wall) * 1000, 1),
            "peak_memory_added_mb": round((int(peak) - int(baseline)) / 1024, 1)}


def run(args):
    load = os.getloadavg()
    results = {"started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
               "load_average_before": [round(value, 2) for value in load]}
    photo = photo_jpeg(2048, 1536, target_bytes=2 * MIB)
    voice = media_samples.voice_mp3(60.0)
    results["inputs"] = {"photo_bytes": len(photo), "voice_mp3_bytes": len(voice), "voice_seconds": 60}

    with Stack(mode="threaded", label="media_out") as stack:
        clear_foreign_cron_triggers(stack.probe)
        admin = AdminXmlRpc(stack.server)
        _uid, _partner_id, password = create_attendant(stack, "bench_media_out")
        wa_id = harness.unique_wa_id("media-out")
        stack.customer(wa_id, "Bench Cliente").text("Olá, podem me mandar a foto do ingresso?")
        wait_until(lambda: stack.probe.scalar(
            "SELECT count(*) FROM discuss_channel WHERE channel_type = 'whatsapp'"), 60, message="conversation")
        channel_id = stack.probe.scalar("SELECT id FROM discuss_channel WHERE channel_type = 'whatsapp' LIMIT 1")
        session = JsonRpcSession(stack.server).authenticate("bench_media_out", password)
        clock = SendClock(stack.sandbox)

        # Warm-up: registry, conversion libraries, connections.
        send_files(stack, session, admin, channel_id, clock, [("warm.jpg", unique_jpeg(photo, -1))], label="warm-up")
        send_files(stack, session, admin, channel_id, clock, [("Voice-warm.mp3", media_samples.voice_mp3(2.0))],
                   voice=True, label="warm-up")
        health = health_p50(stack.server)
        cpu = CpuMeter(stack.server)
        cpu.start()
        photos, photo_kinds = send_files(
            stack, session, admin, channel_id, clock,
            [(f"ingresso-{i}.jpg", unique_jpeg(photo, i)) for i in range(args.photos)], label="photo")
        cpu_photos = cpu.stop()
        same = unique_jpeg(photo, 10_000)
        send_files(stack, session, admin, channel_id, clock, [("ingresso.jpg", same)], label="first upload")
        uploads_before = sum(m.origin == "upload" for m in stack.sandbox.state._data.media.values())
        reused, _ = send_files(stack, session, admin, channel_id, clock,
                               [("ingresso.jpg", same)] * args.photos, label="same photo")
        uploads_after = sum(m.origin == "upload" for m in stack.sandbox.state._data.media.values())
        cpu.start()
        voices, voice_kinds = send_files(
            stack, session, admin, channel_id, clock,
            [(f"Voice-2026-12-03-{i:05d}.mp3", voice) for i in range(args.voices)], voice=True, label="voice")
        cpu_voices = cpu.stop()
        voice_sends = [sent for _at, sent in clock.events if sent.type == "audio"][-args.voices:]
        health_after = health_p50(stack.server)
        session.close()

    health_ms = (health["p50_ms"] + health_after["p50_ms"]) / 2
    results.update({
        "web_health": {"before": health, "after": health_after, "p50_ms_used": round(health_ms, 2)},
        "photo_2mb": summary(photos), "photo_2mb_cpu": cpu_photos,
        "photo_2mb_reused": summary(reused),
        "uploads_during_reuse": uploads_after - uploads_before,
        "voice_60s": summary(voices), "voice_60s_cpu": cpu_voices,
        "sent_kinds_ok": set(photo_kinds) == {"image"} and set(voice_kinds) == {"audio"}
        and all(sent.payload["audio"].get("voice") is True for sent in voice_sends),
        "conversion_voice_60s": conversion_probe("voice", voice),
        "conversion_png_5_5mb": conversion_probe("jpeg", media_samples.noisy_png(int(5.5 * MIB))),
    })
    for key in ("photo_2mb", "photo_2mb_reused", "voice_60s"):
        results[key]["p50_ratio_to_health"] = round(results[key]["p50_ms"] / health_ms, 1)
        results[key]["p95_ratio_to_health"] = round(results[key]["p95_ms"] / health_ms, 1)
    return results


def report(results):
    width = 36
    print(f"\nOutbound media (threaded server; load average before: {results['load_average_before']})")
    print(f"    inputs: photo {results['inputs']['photo_bytes'] / MIB:.2f} MB JPEG, voice 60 s MP3 "
          f"{results['inputs']['voice_mp3_bytes'] / 1024:.0f} KB")
    print(f"    {'':{width}}      p50      p95      p99      max   p50/health  p95/health")
    for key, name in (("photo_2mb", "2 MB photo → Graph messages"),
                      ("photo_2mb_reused", "same photo again (id reused)"),
                      ("voice_60s", "60 s voice note → Graph messages")):
        figures = results[key]
        print(latency_row(name, figures, width)
              + f"{figures['p50_ratio_to_health']:12.1f}{figures['p95_ratio_to_health']:12.1f}")
    print(f"    /web/health p50: {results['web_health']['p50_ms_used']:.1f} ms")
    print(f"    uploads while re-sending the same photo: {results['uploads_during_reuse']}")
    print(f"    photos: {cpu_summary(results['photo_2mb_cpu'])}; voice notes: {cpu_summary(results['voice_60s_cpu'])}")
    for key, name in (("conversion_voice_60s", "MP3 60 s → OGG/Opus 32k"),
                      ("conversion_png_5_5mb", "PNG 5.5 MB → JPEG")):
        c = results[key]
        print(f"    {name}: {c['cpu_ms']:.0f} ms CPU ({c['wall_ms']:.0f} ms wall), "
              f"{c['input_bytes'] / 1024:.0f} KB → {c['output_bytes'] / 1024:.0f} KB, "
              f"peak memory +{c['peak_memory_added_mb']} MB")
    print(f"    sends were image / audio with voice=true: {results['sent_kinds_ok']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--voices", type=int, default=10)
    args = parser.parse_args()
    results = run(args)
    report(results)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    harness.dump_json(RESULTS_DIR / f"media-out-{stamp}.json", results)
    harness.dump_json(RESULTS_DIR / "media-out-latest.json", results)


if __name__ == "__main__":
    main()

"""Webhook benchmarks against real Odoo servers started by the end-to-end harness (package ``wacrm_harness``).

    bash scripts/bench.sh                 # everything, ~10 minutes
    bash scripts/bench.sh --only a,c      # some figures; --duration, --messages... see --help

Prints a table and saves the figures as JSON in bench/results/webhook-*.json (see bench/README.md).
The load generator is pure Python (threads, one http.client connection each) running on the same machine:
its own CPU use is reported next to each throughput figure.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path

import wacrm_harness as harness
from wacrm_harness import CpuMeter, Stack, WebhookClient, encode_payload, percentile, signature, wait_until
from wacrm_harness.s3 import S3Server

BENCH_DIR = Path(__file__).resolve().parent

RESULTS_DIR = BENCH_DIR / "results"
HEALTH = "/web/health"


# ------------------------------------------------------------
# Helpers
# ------------------------------------------------------------


def results_header(args, **machine):
    """The start of every benchmark's JSON: when, on what machine (and how busy), with which arguments."""
    return {
        "started_at": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in os.getloadavg()],
                    "python": platform.python_version(), **machine},
        "arguments": vars(args),
    }


def save_results(results, name):
    """Write ``results`` to bench/results/<name>-<time>.json and <name>-latest.json; the path goes in."""
    stamp = results["started_at"].replace(":", "").replace("-", "")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    results["path"] = str(path.relative_to(BENCH_DIR.parent))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for target in (path, RESULTS_DIR / f"{name}-latest.json"):
        target.write_text(json.dumps(results, indent=2, sort_keys=True, default=str))


def machine_line(results):
    """The last line of a benchmark's table: the machine, how busy it was, the run's time and file."""
    machine = results["machine"]
    return (f"machine: {machine['cpus']} CPUs, load average before the run {machine['loadavg_before']}; "
            f"total {results['total_seconds']} s; results: {results['path']}")


def latency_row(name, figures, width):
    """One table row: p50, p95, p99 and max in milliseconds."""
    return f"    {name:{width}}" + "".join(f"{figures[key]:9.1f}" for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))


def cpu_summary(cpu):
    return (f"server CPU {cpu['server_cpu_percent_of_one_core']:.0f}% of a core, "
            f"machine busy {cpu['machine_busy_percent']:.0f}%")

def summary(latencies):
    ordered = sorted(latencies)
    if not ordered:
        return {"count": 0}
    return {
        "count": len(ordered),
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2),
    }


def signed_bodies(stack, count, customers, label, media_every=0):
    """``count`` one-message webhook bodies (distinct wamids) from ``customers`` customers, pre-signed; every
    ``media_every``-th one an image (the sandbox serves its file), captioned like the texts."""
    people = [stack.customer(harness.unique_wa_id(f"{label}-{index}"), f"Bench {label} {index}")
              for index in range(customers)]
    bodies, wamids = [], []
    for index in range(count):
        customer = people[index % customers]
        if media_every and index % media_every == media_every - 1:
            delivery = customer.image(caption=f"bench {label} {index}", send=False)
        else:
            delivery = customer.text(f"bench {label} {index}", send=False)
        body = encode_payload(delivery.payload)
        bodies.append((body, signature(body)))
        wamids.append(delivery.wamid)
    return bodies, wamids


def post_signed(client, body, sig):
    return client.post(body, sig=sig)


def timed_load(stack, make_request, threads, duration):
    """``threads`` clients call ``make_request(client, n)`` back to back for ``duration`` seconds; with several
    servers, the clients' connections are spread over them in turn (round robin in the load generator)."""
    latencies, statuses, errors = [], {}, []
    lock = threading.Lock()
    gate = threading.Barrier(threads + 1)
    counter = iter(range(10**9))

    def worker(index):
        client = stack.client(index)
        mine, my_statuses = [], {}
        gate.wait()
        while time.monotonic() < deadline:
            try:
                status, latency = make_request(client, next(counter))
            except Exception as error:  # noqa: BLE001 - counted, the run goes on
                errors.append(repr(error))
                client.close()
                continue
            mine.append(latency)
            my_statuses[status] = my_statuses.get(status, 0) + 1
        client.close()
        with lock:
            latencies.extend(mine)
            for status, count in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + count

    workers = [threading.Thread(target=worker, args=(index,), daemon=True) for index in range(threads)]
    for thread in workers:
        thread.start()
    meter = CpuMeter(stack).start()
    cpu_before, started = time.process_time(), time.monotonic()
    deadline = started + duration   # read by the workers once the gate opens
    gate.wait()
    for thread in workers:
        thread.join()
    elapsed = time.monotonic() - started
    cpu = meter.stop()
    ok = statuses.get(200, 0)
    return {
        "cpu": cpu,
        "server_cpu_ms_per_request": round(cpu["server_cpu_seconds"] / len(latencies) * 1000, 2) if latencies else None,
        "postgres_cpu_ms_per_request": (round(cpu["postgres_cpu_seconds"] / len(latencies) * 1000, 2)
                                        if latencies else None),
        "threads": threads, "seconds": round(elapsed, 2), "requests": len(latencies),
        "ok": ok, "rps": round(ok / elapsed, 1), "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": len(errors), "error_samples": errors[:3],
        "latency": summary(latencies),
        "client_cpu_percent": round((time.process_time() - cpu_before) / elapsed * 100, 1),
    }


def gevent_crashes(stack):
    """Prefork starts a gevent worker for websockets; if it cannot start, the master respawns it in a loop."""
    return sum(server.log_text(since_start=True).count("odoo-bin\", line 3, in <module>") for server in stack.servers)


def max_inbox_id(stack):
    return stack.probe.scalar("SELECT coalesce(max(id), 0) FROM whatsapp_inbox")


# ------------------------------------------------------------
# (a) latency, one keep-alive connection, threaded server
# ------------------------------------------------------------

def bench_latency(stack, requests_count):
    bodies, wamids = signed_bodies(stack, requests_count + 50, 100, "latency")
    webhook, health = WebhookClient(stack.server), WebhookClient(stack.server)
    for body, sig in bodies[:50]:   # warm-up: connections, caches, first customers
        assert webhook.post(body, sig=sig)[0] == 200
        assert health.get(HEALTH)[0] == 200
    webhook_latencies, health_latencies, failures = [], [], 0
    meter = CpuMeter(stack).start()
    for body, sig in bodies[50:]:   # interleaved: both see the same background (processing) load
        status, latency = health.get(HEALTH)
        health_latencies.append(latency)
        failures += status != 200
        status, latency = webhook.post(body, sig=sig)
        webhook_latencies.append(latency)
        failures += status != 200
    cpu = meter.stop()
    webhook.close()
    health.close()
    drain_started = time.monotonic()
    stack.probe.wait_processed(wamids, timeout=300)
    return {
        "server": "threaded (--workers=0, as `make run`; queue_job's runner and jobs in the same process)",
        "connection": "one keep-alive HTTP/1.1 connection each, requests alternated",
        "webhook": summary(webhook_latencies),
        "health": summary(health_latencies),
        "non_200": failures,
        "cpu": cpu,
        "all_processed_once": stack.probe.messages_for(wamids) == len(wamids),
        "drain_after_seconds": round(time.monotonic() - drain_started, 2),
    }


# ------------------------------------------------------------
# (b) durable ack throughput vs /web/health, prefork
# ------------------------------------------------------------

def bench_throughput(stack, threads, duration):
    pool_size = 12000   # wraps around: a repeated body is stored again, like any retry
    bodies, _wamids = signed_bodies(stack, pool_size, 200, "throughput")
    health = timed_load(stack, lambda client, _n: client.get(HEALTH), threads, duration)
    # Processing is held (its lock taken, as by a running drain job): the webhook does all of its real work
    # (verify, insert, commit, the check that a drain job is pending) but the items wait, so that both figures
    # measure the HTTP path alone on an otherwise idle server. Processing throughput is figure (c).
    before = max_inbox_id(stack)
    with stack.probe.processing_held():
        webhook = timed_load(stack, lambda client, n: post_signed(client, *bodies[n % pool_size]), threads, duration)
        stored = stack.probe.scalar("SELECT count(*) FROM whatsapp_inbox WHERE id > %s", [before])
        # Bench junk, not to be processed by (c)'s clock.
        stack.probe.execute("DELETE FROM whatsapp_inbox WHERE id > %s", [before])
    return {
        "gevent_worker_crashes": gevent_crashes(stack),
        "server": f"prefork (--workers=4) x {len(stack.servers)} instance(s)",
        "instances": len(stack.servers),
        "webhook": webhook,
        "health": health,
        "ratio": round(webhook["rps"] / health["rps"], 3) if health["rps"] else None,
        "target_ratio": 0.8,
        "rows_stored": stored,
        "every_200_stored": stored == webhook["statuses"].get("200", 0),
    }


# ------------------------------------------------------------
# (c) inbound messages processed into Discuss per second
# ------------------------------------------------------------

def use_s3(stack):
    """Media on the S3 store: npm s3rver (as the tests), configured for every instance (one database)."""
    server = S3Server()
    if not server.available():
        print("[bench] s3rver not installed: media stay in the filestore", file=sys.stderr)
        return None
    server.start()
    for key, value in server.config_parameters().items():
        harness.rpc(stack.server, "ir.config_parameter", "set_param", key, value)
    return server


def bench_processing(stack, messages, customers, threads, media_every=0):
    label = f"processing-{stack.mode}-{len(stack.servers)}"
    bodies, wamids = signed_bodies(stack, messages, customers, label, media_every)
    baseline = stack.probe.scalar("SELECT coalesce(max(id), 0) FROM whatsapp_message")
    progress = []          # (seconds since the first POST, messages in Discuss)
    acked = {}
    retries = []
    ack_latencies = []
    lock = threading.Lock()
    index = iter(range(messages))

    def poster(thread_index):
        client = stack.client(thread_index)
        while True:
            with lock:
                position = next(index, None)
            if position is None:
                break
            body, sig = bodies[position]
            while True:   # as Meta does: anything but a 200 is retried
                try:
                    status, latency = client.post(body, sig=sig)
                except OSError as error:
                    status, latency = repr(error), None
                    client.close()
                if status == 200:
                    with lock:
                        acked[position] = time.monotonic()
                        ack_latencies.append(latency)
                    break
                with lock:
                    retries.append(status)
        client.close()

    def in_discuss():
        return stack.probe.scalar("""SELECT count(*) FROM whatsapp_message WHERE id > %s AND direction = 'in'
                                     AND mail_message_id IS NOT NULL""", [baseline])

    workers = [threading.Thread(target=poster, args=(index,), daemon=True) for index in range(threads)]
    meter = CpuMeter(stack).start()
    cpu_before = time.process_time()
    started = time.monotonic()
    started_wall = stack.probe.scalar("SELECT now() AT TIME ZONE 'UTC'")
    for thread in workers:
        thread.start()

    def all_in_discuss():
        count = in_discuss()
        progress.append((round(time.monotonic() - started, 3), count))
        return count >= messages
    wait_until(all_in_discuss, 900, interval=0.05, message=f"{messages} messages in Discuss")
    finished = time.monotonic()
    images = messages // media_every if media_every else 0
    if images:
        wait_until(lambda: stack.probe.scalar("""SELECT count(*) FROM whatsapp_media m JOIN whatsapp_message w
                                                   ON w.id = m.message_id WHERE w.wamid = ANY(%s)
                                                   AND m.state = 'stored'""", [wamids]) >= images, 300,
                   message=f"{images} images stored")
    media_done = time.monotonic()
    cpu = meter.stop()
    for thread in workers:
        thread.join()
    ack_done = max(acked.values()) - started
    elapsed = finished - started
    # The longest time without progress while messages were waiting (a stalled drain shows up here).
    longest_stall, last_time, last_count = 0.0, 0.0, -1
    stalls = []
    for moment, count in progress:
        if count != last_count:
            if moment - last_time > 1:
                stalls.append({"from_s": last_time, "seconds": round(moment - last_time, 2), "in_discuss": last_count})
            last_time, last_count = moment, count
        longest_stall = max(longest_stall, moment - last_time)
    probe = stack.probe
    for stall in stalls:   # which jobs were running, and which waited, while nothing moved
        stall["jobs"] = jobs_during(probe, started_wall, stall["from_s"], stall["from_s"] + stall["seconds"])
    partners = probe.scalar("""SELECT count(DISTINCT partner_id) FROM whatsapp_message WHERE wamid = ANY(%s)""",
                            [wamids])
    channels = probe.scalar("""SELECT count(DISTINCT channel_id) FROM whatsapp_message WHERE wamid = ANY(%s)""",
                            [wamids])
    return {
        "gevent_worker_crashes": gevent_crashes(stack) if stack.mode == "prefork" else None,
        "server": f"{stack.mode} x {len(stack.servers)} instance(s)",
        "messages": messages, "customers": customers, "client_threads": threads,
        "ack_seconds": round(ack_done, 2),
        "ack_rate": round(messages / ack_done, 1),
        "ack_latency": summary(ack_latencies),
        "retried_posts": len(retries),
        "first_post_to_last_in_discuss_seconds": round(elapsed, 2),
        "processed_per_second": round(messages / elapsed, 1),
        "target_per_second": 80,
        "longest_stall_seconds": round(longest_stall, 2),
        "stalls_over_1s": stalls,
        "cpu": cpu,
        "server_cpu_ms_per_message": round(cpu["server_cpu_seconds"] / messages * 1000, 2),
        "postgres_cpu_ms_per_message": round(cpu["postgres_cpu_seconds"] / messages * 1000, 2),
        "instances": len(stack.servers),
        "order_inversions": probe.order_inversions(wamids),
        "images": images,
        "images_stored_after_seconds": round(media_done - started, 2) if images else None,
        "media_storage": probe.scalar("SELECT value FROM ir_config_parameter "
                                      "WHERE key = 'whatsapp_crm.media_storage'") or "filestore",
        "client_cpu_percent": round((time.process_time() - cpu_before) / elapsed * 100, 1),
        "counts": {
            "whatsapp_message": probe.messages_for(wamids),
            "in_discuss": probe.posted_for(wamids),
            "mail_message_bodies": probe.mail_messages_containing(f"bench {label} "),
            "partners": partners,
            "channels": channels,
            "inbox_not_done": probe.inbox_due(),
        },
        "exact": (probe.messages_for(wamids) == messages and probe.posted_for(wamids) == messages
                  and probe.mail_messages_containing(f"bench {label} ") == messages
                  and partners == customers and channels == customers),
    }


# ------------------------------------------------------------
# Report
# ------------------------------------------------------------

def verdict(ok):
    return "yes" if ok else "NO"


def print_table(results):
    machine = results["machine"]
    lines = ["", "whatsapp_crm webhook benchmarks  " + results["started_at"]
             + ("  [servers with a dbfilter]" if machine["dbfilter"] else ""),
             f"job channels: {machine['queue_job_channels']}", ""]
    if "a" in results:
        a = results["a"]
        lines += [
            "(a) ack latency, one keep-alive connection, threaded (make run) with processing running, "
            f"{a['webhook']['count']} requests each",
            f"    {'':24}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}   (ms)",
        ]
        for name, key in (("signed webhook POST", "webhook"), ("GET /web/health", "health")):
            lines.append(latency_row(name, a[key], 24))
        ratio = a["webhook"]["p50_ms"] / a["health"]["p50_ms"] if a["health"]["p50_ms"] else float("nan")
        lines.append(f"    webhook p50 = {ratio:.1f} x /web/health p50; targets p50 <= 15 ms: "
                     f"{verdict(a['webhook']['p50_ms'] <= 15)}, p99 <= 60 ms: {verdict(a['webhook']['p99_ms'] <= 60)}")
        lines.append(f"    non-200: {a['non_200']}; all processed once: {verdict(a['all_processed_once'])} "
                     f"(drained {a['drain_after_seconds']} s after the last POST); {cpu_summary(a['cpu'])}")
        lines.append("")
    for key in ("b", "b2"):
        if key not in results:
            continue
        b = results[key]
        lines += [
            f"({key}) durable ack throughput, {b['server']}, {b['webhook']['threads']} client threads "
            f"x {b['webhook']['seconds']:.0f} s (processing held)",
            f"    {'':24}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'odoo CPU/req':>14}"
            f"{'PG CPU/req':>12}{'machine busy':>14}{'client CPU':>12}",
        ]
        for name, figure in (("signed webhook POST", "webhook"), ("GET /web/health", "health")):
            figures = b[figure]
            failed = figures["errors"] + figures["requests"] - figures["ok"]
            lines.append(f"    {name:24}{figures['rps']:9.1f}{figures['latency']['p50_ms']:9.1f}"
                         f"{figures['latency']['p99_ms']:9.1f}{failed:8d}"
                         f"{figures['server_cpu_ms_per_request']:11.2f} ms"
                         f"{figures['postgres_cpu_ms_per_request']:9.2f} ms"
                         f"{figures['cpu']['machine_busy_percent']:13.0f}%{figures['client_cpu_percent']:11.0f}%")
        lines.append(f"    webhook / health = {b['ratio']:.0%} (target >= 80%: {verdict(b['ratio'] >= 0.8)}); "
                     f"every 200 stored: {verdict(b['every_200_stored'])} ({b['rows_stored']} rows)")
        lines.append("")
    for key in ("c_threaded", "c_prefork", "c_prefork2"):
        if key in results:
            c = results[key]
            lines += [
                f"({key}) processing into Discuss, {c['server']}: {c['messages']} messages from {c['customers']} "
                f"customers, {c['client_threads']} client threads",
                f"    acked in {c['ack_seconds']} s ({c['ack_rate']} POST/s, ack p50 "
                f"{c['ack_latency']['p50_ms']:.0f} ms, p99 {c['ack_latency']['p99_ms']:.0f} ms, "
                f"{c['retried_posts']} retried)",
                f"    first POST -> last message in Discuss: {c['first_post_to_last_in_discuss_seconds']} s = "
                f"{c['processed_per_second']} msg/s (target >= 80: {verdict(c['processed_per_second'] >= 80)}); "
                f"longest stall {c['longest_stall_seconds']} s "
                f"(target <= 1: {verdict(c['longest_stall_seconds'] <= 1)})",
                f"    CPU per message: Odoo {c['server_cpu_ms_per_message']} ms (acks + processing), PostgreSQL "
                f"{c['postgres_cpu_ms_per_message']} ms; machine busy {c['cpu']['machine_busy_percent']:.0f}%",
                *(["    stalls over 1 s (start after the first POST, length, messages in Discuss): "
                   + ", ".join(f"{stall['from_s']:.1f} s +{stall['seconds']} s at {stall['in_discuss']}"
                               for stall in c["stalls_over_1s"])] if c.get("stalls_over_1s") else []),
                *([f"    {c['images']} images among them, all stored in {c['media_storage']} "
                   f"{c['images_stored_after_seconds']} s after the first POST"] if c.get("images") else []),
                f"    counts exact (messages, Discuss posts, {c['customers']} partners, {c['customers']} "
                f"conversations): {verdict(c['exact'])} {c['counts']}; per-customer order kept: "
                f"{verdict(c['order_inversions'] == 0)} ({c['order_inversions']} inversions)",
                "",
            ]
    if "profile" in results:
        profile = results["profile"]
        lines.append(f"(p) CPU per message, in process under cProfile (CPU clock): {profile['cpu_ms_per_message']} ms, "
                     f"{profile['queries_per_message']} SQL queries; by area: "
                     + ", ".join(f"{area} {share}%" for area, share in list(profile["cpu_share_by_area"].items())[:6]))
        lines.append("")
    crashes = max((results.get(key) or {}).get("gevent_worker_crashes") or 0
                  for key in ("b", "b2", "c_prefork", "c_prefork2"))
    if crashes:
        lines += [f"WARNING: prefork's gevent (websocket) worker crashed and was respawned {crashes} times during the "
                  "run (see the server log); the CPU it burns is in 'reaped' and weighs on every prefork figure.", ""]
    lines.append(f"machine: {results['machine']['cpus']} CPUs, load average before the run "
                 f"{results['machine']['loadavg_before']}; results: {results['path']}")
    print("\n".join(lines))


def run_profile(messages, customers):
    """(p): bench/profile_processing.py in its own process (Odoo in process, no server)."""
    import subprocess
    subprocess.run([sys.executable, str(BENCH_DIR / "profile_processing.py"), "--messages", str(messages),  # noqa: S603
                    "--customers", str(customers), "--label", "bench"], check=True)
    return json.loads((RESULTS_DIR / "profile-bench-latest.json").read_text())


def jobs_during(probe, started_wall, from_s, to_s):
    """The jobs that ran or waited between two moments of the run (seconds after its first POST)."""
    rows = probe.rows("""
        SELECT method_name, state,
               EXTRACT(EPOCH FROM date_created - %(t0)s), EXTRACT(EPOCH FROM date_started - %(t0)s),
               EXTRACT(EPOCH FROM date_done - %(t0)s)
          FROM queue_job
         WHERE date_created <= %(t0)s + make_interval(secs => %(to)s)
           AND (date_done IS NULL OR date_done >= %(t0)s + make_interval(secs => %(from)s))
         ORDER BY date_created
    """, {"t0": started_wall, "from": from_s, "to": to_s})
    return [{"method": method, "state": state, "created_s": round(float(created), 2),
             "started_s": started is not None and round(float(started), 2),
             "done_s": done is not None and round(float(done), 2)}
            for method, state, created, started, done in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="a,b,c,p", help="figures to run: a,b,c,p")
    parser.add_argument("--latency-requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--instances", default="1,2", help="instances for (b) and (c): 1, 2 or 1,2")
    parser.add_argument("--processing-modes", default="prefork", help="servers for (c): prefork and/or threaded")
    parser.add_argument("--profile-messages", type=int, default=400)
    parser.add_argument("--media-every", type=int, default=20,
                        help="in (c), every Nth message is an image, downloaded to the S3 store (s3rver); 0: none")
    parser.add_argument("--dbfilter", action="store_true",
                        help="also set a dbfilter (scripts/common.sh sets db_name only: a dbfilter costs a "
                             "database listing per request without a session)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    modes = args.processing_modes.split(",")
    instance_counts = [int(count) for count in args.instances.split(",")]

    results = {
        **results_header(args, queue_job_channels=harness.QUEUE_JOB_CHANNELS, dbfilter=args.dbfilter),
    }
    started = time.monotonic()
    if "a" in only or ("c" in only and "threaded" in modes):
        with Stack("threaded", label="bench-threaded", dbfilter=args.dbfilter) as stack:
            if "a" in only:
                print("[bench] (a) latency, threaded ...", file=sys.stderr)
                results["a"] = bench_latency(stack, args.latency_requests)
            if "c" in only and "threaded" in modes:
                print("[bench] (c) processing, threaded ...", file=sys.stderr)
                results["c_threaded"] = bench_processing(stack, args.messages, args.customers, args.threads,
                                                         args.media_every)
    for instances in instance_counts:
        if not ({"b", "c"} & only) or ("b" not in only and "prefork" not in modes):
            continue
        suffix = "" if instances == 1 else str(instances)
        with Stack("prefork", label=f"bench-prefork{suffix}", dbfilter=args.dbfilter, instances=instances) as stack:
            s3 = use_s3(stack) if args.media_every and "c" in only else None
            if "b" in only:
                print(f"[bench] (b) throughput, prefork x {instances} ...", file=sys.stderr)
                results[f"b{suffix}"] = bench_throughput(stack, args.threads, args.duration)
            if "c" in only and "prefork" in modes:
                print(f"[bench] (c) processing, prefork x {instances} ...", file=sys.stderr)
                results[f"c_prefork{suffix}"] = bench_processing(stack, args.messages, args.customers, args.threads,
                                                                 args.media_every)
            if s3:
                s3.stop()
    if "p" in only:
        print("[bench] (p) CPU profile of processing ...", file=sys.stderr)
        results["profile"] = run_profile(args.profile_messages, max(args.profile_messages // 10, 1))
    results["total_seconds"] = round(time.monotonic() - started, 1)
    save_results(results, "webhook")
    print_table(results)


if __name__ == "__main__":
    main()

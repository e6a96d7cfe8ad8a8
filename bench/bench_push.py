"""Web push of customers' messages (issue 14) against a real threaded Odoo server (the `make run` configuration,
queue_job's runner in the server), started by the end-to-end harness on a fresh copy of the installed database,
with the Meta sandbox and a local Web Push service in process.

    /var/tmp/whatsapp_crm/venv/bin/python bench/bench_push.py              # a and b, ~2-4 minutes
    ... bench/bench_push.py --only b --messages 600                          # see --help

The push service (addons/whatsapp_crm/tests/push_service.py) does what a browser vendor's does: it checks the
VAPID signature and decrypts each payload (http_ece) with the subscription's private key.

(a) Customer message → push received: an attendant with a subscribed browser, unassigned conversations (the
    attendant may take them, so is alerted), each timed message the first of a new customer (a conversation alerts
    at most once per interval, see (b)); one signed text message at a time is POSTed and timed until the push
    service has decrypted a payload that carries its marker: the ack, processing and its commit, the push job
    (woken by queue_job's runner), the VAPID signature, the encryption and the POST. p50/p95 and the ratio to
    /web/health p50 measured on the same server in the same run.
(b) Processing rate with push off (no subscription: no push job at all), on (two subscribed attendants alerted of
    every conversation, at most once per interval with its newest message, the product's default) and on with a
    push service that answers only after 2 s: N messages from 20 customers
    POSTed by 8 threads, timed from the first POST until the last message is in Discuss; the rounds alternate
    (off, on, slow, off, on, slow) so that other load on the machine falls on each alike.

Prints a table and saves bench/results/push-<time>.json (and push-latest.json).
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import wacrm_harness as harness
from wacrm_harness import CpuMeter, Stack, WebhookClient, encode_payload, signature, wait_until

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "addons" / "whatsapp_crm" / "tests"))

from bench_queue import clear_foreign_cron_triggers, create_attendant, health_p50  # noqa: E402
from push_service import PushService  # noqa: E402

from bench import cpu_summary, latency_row, machine_line, results_header, save_results, summary  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
TARGETS = {"a_p95_ms": 1000, "b_ratio_min": 0.9}


def subscribe(stack, push_service, partner_id, **answer):
    """A browser of ``partner_id`` subscribed to the push service, registered as Odoo's web client does."""
    subscription = push_service.subscribe(**answer)
    subscription.device_id = harness.rpc(stack.server, "mail.push.device", "create", {
        "partner_id": partner_id, "endpoint": subscription.endpoint, "keys": subscription.keys_json})
    return subscription


def unsubscribe_all(stack):
    stack.probe.execute("DELETE FROM mail_push_device")


# ------------------------------------------------------------
# (a) customer message -> push received
# ------------------------------------------------------------

def bench_latency(stack, push_service, count, warmup):
    _uid, partner_id, _password = create_attendant(stack, "bench_push")
    harness.rpc(stack.server, "mail.push.device", "get_web_push_vapid_public_key")  # Odoo's VAPID pair
    subscription = subscribe(stack, push_service, partner_id)
    client = WebhookClient(stack.server)
    acks, totals = [], []
    meter = None
    for index in range(warmup + count):
        if index == warmup:
            meter = CpuMeter(stack.server).start()
        # A customer per message: a conversation alerts at most once per interval (15 s by default),
        # its later messages then update the alert; each timed message here is an alert.
        customer = stack.customer(harness.unique_wa_id("push"), f"Maria Bench {index}")
        marker = f"push-{index}-{os.urandom(4).hex()}"
        body = encode_payload(customer.text(f"Olá {marker}", send=False).payload)
        already = len(push_service.received)
        started = time.perf_counter()
        status, ack = client.post(body, sig=signature(body))
        if status != 200:
            raise harness.HarnessError(f"webhook answered {status}")

        def arrived(marker=marker, already=already):
            return any(marker in push.payload["options"]["body"] for push in push_service.received[already:])

        wait_until(arrived, 30, interval=0.005, message=f"push of {marker}")
        if index >= warmup:
            acks.append(ack)
            totals.append(time.perf_counter() - started)
    cpu = meter.stop()
    client.close()
    health = health_p50(stack.server)
    figures = summary(totals)
    return {
        "messages": count, "warmup": warmup,
        "ack": summary(acks), "push_received": figures, "web_health_p50_ms": health,
        "ratio_p50_to_health_p50": round(figures["p50_ms"] / health, 1),
        "ratio_p95_to_health_p50": round(figures["p95_ms"] / health, 1),
        "rejected_by_push_service": len(push_service.rejected),
        "sample_headers": {key: value for key, value in push_service.received[-1].headers.items()
                           if key in ("TTL", "Urgency", "Topic")},
        "sample_payload": push_service.received[-1].payload,
        "subscription": subscription.token,
        "cpu": cpu,
        "target_p95_ms": TARGETS["a_p95_ms"],
        "meets_target": figures["p95_ms"] <= TARGETS["a_p95_ms"] and not push_service.rejected,
    }


# ------------------------------------------------------------
# (b) processing rate, push off / on / slow push service
# ------------------------------------------------------------

def processing_round(stack, messages, customers, threads, label):
    people = [stack.customer(harness.unique_wa_id(f"{label}-{index}"), f"Bench {label} {index}")
              for index in range(customers)]
    bodies, wamids = [], []
    for index in range(messages):
        delivery = people[index % customers].text(f"bench {label} {index}", send=False)
        body = encode_payload(delivery.payload)
        bodies.append((body, signature(body)))
        wamids.append(delivery.wamid)
    positions = iter(range(messages))
    lock = threading.Lock()

    def poster(thread_index):
        client = stack.client(thread_index)
        while True:
            with lock:
                position = next(positions, None)
            if position is None:
                break
            body, sig = bodies[position]
            while client.post(body, sig=sig)[0] != 200:  # as Meta does: anything but a 200 is retried
                pass
        client.close()

    meter = CpuMeter(stack.server).start()
    started = time.monotonic()
    workers = [threading.Thread(target=poster, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stack.probe.wait_processed(wamids, timeout=600)
    seconds = time.monotonic() - started
    cpu = meter.stop()
    return {"messages": messages, "seconds": round(seconds, 2), "per_second": round(messages / seconds, 1),
            "server_cpu_ms_per_message": round(cpu["server_cpu_seconds"] / messages * 1000, 2), "cpu": cpu}


def bench_processing(stack, push_service, messages, customers, threads, rounds):
    attendants = [create_attendant(stack, f"bench_rate_{index}")[1] for index in range(2)]
    harness.rpc(stack.server, "mail.push.device", "get_web_push_vapid_public_key")
    modes = {"off": [], "on": [], "slow push service (2 s)": []}
    pushes = {}
    for round_index in range(rounds):
        for mode in modes:
            unsubscribe_all(stack)
            if mode == "on":
                for partner_id in attendants:
                    subscribe(stack, push_service, partner_id)
            elif mode != "off":
                for partner_id in attendants:
                    subscribe(stack, push_service, partner_id, hang_seconds=2)
            before = len(push_service.received)
            print(f"[bench] (b) round {round_index + 1}/{rounds}, push {mode} ...", file=sys.stderr)
            figures = processing_round(stack, messages, customers, threads, f"rate{round_index}{mode[:4]}")
            modes[mode].append(figures)
            pushes.setdefault(mode, 0)
            pushes[mode] += len(push_service.received) - before
            # The pushes still queued behind a slow service are dropped (they would take minutes and
            # fall on the next round); the running ones finish.
            stack.probe.execute("""UPDATE queue_job SET state = 'cancelled'
                                    WHERE channel = 'root.whatsapp.push' AND state IN ('pending', 'enqueued')""")
            wait_until(lambda: stack.probe.scalar(
                "SELECT count(*) FROM queue_job WHERE state NOT IN ('done', 'failed', 'cancelled')") == 0,
                120, interval=0.1, message="jobs done")
    result = {}
    for mode, runs in modes.items():
        result[mode] = {
            "per_second": [run["per_second"] for run in runs],
            "mean_per_second": round(sum(run["per_second"] for run in runs) / len(runs), 1),
            "server_cpu_ms_per_message": round(sum(run["server_cpu_ms_per_message"] for run in runs) / len(runs), 2),
            "pushes_received": pushes.get(mode, 0),
        }
    off = result["off"]["mean_per_second"]
    for mode in result:
        result[mode]["ratio_to_off"] = round(result[mode]["mean_per_second"] / off, 2) if off else None
    return {
        "messages_per_round": messages, "customers": customers, "threads": threads, "rounds": rounds,
        "modes": result,
        "target_ratio_min": TARGETS["b_ratio_min"],
        "meets_target": all(entry["ratio_to_off"] >= TARGETS["b_ratio_min"] for entry in result.values()),
    }


# ------------------------------------------------------------
# Report
# ------------------------------------------------------------

def print_table(results):
    lines = ["", "whatsapp_crm web push benchmarks  " + results["started_at"], ""]
    if "a" in results:
        a = results["a"]
        lines += [f"(a) customer message -> push received by the local push service, {a['messages']} messages "
                  f"(+{a['warmup']} warm-up)",
                  "    {:34}{:>9}{:>9}{:>9}{:>9}   (ms)".format("", "p50", "p95", "p99", "max"),
                  latency_row("webhook ack", a["ack"], 34),
                  latency_row("push received (from the POST)", a["push_received"], 34),
                  f"    /web/health p50 {a['web_health_p50_ms']} ms: push p50 x{a['ratio_p50_to_health_p50']}, "
                  f"p95 x{a['ratio_p95_to_health_p50']}",
                  f"    p95 <= {a['target_p95_ms']} ms: {'yes' if a['meets_target'] else 'NO'}; rejected by the push "
                  f"service: {a['rejected_by_push_service']}; headers {a['sample_headers']}; {cpu_summary(a['cpu'])}",
                  ""]
    if "b" in results:
        b = results["b"]
        lines += [f"(b) processing rate, {b['messages_per_round']} messages from {b['customers']} customers by "
                  f"{b['threads']} threads, {b['rounds']} rounds per mode (alternated)",
                  "    {:34}{:>16}{:>10}{:>12}{:>10}".format("", "msg/s (rounds)", "mean", "CPU ms/msg", "pushes")]
        for mode, entry in b["modes"].items():
            lines.append("    {:34}{:>16}{:>10}{:>12}{:>10}".format(
                f"push {mode}", "/".join(str(x) for x in entry["per_second"]), entry["mean_per_second"],
                entry["server_cpu_ms_per_message"], entry["pushes_received"]) + f"   x{entry['ratio_to_off']}")
        lines.append(f"    every mode >= {b['target_ratio_min']} x off: {'yes' if b['meets_target'] else 'NO'}")
        lines.append("")
    lines.append(machine_line(results))
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="a,b", help="figures to run: a,b")
    parser.add_argument("--count", type=int, default=100, help="(a) timed messages")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--messages", type=int, default=300, help="(b) messages per round")
    parser.add_argument("--customers", type=int, default=20, help="(b)")
    parser.add_argument("--threads", type=int, default=8, help="(b)")
    parser.add_argument("--rounds", type=int, default=2, help="(b) rounds per mode")
    args = parser.parse_args()
    only = set(args.only.split(","))
    results = results_header(args, queue_job_channels=harness.QUEUE_JOB_CHANNELS)
    started = time.monotonic()
    with PushService() as push_service:
        if "a" in only:
            with Stack("threaded", label="bench-push-a") as stack:
                print("[bench] (a) customer message -> push ...", file=sys.stderr)
                clear_foreign_cron_triggers(stack.probe)
                results["a"] = bench_latency(stack, push_service, args.count, args.warmup)
        if "b" in only:
            with Stack("threaded", label="bench-push-b") as stack:
                clear_foreign_cron_triggers(stack.probe)
                results["b"] = bench_processing(stack, push_service, args.messages, args.customers, args.threads,
                                                args.rounds)
    results["total_seconds"] = round(time.monotonic() - started, 1)
    save_results(results, "push")
    print_table(results)


if __name__ == "__main__":
    main()

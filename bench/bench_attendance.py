"""The attendant's day (issue 17) against a real threaded Odoo server (the `make run` configuration), started by
the end-to-end harness on a fresh copy of the installed database.

    /var/tmp/whatsapp_crm/venv/bin/python bench/bench_attendance.py             # a and b, ~2 minutes
    ... bench/bench_attendance.py --only b --conversations 100000                # see --help

(a) "::atalho": `discuss.channel.whatsapp_render_quick_reply` over JSON-RPC as an attendant (every variable
    filled; then a quick reply with a 200 kB file, copied as the attendant's upload), alternated with
    `GET /web/health` on the same server: p50/p95/max and the ratio to /web/health p50.
(b) The queue filtered by label: `whatsapp_queue_fetch("all", 50)` with and without a label filter, on N open
    conversations (bulk SQL) of which 10 % carry the label, as an attendant over JSON-RPC.

Prints a table and saves bench/results/attendance-<time>.json (and attendance-latest.json).
"""

import argparse
import base64
import http.client
import os
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "e2e"))

from bench_queue import (  # noqa: E402
    AdminXmlRpc,
    JsonRpcSession,
    admin_ids,
    clear_foreign_cron_triggers,
    create_attendant,
    insert_conversations,
)

import harness  # noqa: E402
from bench import cpu_summary, latency_row, machine_line, results_header, save_results, summary  # noqa: E402
from harness import CpuMeter, Stack  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
TARGETS = {"a_p95_ms": 150, "b_p95_ms": 300}


class Health:
    """``GET /web/health`` on its own keep-alive connection: the server's floor, to compare with."""

    def __init__(self, server):
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

    def __call__(self):
        started = time.perf_counter()
        self.conn.request("GET", "/web/health")
        response = self.conn.getresponse()
        response.read()
        if response.status != 200:
            raise harness.HarnessError(f"/web/health answered {response.status}")
        return time.perf_counter() - started


def timed(call, runs, warmup):
    for _index in range(warmup):
        call()
    return [call() for _index in range(runs)]


def with_ratio(figures, health):
    return dict(figures, ratio_to_health_p50=round(figures["p50_ms"] / health["p50_ms"], 1))


# ------------------------------------------------------------
# (a) quick reply insertion
# ------------------------------------------------------------

def bench_quick_reply(stack, runs, warmup):
    probe = stack.probe
    _uid, _partner_id, password = create_attendant(stack, "bench_qr")
    customer = stack.customer(harness.unique_wa_id("qr"), "Maria Bench Souza")
    first = customer.text("Olá, tenho uma dúvida", send=False)
    if harness.WebhookClient(stack.server).post(first.payload)[0] != 200:
        raise harness.HarnessError("the first message was refused")
    probe.wait_processed([first.wamid], timeout=60)
    channel_id = probe.scalar("SELECT channel_id FROM whatsapp_message WHERE wamid = %s", [first.wamid])
    admin = AdminXmlRpc(stack.server)
    text_id = admin("mail.canned.response", "create", {
        "source": "oi", "whatsapp_scope": "everyone",
        "substitution": "{{saudacao}}, {{primeiro_nome}}! Protocolo {{protocolo}}. Aqui é {{atendente}}{{setor}}."})
    attachment_id = admin("ir.attachment", "create", {
        "name": "programa.pdf", "datas": base64.b64encode(os.urandom(200_000)).decode(),
        "mimetype": "application/pdf", "res_model": "mail.canned.response", "res_id": 0})
    file_id = admin("mail.canned.response", "create", {
        "source": "programa", "substitution": "Segue o programa, {{primeiro_nome}}.", "whatsapp_scope": "everyone",
        "whatsapp_attachment_ids": [(6, 0, [attachment_id])]})

    session = JsonRpcSession(stack.server).authenticate("bench_qr", password)
    health = Health(stack.server)
    text_times, file_times, health_times = [], [], []
    sample = None

    def render(response_id):
        result, seconds = session.call_kw("discuss.channel", "whatsapp_render_quick_reply", [[channel_id], response_id])
        return result, seconds

    for _index in range(warmup):
        render(text_id)
        health()
    meter = CpuMeter(stack.server).start()
    for _index in range(runs):
        sample, seconds = render(text_id)
        text_times.append(seconds)
        health_times.append(health())
    cpu = meter.stop()
    for _index in range(max(runs // 4, 5)):
        result, seconds = render(file_id)
        file_times.append(seconds)
        if len(result["attachment_ids"]) != 1:
            raise harness.HarnessError("the file was not copied")
    health_figures = summary(health_times)
    return {
        "runs": runs, "warmup": warmup,
        "call": "discuss.channel.whatsapp_render_quick_reply over JSON-RPC (/web/dataset/call_kw), as an attendant",
        "sample_text": sample["text"],
        "web_health": health_figures,
        "text": with_ratio(summary(text_times), health_figures),
        "with_200kB_file": with_ratio(summary(file_times), health_figures),
        "cpu": cpu,
        "target_p95_ms": TARGETS["a_p95_ms"],
        "meets_target": summary(text_times)["p95_ms"] <= TARGETS["a_p95_ms"],
    }


# ------------------------------------------------------------
# (b) queue filtered by label
# ------------------------------------------------------------

def bench_label_filter(stack, conversations, runs, warmup):
    probe = stack.probe
    uid, partner_id, password = create_attendant(stack, "bench_labels")
    _admin_uid, admin_partner = admin_ids(probe)
    started = time.monotonic()
    ids = insert_conversations(
        probe, count=conversations, label="Cliente Etiquetado", state="'unassigned'",
        last_interest="%(now)s - r * interval '1 minute'",
        assigned_at="NULL::timestamp", activity="NULL::timestamp",
        account=stack.account_id, assignee=uid, other_assignee=uid, mine_share=0.0,
        attendant_partners=[partner_id, admin_partner])
    label_id = AdminXmlRpc(stack.server)("whatsapp.label", "create", {"name": "VIP", "color": 3})
    probe.execute("""INSERT INTO discuss_channel_whatsapp_label_rel (channel_id, label_id)
                     SELECT id, %s FROM discuss_channel WHERE id BETWEEN %s AND %s AND id %% 10 = 0""",
                  [label_id, ids["first_id"], ids["last_id"]])
    for table in ("discuss_channel", "discuss_channel_whatsapp_label_rel"):
        probe.execute(f"VACUUM ANALYZE {table}")
    generation = round(time.monotonic() - started, 2)
    labelled = probe.scalar("SELECT count(*) FROM discuss_channel_whatsapp_label_rel WHERE label_id = %s",
                            [label_id])
    session = JsonRpcSession(stack.server).authenticate("bench_labels", password)
    health = Health(stack.server)

    def fetch(context):
        return session.call_kw("discuss.channel", "whatsapp_queue_fetch", [],
                               {"queue_filter": "all", "limit": 50, "context": context})

    results = {}
    for name, context in (("all", {}), ("label VIP", {"whatsapp_queue_label_ids": [label_id]})):
        times, answer = [], None
        for _index in range(warmup):
            fetch(context)
        for _index in range(runs):
            answer, seconds = fetch(context)
            times.append(seconds)
        results[name] = {"latency": summary(times), "counts": answer["counts"], "rows": len(answer["channel_ids"])}
    health_figures = summary(timed(health, runs, warmup))
    for entry in results.values():
        entry["latency"] = with_ratio(entry["latency"], health_figures)
    correct = results["label VIP"]["counts"]["all"] == labelled and results["label VIP"]["rows"] == 50
    return {
        "conversations": conversations, "labelled": labelled, "generation_seconds": generation,
        "call": "discuss.channel.whatsapp_queue_fetch('all', 50) over JSON-RPC, with and without "
                "context whatsapp_queue_label_ids",
        "web_health": health_figures, "results": results, "result_correct": correct,
        "target_p95_ms": TARGETS["b_p95_ms"],
        "meets_target": correct and results["label VIP"]["latency"]["p95_ms"] <= TARGETS["b_p95_ms"],
    }


# ------------------------------------------------------------
# Report
# ------------------------------------------------------------

def print_table(results):
    lines = ["", "whatsapp_crm attendant's day benchmarks  " + results["started_at"], ""]
    header = "    {:34}{:>9}{:>9}{:>9}{:>9}   (ms)   ratio to /web/health p50"
    if "a" in results:
        a = results["a"]
        lines += [f"(a) \"::atalho\": whatsapp_render_quick_reply over JSON-RPC, {a['runs']} runs "
                  f"(+{a['warmup']} warm-up)",
                  header.format("", "p50", "p95", "p99", "max")]
        for name, key in (("/web/health", "web_health"), ("quick reply, variables filled", "text"),
                          ("quick reply with a 200 kB file", "with_200kB_file")):
            figures = a[key]
            ratio = figures.get("ratio_to_health_p50")
            lines.append(latency_row(name, figures, 34) + (f"   x{ratio}" if ratio else ""))
        lines.append(f"    p95 <= {a['target_p95_ms']} ms: {'yes' if a['meets_target'] else 'NO'}; "
                     f"{cpu_summary(a['cpu'])}; sample: {a['sample_text']!r}")
        lines.append("")
    if "b" in results:
        b = results["b"]
        lines += [f"(b) queue filtered by label: whatsapp_queue_fetch('all', 50), {b['conversations']:,} open "
                  f"conversations, {b['labelled']:,} labelled (data in {b['generation_seconds']} s)",
                  header.format("", "p50", "p95", "p99", "max"),
                  latency_row("/web/health", b["web_health"], 34)]
        for name, entry in b["results"].items():
            lines.append(latency_row(f"{name} ({entry['counts']['all']:,})", entry["latency"], 34)
                         + f"   x{entry['latency']['ratio_to_health_p50']}")
        lines.append(f"    p95 <= {b['target_p95_ms']} ms: {'yes' if b['meets_target'] else 'NO'}; result correct: "
                     f"{'yes' if b['result_correct'] else 'NO'}")
        lines.append("")
    lines.append(machine_line(results))
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="a,b", help="figures to run: a,b")
    parser.add_argument("--runs", type=int, default=100, help="(a) timed calls")
    parser.add_argument("--conversations", type=int, default=20_000, help="(b)")
    parser.add_argument("--queue-runs", type=int, default=20, help="(b) timed calls per variant")
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    only = set(args.only.split(","))
    results = results_header(args)
    started = time.monotonic()
    if "a" in only:
        with Stack("threaded", label="bench-attendance-a") as stack:
            print("[bench] (a) quick replies ...", file=sys.stderr)
            clear_foreign_cron_triggers(stack.probe)
            results["a"] = bench_quick_reply(stack, args.runs, args.warmup)
    if "b" in only:
        with Stack("threaded", label="bench-attendance-b") as stack:
            print(f"[bench] (b) queue by label, {args.conversations} conversations ...", file=sys.stderr)
            clear_foreign_cron_triggers(stack.probe)
            results["b"] = bench_label_filter(stack, args.conversations, args.queue_runs, args.warmup)
    results["total_seconds"] = round(time.monotonic() - started, 1)
    save_results(results, "attendance")
    print_table(results)


if __name__ == "__main__":
    main()

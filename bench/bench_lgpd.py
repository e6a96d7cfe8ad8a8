"""LGPD benchmarks against a real threaded Odoo server (the `make run` configuration), started by the end-to-end
harness (harness/wacrm_harness) on a fresh copy of the installed database, with the Meta sandbox in process.

    /var/tmp/whatsapp_crm/venv/bin/python bench/bench_lgpd.py                 # ~1-2 minutes
    ... bench/bench_lgpd.py --messages 10000 --media 200 --s3-share 0.5         # see --help

One contact with 10,000 messages (a third of them answers by an attendant, with their sent/delivered/read
statuses), 200 media files of 50 kB (half in the filestore, half in S3 when s3rver is installed) and one raw
webhook row per inbound message. The first message arrives through a signed webhook (partner and conversation
created by the product); the rest is bulk SQL shaped like what the product writes.

(a) export: "Export data" as the DPO (admin) over XML-RPC, then the request's job (queue_job) builds the ZIP;
    timed until the request is done (target <= 5 s); the ZIP is downloaded through its signed link and checked
    (every message and every file in it).
(b) anonymisation: the wizard confirmed over XML-RPC, then the erasure steps in the request's job; timed until
    the request is done (target <= 10 s); checked: the 10,000 messages are still counted, none holds its text,
    no file or S3 object is left.

Each time is also given as a ratio to /web/health p50 measured on the same server in the same run. Prints a table
and saves bench/results/lgpd-<time>.json (and lgpd-latest.json). See bench/README.md.
"""

import argparse
import base64
import io
import json
import os
import secrets
import sys
import time
import zipfile
from pathlib import Path

import requests

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "e2e"))
sys.path.insert(0, str(BENCH_DIR.parent / "addons" / "whatsapp_crm" / "tests"))

from bench_queue import (  # noqa: E402
    AdminXmlRpc,
    clear_foreign_cron_triggers,
    health_p50,
)
from s3_server import ACCESS_KEY, SECRET_KEY, S3Server  # noqa: E402

import wacrm_harness as harness  # noqa: E402
from bench import results_header, save_results  # noqa: E402
from wacrm_harness import CpuMeter, Stack, wait_until  # noqa: E402
from wacrm_harness.config import DATA_DIR  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
TARGETS = {"export_seconds": 5, "anonymisation_seconds": 10}
NAME = "Beatriz Bench Lgpd"


def create_contact(stack, messages, media_count, s3_share, s3):
    """The contact and its data; returns what the checks need."""
    probe = stack.probe
    wa_id = harness.unique_wa_id("lgpd-bench")
    first = stack.customer(wa_id, NAME).text("Primeira mensagem do bench LGPD")
    wait_until(lambda: probe.posted_for([first.wamid]) == 1, 60, message="first message in Discuss")
    partner_id, channel_id, account_id = probe.rows(
        "SELECT partner_id, channel_id, account_id FROM whatsapp_message WHERE wamid = %s", [first.wamid])[0]
    admin_partner = probe.scalar("SELECT partner_id FROM res_users WHERE login = 'admin'")
    subtype = probe.scalar("SELECT res_id FROM ir_model_data WHERE module = 'mail' AND name = 'mt_comment'")
    started = time.monotonic()
    probe.execute("""
        INSERT INTO mail_message (model, res_id, body, message_type, subtype_id, author_id, date, create_date,
                                  write_date, create_uid, write_uid, message_id)
        SELECT 'discuss.channel', %(channel)s, '<p>bench message ' || g || ' de ' || %(name)s || '</p>', 'comment',
               %(subtype)s, CASE WHEN g %% 3 = 0 THEN %(admin)s ELSE %(partner)s END,
               now() - interval '1 minute' * (%(count)s - g), now(), now(), 1, 1, 'bench-' || g || '@lgpd'
          FROM generate_series(1, %(count)s - 1) g
    """, {"channel": channel_id, "name": NAME, "subtype": subtype, "admin": admin_partner, "partner": partner_id,
          "count": messages})
    probe.execute("""
        INSERT INTO whatsapp_message (account_id, channel_id, partner_id, mail_message_id, direction, wamid,
                                      message_type, state, meta_timestamp, payload, sent_at, delivered_at, read_at,
                                      pricing, create_date, write_date, create_uid, write_uid)
        SELECT %(account)s, %(channel)s, %(partner)s, m.id, dir, 'wamid.bench' || m.id, 'text',
               CASE WHEN dir = 'in' THEN 'received' ELSE 'read' END, m.date,
               CASE WHEN dir = 'in' THEN jsonb_build_object('from', %(wa_id)s::text, 'id', 'wamid.bench' || m.id,
                                                            'type', 'text',
                                                            'text', jsonb_build_object('body', 'bench ' || m.id)) END,
               CASE WHEN dir = 'out' THEN m.date END, CASE WHEN dir = 'out' THEN m.date END,
               CASE WHEN dir = 'out' THEN m.date END,
               CASE WHEN dir = 'out' THEN '{"category": "service", "type": "free_customer_service"}'::jsonb END,
               now(), now(), 1, 1
          FROM (SELECT id, date, CASE WHEN author_id = %(partner)s THEN 'in' ELSE 'out' END AS dir
                  FROM mail_message WHERE model = 'discuss.channel' AND res_id = %(channel)s
                   AND message_id LIKE 'bench-%%') m
    """, {"account": account_id, "channel": channel_id, "partner": partner_id, "wa_id": wa_id})
    probe.execute("""
        INSERT INTO whatsapp_message_status (account_id, wamid, status, meta_timestamp, message_id, payload,
                                             create_date, write_date, create_uid, write_uid)
        SELECT w.account_id, w.wamid, s, w.sent_at, w.id,
               jsonb_build_object('id', w.wamid, 'status', s, 'recipient_id', %(wa_id)s::text), now(), now(), 1, 1
          FROM whatsapp_message w, unnest(ARRAY['sent', 'delivered', 'read']) s
         WHERE w.channel_id = %(channel)s AND w.direction = 'out'
    """, {"wa_id": wa_id, "channel": channel_id})
    probe.execute("""
        INSERT INTO whatsapp_inbox (raw_body, received_at, state, summary,
                                    create_date, write_date, create_uid, write_uid)
        SELECT json_build_object('object', 'whatsapp_business_account', 'entry', json_build_array(json_build_object(
                   'id', '1', 'changes', json_build_array(json_build_object('field', 'messages', 'value',
                   json_build_object('contacts', json_build_array(json_build_object('wa_id', %(wa_id)s::text,
                                     'profile', json_build_object('name', %(name)s::text))),
                                     'messages', json_build_array(w.payload)))))))::text,
               now(), 'done', 'messages: 1', now(), now(), 1, 1
          FROM whatsapp_message w WHERE w.channel_id = %(channel)s AND w.direction = 'in' AND w.payload IS NOT NULL
    """, {"wa_id": wa_id, "name": NAME, "channel": channel_id})
    # Media: attachments of the conversation created by Odoo (filestore bytes), or S3 objects with stubs.
    rpc = AdminXmlRpc(stack.server)
    inbound = [row[0] for row in probe.rows("""
        SELECT id FROM whatsapp_message WHERE channel_id = %s AND direction = 'in' ORDER BY id LIMIT %s
    """, [channel_id, media_count])]
    in_s3 = int(round(media_count * s3_share)) if s3 else 0
    contents = [b"\xff\xd8\xff\xe0" + secrets.token_bytes(50_000) for _ in inbound]
    storage = None
    if in_s3:
        import boto3
        from botocore.config import Config
        storage = boto3.client("s3", endpoint_url=s3.endpoint_url, aws_access_key_id=ACCESS_KEY,
                               aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                               config=Config(s3={"addressing_style": "path"}))
        for key, value in s3.config_parameters().items():
            rpc("ir.config_parameter", "set_param", key, value)
    values = [{"name": f"whatsapp-image-{index}.jpg", "mimetype": "image/jpeg", "res_model": "discuss.channel",
               "res_id": channel_id, "type": "binary",
               **({} if index < in_s3 else {"datas": base64.b64encode(content).decode()})}
              for index, content in enumerate(contents)]
    attachment_ids = []
    for start in range(0, len(values), 50):
        attachment_ids += rpc("ir.attachment", "create", values[start:start + 50])
    for index, (message_id, attachment_id, content) in enumerate(zip(inbound, attachment_ids, contents, strict=True)):
        key = None
        if index < in_s3:
            key = f"whatsapp/{secrets.token_hex(16)}"
            storage.put_object(Bucket=s3.bucket, Key=key, Body=content, ContentType="image/jpeg")
        probe.execute("""
            INSERT INTO whatsapp_media (message_id, attachment_id, kind, meta_media_id, mimetype, declared_mimetype,
                                        file_size, sha256, filename, state, storage, storage_key, attempts,
                                        create_date, write_date, create_uid, write_uid)
            VALUES (%s, %s, 'image', %s, 'image/jpeg', 'image/jpeg', %s, encode(sha256(%s), 'hex'), %s, 'stored', %s,
                    %s, 1, now(), now(), 1, 1)
        """, [message_id, attachment_id, secrets.token_hex(8), len(content), content, f"whatsapp-image-{index}.jpg",
              "s3" if key else "filestore", key])
        probe.execute("UPDATE whatsapp_message SET message_type = 'image' WHERE id = %s", [message_id])
        probe.execute("""INSERT INTO message_attachment_rel (message_id, attachment_id)
                         SELECT mail_message_id, %s FROM whatsapp_message WHERE id = %s""", [attachment_id, message_id])
    probe.execute("ANALYZE")
    return {
        "wa_id": wa_id, "partner_id": partner_id, "channel_id": channel_id, "contents": contents,
        "attachment_ids": attachment_ids, "s3_objects": in_s3, "storage": storage,
        "generation_seconds": round(time.monotonic() - started, 1),
        "mail_messages": probe.scalar("SELECT count(*) FROM mail_message WHERE model = 'discuss.channel' "
                                      "AND res_id = %s", [channel_id]),
        # What the export must hold: the conversation's messages, the contact's chatter, anything they wrote.
        "subject_messages": probe.scalar("""
            SELECT count(*) FROM mail_message
             WHERE (model = 'discuss.channel' AND res_id = %(channel)s)
                OR (model = 'res.partner' AND res_id = %(partner)s) OR author_id = %(partner)s
        """, {"channel": channel_id, "partner": partner_id}),
        "whatsapp_messages": probe.scalar("SELECT count(*) FROM whatsapp_message WHERE channel_id = %s", [channel_id]),
        "statuses": probe.scalar("SELECT count(*) FROM whatsapp_message_status s JOIN whatsapp_message w "
                                 "ON w.id = s.message_id WHERE w.channel_id = %s", [channel_id]),
        "inbox_rows": probe.scalar("SELECT count(*) FROM whatsapp_inbox WHERE raw_body LIKE %s", [f"%{wa_id}%"]),
    }


class DatabaseCpu:
    """CPU seconds of the PostgreSQL backends serving this database (Odoo's pooled connections): the
    machine-wide PostgreSQL figure also counts whatever else the shared machine runs."""

    def __init__(self, probe, db):
        self.probe, self.db = probe, db

    def _ticks(self):
        ticks = {}
        for (pid,) in self.probe.rows(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid != pg_backend_pid()", [self.db]):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks[pid] = int(fields[11]) + int(fields[12])
        return ticks

    def start(self):
        self.before = self._ticks()
        return self

    def stop(self):
        after = self._ticks()
        used = sum(value - self.before.get(pid, 0) for pid, value in after.items())
        return round(used / os.sysconf("SC_CLK_TCK"), 2)


def wait_request(probe, request_id, timeout):
    """Poll every 20 ms until the LGPD request's job is done; returns the seconds waited."""
    started = time.monotonic()
    wait_until(lambda: probe.scalar("SELECT job_state FROM whatsapp_lgpd_request WHERE id = %s",
                                    [request_id]) in ("done", "failed"), timeout, interval=0.02,
               message=f"LGPD request {request_id} done",
               on_timeout=lambda: str(probe.rows("SELECT job_state, job_step, job_error FROM whatsapp_lgpd_request "
                                                 "WHERE id = %s", [request_id])))
    return time.monotonic() - started


def bench(stack, s3, messages, media_count, s3_share):
    probe = stack.probe
    clear_foreign_cron_triggers(probe)
    print(f"[bench] creating a contact with {messages} messages and {media_count} files ...", file=sys.stderr)
    data = create_contact(stack, messages, media_count, s3_share, s3)
    rpc = AdminXmlRpc(stack.server)
    health = health_p50(stack.server)
    results = {"data": {key: value for key, value in data.items()
                        if key not in ("contents", "attachment_ids", "storage", "wa_id")},
               "health_p50_ms": health}

    print("[bench] (a) export ...", file=sys.stderr)
    meter, database = CpuMeter(stack.server).start(), DatabaseCpu(probe, stack.db).start()
    started = time.monotonic()
    request_id = rpc("res.partner", "action_whatsapp_lgpd_export", [data["partner_id"]])["res_id"]
    wait_request(probe, request_id, 120)
    export_seconds = time.monotonic() - started
    cpu = {**meter.stop(), "database_backends_cpu_seconds": database.stop()}
    state, error = probe.rows("SELECT job_state, job_error FROM whatsapp_lgpd_request WHERE id = %s", [request_id])[0]
    url = rpc("whatsapp.lgpd.request", "read", [request_id], ["export_url"])[0]["export_url"]
    response = requests.get(stack.server.url(url[url.index("/whatsapp_lgpd/"):]), timeout=120)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    document = json.loads(archive.read("dados.json"))
    files = sorted(archive.read(name) for name in archive.namelist() if name.startswith("midia/"))
    results["a"] = {
        "seconds": round(export_seconds, 2), "ratio_to_health_p50": round(export_seconds * 1000 / health),
        "state": state, "error": error, "zip_bytes": len(response.content),
        "messages_in_export": len(document["messages"]), "files_in_export": len(files),
        "complete": len(document["messages"]) == data["subject_messages"] and files == sorted(data["contents"]),
        "target_seconds": TARGETS["export_seconds"], "meets_target": export_seconds <= TARGETS["export_seconds"],
        "cpu": cpu,
    }

    print("[bench] (b) anonymisation ...", file=sys.stderr)
    paths = [DATA_DIR / "filestore" / stack.db / fname for (fname,) in probe.rows(
        "SELECT store_fname FROM ir_attachment WHERE id = ANY(%s) AND store_fname IS NOT NULL",
        [data["attachment_ids"]])]
    s3_keys = [key for (key,) in probe.rows("""
        SELECT storage_key FROM whatsapp_media m JOIN whatsapp_message w ON w.id = m.message_id
         WHERE w.channel_id = %s AND storage_key IS NOT NULL""", [data["channel_id"]])]
    meter, database = CpuMeter(stack.server).start(), DatabaseCpu(probe, stack.db).start()
    started = time.monotonic()
    wizard = rpc("whatsapp.lgpd.anonymize.wizard", "create",
                 {"partner_id": data["partner_id"], "understood": True, "confirmation": NAME})
    request_id = rpc("whatsapp.lgpd.anonymize.wizard", "action_confirm", [wizard])["res_id"]
    wait_request(probe, request_id, 300)
    erase_seconds = time.monotonic() - started
    cpu = {**meter.stop(), "database_backends_cpu_seconds": database.stop()}
    state, error, audit = probe.rows("""SELECT job_state, job_error,
                                               (SELECT count(*) FROM whatsapp_lgpd_audit WHERE request_id = r.id)
                                          FROM whatsapp_lgpd_request r WHERE id = %s""", [request_id])[0]
    s3_left = 0
    for key in s3_keys:
        try:
            data["storage"].head_object(Bucket=s3.bucket, Key=key)
            s3_left += 1
        except Exception:  # noqa: BLE001, S112 - missing: what we want
            continue
    results["b"] = {
        "seconds": round(erase_seconds, 2), "ratio_to_health_p50": round(erase_seconds * 1000 / health),
        "state": state, "error": error, "audit_entries": audit,
        "messages_kept": probe.scalar("SELECT count(*) FROM mail_message WHERE model = 'discuss.channel' "
                                      "AND res_id = %s", [data["channel_id"]]),
        "texts_left": probe.scalar("SELECT count(*) FROM mail_message WHERE model = 'discuss.channel' AND res_id = %s "
                                   "AND body LIKE %s", [data["channel_id"], "%bench message%"]),
        "inbox_rows_with_number": probe.scalar("SELECT count(*) FROM whatsapp_inbox WHERE raw_body LIKE %s",
                                               [f"%{data['wa_id']}%"]),
        "files_left": sum(1 for path in paths if path.exists()),
        "s3_objects_left": s3_left,
        "target_seconds": TARGETS["anonymisation_seconds"],
        "meets_target": erase_seconds <= TARGETS["anonymisation_seconds"],
        "cpu": cpu,
    }
    return results


def print_table(results):
    data, a, b = results["data"], results["a"], results["b"]
    lines = [
        "", "whatsapp_crm LGPD benchmarks  " + results["started_at"], "",
        f"one contact: {data['mail_messages']:,} messages ({data['whatsapp_messages']:,} WhatsApp rows, "
        f"{data['statuses']:,} statuses, {data['inbox_rows']:,} raw webhook rows), "
        f"{results['arguments']['media']} files of 50 kB "
        f"({data['s3_objects']} in S3); data in {data['generation_seconds']} s; /web/health p50 "
        f"{results['health_p50_ms']:.1f} ms",
        f"(a) export to ZIP:      {a['seconds']:6.2f} s  (x{a['ratio_to_health_p50']:,} health p50)  "
        f"target <= {a['target_seconds']} s: {'yes' if a['meets_target'] else 'NO'}; {a['state']}; "
        f"{a['messages_in_export']:,} messages and {a['files_in_export']} files in {a['zip_bytes'] / 1e6:.1f} MB, "
        f"complete: {'yes' if a['complete'] else 'NO'}",
        f"    CPU: Odoo {a['cpu']['server_cpu_seconds']} s, this database's PostgreSQL backends "
        f"{a['cpu']['database_backends_cpu_seconds']} s (all PostgreSQL {a['cpu']['postgres_cpu_seconds']} s), "
        f"machine busy {a['cpu']['machine_busy_percent']:.0f}%",
        f"(b) anonymisation:      {b['seconds']:6.2f} s  (x{b['ratio_to_health_p50']:,} health p50)  "
        f"target <= {b['target_seconds']} s: {'yes' if b['meets_target'] else 'NO'}; {b['state']}; "
        f"messages kept {b['messages_kept']:,}, texts left {b['texts_left']}, raw rows with the number "
        f"{b['inbox_rows_with_number']}, files left {b['files_left']}, S3 objects left {b['s3_objects_left']}",
        f"    CPU: Odoo {b['cpu']['server_cpu_seconds']} s, this database's PostgreSQL backends "
        f"{b['cpu']['database_backends_cpu_seconds']} s (all PostgreSQL {b['cpu']['postgres_cpu_seconds']} s), "
        f"machine busy {b['cpu']['machine_busy_percent']:.0f}%",
        "",
        f"machine: {results['machine']['cpus']} CPUs, load average before the run "
        f"{results['machine']['loadavg_before']}; total {results['total_seconds']} s; results: {results['path']}",
    ]
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--media", type=int, default=200)
    parser.add_argument("--s3-share", type=float, default=0.5, help="share of the files kept in S3 (needs s3rver)")
    args = parser.parse_args()
    results = results_header(args)
    started = time.monotonic()
    s3 = S3Server().start() if args.s3_share and S3Server.available() else None
    if args.s3_share and not s3:
        print("[bench] s3rver is not installed: every file in the filestore", file=sys.stderr)
    try:
        with Stack("threaded", label="bench-lgpd") as stack:
            results.update(bench(stack, s3, args.messages, args.media, args.s3_share))
    finally:
        if s3:
            s3.close()
    results["total_seconds"] = round(time.monotonic() - started, 1)
    save_results(results, "lgpd")
    print_table(results)


if __name__ == "__main__":
    main()

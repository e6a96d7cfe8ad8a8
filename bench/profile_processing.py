"""Where the CPU of processing one inbound message goes: cProfile over the processing of N stored webhooks.

    bash scripts/bench.sh --profile                      # or, with the venv's python:
    python bench/profile_processing.py --messages 400 --customers 40
    python bench/profile_processing.py --addons /tmp/main/addons --label before   # another version of the addons

Odoo runs inside this process (no HTTP server, no job runner): the webhooks are stored as the webhook stores
them, then processing runs to the end under cProfile with a CPU-time clock, so the other load of a shared
machine does not change the figures (wall-clock does not enter them). Prints CPU ms and SQL queries per message
(and the CPU of the PostgreSQL backend that ran them, read from /proc),
the top functions by own and by cumulative CPU, and CPU shares by area (message_post, bus, web push, ORM...);
saves the raw profile (.pstats) and a JSON summary in bench/results/.

Works with the queue_job engine (``whatsapp.inbox._job_drain``) and with the older cron partitions
(``whatsapp.inbox._cron_process``), so the same script gives the "before" and "after" profiles.
"""

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

from wacrm_harness import ACCOUNT, PG, PROJECT_DIR, create_database, drop_db, encode_payload, unique_wa_id
from wacrm_harness.config import ODOO_SRC
from wacrm_harness.database import install_database

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# Areas of the code, by the file a profiled function lives in (first match wins).
AREAS = [
    ("web push", ("mail/tools/web_push", "mail_push", "_notify_thread_by_web_push")),
    ("bus", ("/bus/",)),
    ("Discuss store (client payloads)", ("mail/tools/discuss.py", "_to_store")),
    ("message_post", ("mail/models/mail_thread.py", "mail/models/discuss/discuss_channel.py",
                      "mail/models/mail_message.py")),
    ("whatsapp_crm", ("whatsapp_crm/",)),
    ("queue_job", ("queue_job/",)),
    ("ORM", ("odoo/orm/", "odoo/models.py", "odoo/fields.py", "odoo/api.py")),
    ("SQL (psycopg2, client side)", ("sql_db.py", "psycopg2")),
]


def build_bodies(count, customers):
    from meta_sandbox import Sandbox

    sandbox = Sandbox(webhook_url="http://127.0.0.1:9/unused", app_secret=ACCOUNT["app_secret"],
                      phone_number_id=ACCOUNT["phone_number_id"], waba_id=ACCOUNT["waba_id"],
                      display_phone_number=ACCOUNT["display_phone_number"], token=ACCOUNT["access_token"])
    people = [sandbox.customer(unique_wa_id(f"profile-{index}"), f"Perfil {index}") for index in range(customers)]
    return [encode_payload(people[index % customers].text(f"profile message {index}", send=False).payload)
            for index in range(count)]


def area_of(filename, function):
    for area, needles in AREAS:
        if any(needle in filename or needle == function for needle in needles):
            return area
    return "other (Python, Odoo core)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=40, help="messages processed before profiling")
    parser.add_argument("--addons", default=str(PROJECT_DIR / "addons"),
                        help="the addons to profile (default: this checkout's)")
    parser.add_argument("--label", default="current")
    args = parser.parse_args()

    addons = Path(args.addons).resolve()
    db = f"{os.environ.get('WHATSAPP_CRM_DB_PREFIX', 'wacrm_harness_')}{os.getpid()}_profile_{args.label}"
    if addons == (PROJECT_DIR / "addons").resolve():
        db = create_database(f"profile_{args.label}")
    else:
        install_database(db, addons)

    sys.path.insert(0, str(ODOO_SRC))
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config([
        f"--addons-path={addons},{ODOO_SRC / 'addons'},{ODOO_SRC / 'odoo' / 'addons'}",
        f"--db_host={PG['host']}", f"--db_port={PG['port']}", f"--db_user={PG['user']}",
        f"--db_password={PG['password']}", "--log-level=warn", "-d", db,
    ])
    try:
        registry = Registry(db)
        with registry.cursor() as cr:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            account = env["whatsapp.account"].create(dict(ACCOUNT, graph_base_url="http://127.0.0.1:9"))
            # The attendants of a small team: Discuss notifies each member of every conversation.
            for index in range(3):
                env["res.users"].create({"name": f"Atendente {index}", "login": f"attendant{index}",
                                         "group_ids": [(4, env.ref("whatsapp_crm.group_whatsapp_attendant").id)]})
            account_ids = [account.id]
        inbox_model = "whatsapp.inbox"
        bodies = build_bodies(args.warmup + 2 * args.messages, args.customers)

        def store(batch):
            with registry.cursor() as cr:
                env = api.Environment(cr, odoo.SUPERUSER_ID, {})
                inbox = env[inbox_model]
                for body in batch:
                    if "_wake_drain" in type(inbox).__dict__ or hasattr(inbox, "_job_drain"):
                        inbox._store_webhook(body, account_ids)
                    else:
                        inbox._store_webhook(body)
                cr.postcommit.clear()   # no job runner here: processing is called below

        backend_cpu = []

        def process():
            """What the drain job does, batch after batch (each committed), without its time budget."""
            with registry.cursor() as cr:
                cr.execute("SELECT pg_backend_pid()")
                backend = cr.fetchone()[0]
                started = process_cpu_seconds(backend)
                env = api.Environment(cr, env_uid(cr), {})
                inbox = env[inbox_model]
                if hasattr(inbox, "_job_drain"):
                    while inbox._split_received():
                        cr.commit()
                    while env["whatsapp.inbox.event"]._process_due():
                        cr.commit()
                else:   # before the job engine: the inbox cron of each partition
                    for partition in (0, 1):
                        inbox._cron_process(partition=partition)
                backend_cpu.append(process_cpu_seconds(backend) - started)

        def env_uid(cr):
            cr.execute("SELECT res_id FROM ir_model_data WHERE module = 'whatsapp_crm' "
                       "AND name = 'user_whatsapp_processing'")
            return cr.fetchone()[0]

        store(bodies[:args.warmup])
        process()   # warm caches, first customers, registry
        # The same number of messages twice: once measured (CPU clock, SQL queries), once under cProfile
        # (which slows Python code down two to three times, so only its shares are used).
        half = args.warmup + args.messages
        store(bodies[args.warmup:half])
        queries_before = query_count(registry)
        cpu_started, wall_started = time.process_time(), time.monotonic()
        process()
        cpu = time.process_time() - cpu_started
        postgres_cpu = backend_cpu[-1]
        wall = time.monotonic() - wall_started
        queries = query_count(registry) - queries_before
        store(bodies[half:])
        profiler = cProfile.Profile(time.process_time)
        profiled_started = time.process_time()
        profiler.enable()
        process()
        profiler.disable()
        profiled_cpu = time.process_time() - profiled_started
        with registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM whatsapp_message WHERE direction = 'in' AND mail_message_id IS NOT NULL")
            posted = cr.fetchone()[0]
    finally:
        odoo.sql_db.close_all()
        drop_db(db)

    expected = args.warmup + 2 * args.messages
    stats = pstats.Stats(profiler)
    areas = {}
    for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        area = area_of(filename, function)
        areas[area] = areas.get(area, 0) + own
    total_own = sum(areas.values()) or 1
    stamp = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stats.dump_stats(RESULTS_DIR / f"profile-{args.label}-{stamp}.pstats")
    summary = {
        "label": args.label, "addons": str(addons), "messages": args.messages, "customers": args.customers,
        "all_posted": posted == expected, "posted": posted,
        "cpu_ms_per_message": round(cpu / args.messages * 1000, 2),
        "postgres_cpu_ms_per_message": round(postgres_cpu / args.messages * 1000, 2),
        "wall_ms_per_message": round(wall / args.messages * 1000, 2),
        "profiled_cpu_ms_per_message": round(profiled_cpu / args.messages * 1000, 2),
        "queries_per_message": round(queries / args.messages, 1),
        "cpu_share_by_area": {area: round(seconds / total_own * 100, 1)
                              for area, seconds in sorted(areas.items(), key=lambda item: -item[1])},
        "loadavg": [round(value, 2) for value in os.getloadavg()],
    }
    (RESULTS_DIR / f"profile-{args.label}-{stamp}.json").write_text(json.dumps(summary, indent=2))
    (RESULTS_DIR / f"profile-{args.label}-latest.json").write_text(json.dumps(summary, indent=2))

    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    print(out.getvalue())
    print(f"processing profile [{args.label}]: {args.messages} messages from {args.customers} customers "
          f"(posted {posted} of {expected}, warm-up included)")
    print(f"    CPU {summary['cpu_ms_per_message']} ms per message in Odoo (wall {summary['wall_ms_per_message']} ms), "
          f"{summary['postgres_cpu_ms_per_message']} ms in PostgreSQL (the processing connection's backend), "
          f"{summary['queries_per_message']} SQL queries per message; under cProfile "
          f"{summary['profiled_cpu_ms_per_message']} ms (shares below are of that run)")
    for area, share in summary["cpu_share_by_area"].items():
        print(f"    {area:34}{share:6.1f} %")


def process_cpu_seconds(pid):
    """User + system CPU of a local process (here: the PostgreSQL backend serving the processing cursor), from
    /proc: what that connection's queries cost the server, whatever else runs on the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def query_count(registry):
    """Queries sent by this process so far (Odoo's global counter in ``odoo.sql_db``)."""
    import odoo.sql_db
    return odoo.sql_db.sql_counter


if __name__ == "__main__":
    main()

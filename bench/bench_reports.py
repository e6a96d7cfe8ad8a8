"""Report benchmarks: every manager's report over 100,000 conversations and 1,000,000 messages, against a
real threaded Odoo server (the `make run` configuration) started by the end-to-end harness on a fresh copy of
the installed database.

    /var/tmp/whatsapp_crm/venv/bin/python bench/bench_reports.py                       # ~3-5 minutes
    ... bench/bench_reports.py --conversations 20000 --messages 200000 --runs 3

Seeding is bulk SQL shaped like what the product writes: conversations (discuss.channel of type whatsapp) spread
over 90 days, 8 attendants and 3 departments, one service record each (first answer, closing, counts, transfers,
automatic returns), two assignment events per conversation, and the messages (half inbound, half outbound with their
Discuss post, attendant, department, billing category and estimated cost; one in twenty a template).

Each report is read as the pivot reads it (`formatted_read_group` over XML-RPC as admin), ``--runs`` times; the
median wall time of the call is the figure (target <= 1 s), also given as a ratio to /web/health p50 measured on
the same server in the same run, with Odoo's CPU per call and PostgreSQL's (all backends of the machine: noisy on
a shared one). The cost lines are those the product's triggers write for the bulk inserts (grouped per
statement), not folded by the compaction job. Prints a table and saves bench/results/reports-<time>.json (and
reports-latest.json). See bench/README.md.
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "e2e"))

from bench_queue import (  # noqa: E402
    AdminXmlRpc,
    clear_foreign_cron_triggers,
    health_p50,
)

from bench import results_header, save_results  # noqa: E402
from harness import CpuMeter, Stack  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
TARGET_SECONDS = 1.0
ATTENDANTS = 8

# (name, model, domain, groupby, aggregates): what each report screen asks.
REPORTS = [
    ("volume per attendant", "whatsapp.report.conversation", [], ["attendant_id"], ["__count"]),
    ("first answer per attendant (avg, median, p90)", "whatsapp.report.conversation", [],
     ["first_attendant_id"], ["__count", "first_response_hours:avg", "first_response_median:median",
                              "first_response_p90:p90"]),
    ("first answer overall, last 30 days", "whatsapp.report.conversation", "last_30_days", [],
     ["first_response_hours:avg", "first_response_median:median", "first_response_p90:p90", "close_hours:avg"]),
    ("volume per hour of day", "whatsapp.report.conversation", [], ["opened_at:hour_number"], ["__count"]),
    ("volume per weekday", "whatsapp.report.conversation", [], ["opened_at:day_of_week"], ["__count"]),
    ("time to close per week", "whatsapp.report.conversation", [], ["opened_at:week"],
     ["close_hours:avg", "close_median:median"]),
    ("window use per attendant", "whatsapp.report.conversation", [], ["attendant_id"],
     ["answered:sum", "answered_in_window:sum", "needed_template:sum"]),
    ("waiting now, oldest wait", "whatsapp.report.conversation", [("waiting", "=", True)], [],
     ["waiting_count:sum", "wait_hours:max"]),
    ("automatic returns per attendant", "whatsapp.service.event", [("kind", "=", "auto_released")],
     ["attendant_id"], ["__count"]),
    ("cost per month and category", "whatsapp.report.cost", [], ["date:month", "category"],
     ["message_count:sum", "estimated_cost:sum"]),
    ("cost per attendant", "whatsapp.report.cost", [], ["attendant_id"], ["estimated_cost:sum"]),
    ("cost per template", "whatsapp.report.cost", [], ["template_id"], ["estimated_cost:sum"]),
    ("cost per department and month", "whatsapp.report.cost", [], ["department_id", "date:month"],
     ["message_count:sum", "estimated_cost:sum"]),
    ("first answer per department (business hours)", "whatsapp.report.conversation", [], ["department_id"],
     ["first_response_business_hours:avg", "first_response_business_median:median"]),
]


def seed(stack, conversations, messages):
    """Bulk rows shaped like the product's; returns the seconds it took."""
    probe = stack.probe
    started = time.monotonic()
    account = probe.scalar("SELECT id FROM whatsapp_account ORDER BY id LIMIT 1")
    company = probe.scalar("SELECT company_id FROM whatsapp_account WHERE id = %s", [account])
    admin_partner = probe.scalar("SELECT partner_id FROM res_users WHERE login = 'admin'")
    users = []
    for index in range(ATTENDANTS):
        partner = probe.scalar("INSERT INTO res_partner (name, active, type) VALUES (%s, true, 'contact') RETURNING id",
                               [f"Bench Attendant {index}"])
        users.append(probe.scalar("""
            INSERT INTO res_users (login, partner_id, company_id, active, share, notification_type)
            VALUES (%s, %s, %s, true, false, 'inbox') RETURNING id""", [f"bench-attendant-{index}", partner, company]))
    departments = [probe.scalar("""
        INSERT INTO whatsapp_department (name, company_id, sequence, active, assignment_mode, capacity)
        VALUES (%s, %s, %s, true, 'manual', 5) RETURNING id""", [f"Bench department {index}", company, index])
        for index in range(3)]
    params = {"account": account, "company": company, "users": users, "n": conversations, "m": messages,
              "admin_partner": admin_partner, "departments": departments}
    probe.execute("""
        INSERT INTO discuss_channel (name, channel_type, whatsapp_account_id, whatsapp_company_id, whatsapp_status,
                                     whatsapp_last_direction, whatsapp_last_inbound_at, whatsapp_assignee_id,
                                     whatsapp_department_id, create_date, write_date, last_interest_dt)
        SELECT 'Bench customer ' || g, 'whatsapp', %(account)s, %(company)s,
               CASE WHEN g %% 50 = 0 THEN 'open' ELSE 'closed' END,
               CASE WHEN g %% 100 = 0 THEN 'in' ELSE 'out' END,
               now() at time zone 'UTC' - interval '1 minute' * (g %% 129600),
               CASE WHEN g %% 50 = 0 AND g %% 100 != 0 THEN (%(users)s::int[])[1 + g %% 8] END,
               (%(departments)s::int[])[1 + g %% 3],
               now() at time zone 'UTC' - interval '1 minute' * (g %% 129600),
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %(n)s) g
    """, params)
    probe.execute("""
        INSERT INTO whatsapp_service_record (channel_id, account_id, company_id, department_id, first_department_id,
                                             attendant_id, first_attendant_id,
                                             opened_at, first_response_at, closed_at, outcome, messages_in,
                                             messages_out, media_in, media_out, templates_sent, answered_in_window,
                                             transfer_count, auto_release_count, first_response_hours, close_hours,
                                             first_response_business_hours, close_business_hours)
        SELECT c.id, %(account)s, %(company)s, c.whatsapp_department_id, c.whatsapp_department_id,
               (%(users)s::int[])[1 + c.id %% 8], (%(users)s::int[])[1 + c.id %% 8],
               c.create_date, c.create_date + interval '1 second' * (c.id %% 7200),
               CASE WHEN c.whatsapp_status = 'closed' THEN c.create_date + interval '1 second' * (c.id %% 86400) END,
               CASE WHEN c.whatsapp_status = 'open' THEN 'open' WHEN c.id %% 7 = 0 THEN 'auto_closed' ELSE 'closed' END,
               %(m)s / %(n)s / 2, %(m)s / %(n)s / 2, c.id %% 3, c.id %% 2, (c.id %% 20 = 0)::int, c.id %% 20 != 0,
               (c.id %% 10 = 0)::int, (c.id %% 15 = 0)::int, (c.id %% 7200) / 3600.0,
               CASE WHEN c.whatsapp_status = 'closed' THEN (c.id %% 86400) / 3600.0 ELSE 0 END,
               (c.id %% 3600) / 3600.0, CASE WHEN c.whatsapp_status = 'closed' THEN (c.id %% 43200) / 3600.0 ELSE 0 END
          FROM discuss_channel c WHERE c.channel_type = 'whatsapp' AND c.name LIKE 'Bench customer %%'
    """, params)
    probe.execute("""
        INSERT INTO whatsapp_service_event (record_id, account_id, company_id, kind, attendant_id, at)
        SELECT r.id, r.account_id, r.company_id, k.kind, r.attendant_id, r.opened_at
          FROM whatsapp_service_record r,
               LATERAL (SELECT 'taken' AS kind UNION ALL
                        SELECT CASE WHEN r.id %% 15 = 0 THEN 'auto_released' ELSE 'released' END) k
    """, params)
    subtype = probe.scalar("SELECT res_id FROM ir_model_data WHERE module = 'mail' AND name = 'mt_comment'")
    params["subtype"] = subtype
    # Messages: conversation by conversation, alternately in and out; outbound ones with their Discuss post.
    probe.execute("""
        CREATE TEMP TABLE IF NOT EXISTS bench_channels AS
        SELECT row_number() OVER (ORDER BY id) AS n, id, create_date, whatsapp_department_id FROM discuss_channel
         WHERE name LIKE 'Bench customer %%'
    """)
    probe.execute("""
        INSERT INTO mail_message (model, res_id, body, message_type, subtype_id, author_id, date, create_date,
                                  write_date, message_id)
        SELECT 'discuss.channel', c.id, '<p>bench</p>', 'comment', %(subtype)s,
               (SELECT partner_id FROM res_users WHERE id = (%(users)s::int[])[1 + c.id %% 8]),
               c.create_date, c.create_date, c.create_date, 'bench-report-' || g || '@wa'
          FROM generate_series(1, %(m)s / 2) g JOIN bench_channels c ON c.n = 1 + g %% %(n)s
    """, params)
    probe.execute("""
        INSERT INTO whatsapp_message (account_id, company_id, channel_id, direction, state, message_type, wamid,
                                      create_date, write_date, sent_at, mail_message_id, billing_category,
                                      estimated_cost, attendant_id, department_id)
        SELECT %(account)s, %(company)s, p.res_id, 'out', 'delivered',
               CASE WHEN p.id %% 20 = 0 THEN 'template' ELSE 'text' END, 'wamid.bench-out-' || p.id,
               p.date, p.date, p.date, p.id,
               CASE WHEN p.id %% 20 = 0 THEN 'marketing' ELSE 'service' END,
               CASE WHEN p.id %% 20 = 0 THEN 0.0625 ELSE 0 END,
               (%(users)s::int[])[1 + p.res_id %% 8], c.whatsapp_department_id
          FROM mail_message p JOIN bench_channels c ON c.id = p.res_id WHERE p.message_id LIKE 'bench-report-%%'
    """, params)
    probe.execute("""
        INSERT INTO whatsapp_message (account_id, company_id, channel_id, direction, state, message_type, wamid,
                                      create_date, write_date, meta_timestamp)
        SELECT %(account)s, %(company)s, c.id, 'in', 'received', 'text', 'wamid.bench-in-' || g,
               c.create_date, c.create_date, c.create_date
          FROM generate_series(1, %(m)s / 2) g JOIN bench_channels c ON c.n = 1 + g %% %(n)s
    """, params)
    probe.execute("ANALYZE discuss_channel; ANALYZE whatsapp_service_record; ANALYZE whatsapp_service_event; "
                  "ANALYZE whatsapp_message; ANALYZE mail_message; ANALYZE res_users")
    return round(time.monotonic() - started, 1)


def bench(stack, conversations, messages, runs):
    clear_foreign_cron_triggers(stack.probe)
    print(f"[bench] seeding {conversations:,} conversations and {messages:,} messages ...", file=sys.stderr)
    seeded = seed(stack, conversations, messages)
    rpc = AdminXmlRpc(stack.server)
    health = health_p50(stack.server)
    thirty_days = (datetime.datetime.utcnow() - datetime.timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    rows = []
    for name, model, domain, groupby, aggregates in REPORTS:
        if domain == "last_30_days":
            domain = [("opened_at", ">=", thirty_days)]
        timings = []
        groups = rpc(model, "formatted_read_group", domain, groupby, aggregates)  # warms the caches
        meter = CpuMeter(stack.server).start()
        for _ in range(runs):
            started = time.perf_counter()
            groups = rpc(model, "formatted_read_group", domain, groupby, aggregates)
            timings.append(time.perf_counter() - started)
        cpu = meter.stop()
        seconds = statistics.median(timings)
        rows.append({"report": name, "model": model, "groups": len(groups), "seconds": round(seconds, 3),
                     # Odoo's own CPU per call; PostgreSQL's is every backend of the (shared) machine.
                     "server_cpu_ms": round(cpu["server_cpu_seconds"] / runs * 1000),
                     "postgres_cpu_ms": round(cpu["postgres_cpu_seconds"] / runs * 1000),
                     "ratio_to_health_p50": round(seconds * 1000 / health, 1) if health else None,
                     "within_target": seconds <= TARGET_SECONDS})
    counts = stack.probe.rows("""
        SELECT (SELECT count(*) FROM whatsapp_service_record), (SELECT count(*) FROM whatsapp_message)""")[0]
    return {"seed_seconds": seeded, "health_p50_ms": health, "reports": rows,
            "rows": {"service_records": counts[0], "messages": counts[1]}}


def print_table(results):
    lines = [
        f"Reports over {results['rows']['service_records']:,} conversations and {results['rows']['messages']:,} "
        f"messages (target <= {TARGET_SECONDS} s each); /web/health p50 {results['health_p50_ms']} ms",
        f"{'report':<50} {'groups':>7} {'seconds':>8} {'x health':>9} {'odoo cpu':>9} {'pg cpu':>7}  target",
    ]
    for row in results["reports"]:
        lines.append(f"{row['report']:<50} {row['groups']:>7} {row['seconds']:>8.3f} "
                     f"{row['ratio_to_health_p50']:>9} {row['server_cpu_ms']:>6} ms {row['postgres_cpu_ms']:>4} ms  "
                     f"{'ok' if row['within_target'] else 'MISSED'}")
    lines.append(f"seeding {results['seed_seconds']} s; machine: {results['machine']['cpus']} CPUs, load average "
                 f"before the run {results['machine']['loadavg_before']}; results: {results['path']}")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = results_header(args)
    with Stack("threaded", label="bench-reports") as stack:
        results.update(bench(stack, args.conversations, args.messages, args.runs))
    save_results(results, "reports")
    print_table(results)


if __name__ == "__main__":
    main()

"""The front door (issue 16) against a real threaded Odoo server (the `make run` configuration, queue_job's runner
in the process), started by the end-to-end harness on a fresh copy of the installed database.

    /var/tmp/whatsapp_crm/venv/bin/python bench/bench_frontdoor.py                 # 1,000 first contacts
    ... bench/bench_frontdoor.py --customers 300 --attendants 9

N first contacts arrive together across 3 departments (round robin, least busy, round robin) of 20 online
attendants: each customer writes "Oi" and, right after, the number of their department (the greeting menu
answered). Measured: from the first POST until every conversation is routed to its department and assigned,
and checked: every conversation in the department chosen, no attendant above their capacity (capacity is set so
that the attendants' slots hold every conversation exactly). `GET /web/health` p50 on the same server, just
before, gives the ratio. Prints a table and saves bench/results/frontdoor-<time>.json (and frontdoor-latest.json).
"""

import argparse
import sys
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "e2e"))

from bench_attendance import Health, timed  # noqa: E402
from bench_queue import AdminXmlRpc, clear_foreign_cron_triggers, create_attendant  # noqa: E402

import harness  # noqa: E402
from bench import results_header, save_results, summary  # noqa: E402
from harness import Stack  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
DEPARTMENTS = [("Bilheteria", "round_robin"), ("Educativo", "least_busy"), ("Imprensa", "round_robin")]
POSTING_THREADS = 16


def setup(stack, attendants, customers):
    admin = AdminXmlRpc(stack.server)
    user_ids = [create_attendant(stack, f"bench_fd_{n}")[0] for n in range(attendants)]
    # Everyone online in Odoo (their web clients' presence), for the whole run.
    stack.probe.execute("""
        INSERT INTO mail_presence (user_id, status, last_poll, last_presence)
        SELECT unnest(%s::int[]), 'online', now() AT TIME ZONE 'UTC' + interval '1 hour',
               now() AT TIME ZONE 'UTC' + interval '1 hour'
    """, [user_ids])
    members = [user_ids[index::len(DEPARTMENTS)] for index in range(len(DEPARTMENTS))]
    # Customers choose departments in proportion to their attendants; capacity = the largest share per attendant.
    shares = [round(customers * len(group) / attendants) for group in members]
    shares[-1] = customers - sum(shares[:-1])
    capacity = max(-(-share // len(group)) for share, group in zip(shares, members, strict=True))
    departments = []
    for sequence, ((name, mode), group) in enumerate(zip(DEPARTMENTS, members, strict=True), 1):
        departments.append(admin("whatsapp.department", "create", {
            "name": name, "sequence": sequence, "assignment_mode": mode, "capacity": capacity,
            "member_ids": [(6, 0, group)]}))
    return {"user_ids": user_ids, "departments": departments, "shares": shares, "capacity": capacity}


def post_all(stack, payloads):
    """POST every payload (a customer's two messages in order, on one connection), retrying non-200s as Meta does."""
    queue = list(payloads)
    lock = threading.Lock()
    errors = []

    def work():
        client = stack.client()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    pair = queue.pop()
                for payload in pair:
                    for _attempt in range(20):
                        if client.post(payload)[0] == 200:
                            break
                        time.sleep(0.2)
                    else:
                        errors.append("a POST never got a 200")
        finally:
            client.close()

    threads = [threading.Thread(target=work) for _index in range(POSTING_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise harness.HarnessError(errors[0])


def bench_first_contacts(stack, customers, attendants, timeout):
    probe = stack.probe
    config = setup(stack, attendants, customers)
    health = summary(timed(Health(stack.server), 100, 10))
    pairs, expected = [], {}
    department_of = [index for index, share in enumerate(config["shares"]) for _n in range(share)]
    for n in range(customers):
        customer = stack.customer(harness.unique_wa_id(f"fd{n}"), f"Cliente Bench {n}")
        choice = department_of[n]
        pairs.append((customer.text("Oi, boa tarde", send=False).payload,
                      customer.text(str(choice + 1), send=False).payload))
        expected[customer.wa_id] = config["departments"][choice]
    started = time.monotonic()
    cpu_before = stack.cpu_seconds()
    post_all(stack, pairs)
    posted = time.monotonic() - started
    progress, done = [], 0
    deadline = started + timeout
    while time.monotonic() < deadline:
        routed, assigned = probe.rows("""
            SELECT COUNT(*) FILTER (WHERE whatsapp_department_id IS NOT NULL),
                   COUNT(*) FILTER (WHERE whatsapp_assignee_id IS NOT NULL)
              FROM discuss_channel WHERE channel_type = 'whatsapp' AND whatsapp_status = 'open'""")[0]
        progress.append((round(time.monotonic() - started, 2), routed, assigned))
        if assigned >= customers:
            done = time.monotonic() - started
            break
        time.sleep(0.1)
    cpu = stack.cpu_seconds() - cpu_before
    loads = dict(probe.rows("""SELECT whatsapp_assignee_id, COUNT(*) FROM discuss_channel
                                WHERE channel_type = 'whatsapp' AND whatsapp_status = 'open'
                                  AND whatsapp_assignee_id IS NOT NULL GROUP BY 1"""))
    placed = dict(probe.rows("""SELECT partner.whatsapp_wa_id, channel.whatsapp_department_id
                                  FROM discuss_channel channel
                                  JOIN res_partner partner ON partner.id = channel.whatsapp_partner_id
                                 WHERE channel.channel_type = 'whatsapp'"""))
    wrong = sum(1 for wa_id, department in expected.items() if placed.get(wa_id) != department)
    return {
        "customers": customers, "attendants": attendants, "capacity": config["capacity"],
        "shares": dict(zip([name for name, _mode in DEPARTMENTS], config["shares"], strict=True)),
        "modes": dict(DEPARTMENTS),
        "posted_seconds": round(posted, 2),
        "all_routed_and_assigned_seconds": round(done, 2) if done else None,
        "per_second": round(customers / done, 1) if done else None,
        "web_health": health,
        "ratio_to_health_p50": round(done * 1000 / health["p50_ms"], 1) if done else None,
        "max_load": max(loads.values(), default=0),
        "over_capacity": sum(1 for count in loads.values() if count > config["capacity"]),
        "wrong_department": wrong,
        "odoo_cpu_seconds": round(cpu, 2),
        "progress_tail": progress[-5:],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--attendants", type=int, default=20)
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()
    results = results_header(args)
    with Stack("threaded", label="bench-frontdoor") as stack:
        clear_foreign_cron_triggers(stack.probe)
        print(f"[bench] front door, {args.customers} first contacts ...", file=sys.stderr)
        results["first_contacts"] = bench_first_contacts(stack, args.customers, args.attendants, args.timeout)
    save_results(results, "frontdoor")
    r = results["first_contacts"]
    print("\n".join([
        "", f"whatsapp_crm front door  {results['started_at']}", "",
        f"{r['customers']:,} first contacts (greeting menu answered) across {len(r['shares'])} departments "
        f"{r['shares']}, {r['attendants']} attendants online, capacity {r['capacity']}:",
        f"    POSTs done after {r['posted_seconds']} s; all routed and assigned after "
        f"{r['all_routed_and_assigned_seconds']} s ({r['per_second']}/s; x{r['ratio_to_health_p50']} "
        f"/web/health p50 of {r['web_health']['p50_ms']} ms)",
        f"    max conversations per attendant {r['max_load']} (over capacity: {r['over_capacity']}); "
        f"in the wrong department: {r['wrong_department']}; Odoo CPU {r['odoo_cpu_seconds']} s",
        f"machine: {results['machine']['cpus']} CPUs, load average before the run "
        f"{results['machine']['loadavg_before']}; results: {results['path']}",
    ]))


if __name__ == "__main__":
    main()

"""Helpdesk queue benchmarks against a real threaded Odoo server (the `make run` configuration), started by the
end-to-end harness (package wacrm_harness) on a fresh copy of the installed database, with the Meta sandbox in
process.

    /var/tmp/whatsapp_crm/venv/bin/python bench/bench_queue.py            # everything, ~3-6 minutes
    ... bench/bench_queue.py --only a --notify-messages 500                 # see --help

(a) webhook → websocket: an attendant logged in over HTTP (/web/session/authenticate) holds a real websocket on
    /websocket, subscribed as Odoo's web client does (the attendant takes the conversation, whose membership
    gives its channel); one signed text message at a time is POSTed and timed until its
    `discuss.channel/new_message` notification arrives.
(b) auto-release: N stale assigned conversations (bulk SQL), then the auto-release job run once
    (`ir.cron.method_direct_trigger` over XML-RPC, as admin: Odoo's own job runner, in the HTTP thread): how many
    it released and how fast, batch by batch; if one run does not release them all, it is triggered again at once
    (the scheduler would wait for the next call) until they are, for a best-case "all released" time.
(c) the "Não atribuídas" list: 100,000 conversations and 1,000,000 messages (bulk SQL, VACUUM ANALYZE), then
    `discuss.channel.whatsapp_queue_fetch("unassigned", 50)` as an attendant over JSON-RPC, for an attendant who
    belongs to every conversation (as `_whatsapp_get_or_open` makes every attendant) and, for comparison, one who
    belongs to none; (a) again on that data for both; and EXPLAIN ANALYZE of the SQL the call really sends
    (captured on a second start of the server behind the harness's PgProxy, so that the timed runs go straight to
    PostgreSQL).
(d) webhook → websocket by open conversations (issue 18 point 4): (a) with 1,000 and then 100,000 open
    conversations in the database (bulk SQL, members as production has them: the assignee only), for an attendant
    who answers the conversation and for one who only has it open; then the previous model (the attendant a member
    of every open conversation) for contrast.

Prints a table and saves bench/results/queue-<time>.json (and queue-latest.json). See bench/README.md.
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import sys
import threading
import time
import xmlrpc.client
from pathlib import Path

import websocket  # websocket-client, as Odoo's own bus tests use

import wacrm_harness as harness
from wacrm_harness import CpuMeter, Stack, WebhookClient, encode_payload, signature, wait_until

BENCH_DIR = Path(__file__).resolve().parent

from bench import cpu_summary, latency_row, machine_line, results_header, save_results, summary  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
TARGETS = {"a_p95_ms": 100, "b_seconds": 5, "c_p95_ms": 300, "d_p95_ms": 100}


# ------------------------------------------------------------
# Clients: a browser-like JSON-RPC session, admin over XML-RPC, attendants
# ------------------------------------------------------------

def websocket_version():
    """The worker version the server expects in /websocket?version= (a mismatch closes the connection)."""
    source = (harness.ODOO_SRC / "addons" / "bus" / "websocket.py").read_text()
    match = re.search(r'^\s*_VERSION\s*=\s*"([^"]+)"', source, re.M)
    return match.group(1) if match else ""


class JsonRpcSession:
    """What the web client does: log in with /web/session/authenticate, then call_kw with the session cookie, on
    one keep-alive connection."""

    def __init__(self, server, timeout=120):
        self.server = server
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
        self.session_id = None
        self.uid = None
        self.calls = 0

    def _post(self, path, params):
        self.calls += 1
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": self.calls, "params": params})
        headers = {"Content-Type": "application/json"}
        if self.session_id:
            headers["Cookie"] = f"session_id={self.session_id}"
        self.conn.request("POST", path, body, headers)
        response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            match = re.match(r"session_id=([^;]+)", value) if header.lower() == "set-cookie" else None
            if match:
                self.session_id = match.group(1)
        if response.status != 200:
            raise harness.HarnessError(f"{path}: HTTP {response.status} {data[:300]!r}")
        answer = json.loads(data)
        if "error" in answer:
            raise harness.HarnessError(f"{path}: {json.dumps(answer['error'])[:1500]}")
        return answer["result"]

    def authenticate(self, login, password):
        info = self._post("/web/session/authenticate", {"db": self.server.db, "login": login, "password": password})
        if not info.get("uid"):
            raise harness.HarnessError(f"{login} cannot log in")
        self.uid = info["uid"]
        return self

    def call_kw(self, model, method, args, kwargs=None):
        """``(result, seconds)``."""
        started = time.perf_counter()
        result = self._post(f"/web/dataset/call_kw/{model}.{method}",
                            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}})
        return result, time.perf_counter() - started

    def close(self):
        with contextlib.suppress(Exception):
            self.conn.close()


class AdminXmlRpc:
    """XML-RPC as admin, authenticated once (harness.rpc authenticates on every call: a password hash that has
    nothing to do with what is timed)."""

    def __init__(self, server):
        self.db = server.db
        self.uid = xmlrpc.client.ServerProxy(server.url("/xmlrpc/2/common"), allow_none=True).authenticate(
            server.db, "admin", "admin", {})
        self.models = xmlrpc.client.ServerProxy(server.url("/xmlrpc/2/object"), allow_none=True)

    def __call__(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, "admin", model, method, list(args), kwargs)


def create_attendant(stack, login):
    """A WhatsApp attendant (group whatsapp_crm.group_whatsapp_attendant), created by admin over XML-RPC.
    Returns ``(uid, partner_id, password)``."""
    group_id = stack.probe.scalar("""SELECT res_id FROM ir_model_data
                                     WHERE module = 'whatsapp_crm' AND name = 'group_whatsapp_attendant'""")
    password = f"{login}-Bench-2026!"
    uid = harness.rpc(stack.server, "res.users", "create", {
        "name": f"Bench {login}", "login": login, "password": password, "group_ids": [(4, group_id)]})
    partner_id = stack.probe.scalar("SELECT partner_id FROM res_users WHERE id = %s", [uid])
    return uid, partner_id, password


def clear_foreign_cron_triggers(probe):
    """The template carries a pending trigger of "Base: Auto-vacuum internal data" (from the install): it would
    fire at the first cron wake-up, in the middle of a measurement. Only the WhatsApp crons keep theirs."""
    probe.execute("""DELETE FROM ir_cron_trigger WHERE cron_id NOT IN (
                         SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND module = 'whatsapp_crm')""")


def admin_ids(probe):
    return probe.rows("SELECT id, partner_id FROM res_users WHERE login = 'admin'")[0]


# ------------------------------------------------------------
# (a) webhook POST -> notification on an attendant's websocket
# ------------------------------------------------------------

def bench_notify(stack, count, warmup, attendant=None, follow="assigned"):
    """``attendant``: ``(login, password, partner_id)`` of an existing attendant (default: a new one).

    ``follow``: how the attendant's websocket follows the conversation. "assigned": they take it
    (Assumir), so its assignee's membership gives the channel, with no explicit channel in the
    subscription (as Odoo's web client subscribes); "opened": they look at it from the queue without
    taking it, and the web client asks for "discuss.channel_<id>" by name."""
    probe = stack.probe
    if attendant:
        login, password, partner_id = attendant
    else:
        login = "bench_ws"
        _uid, partner_id, password = create_attendant(stack, login)
    # The conversation exists first (first message); nobody is a member of a new conversation.
    customer = stack.customer(harness.unique_wa_id("notify"), "Bench Websocket")
    first = customer.text("primeira mensagem", send=False)
    client = WebhookClient(stack.server)
    if client.post(first.payload)[0] != 200:
        raise harness.HarnessError("the first message was refused")
    probe.wait_processed([first.wamid], timeout=60)
    channel_id = probe.scalar("SELECT channel_id FROM whatsapp_message WHERE wamid = %s", [first.wamid])

    session = JsonRpcSession(stack.server).authenticate(login, password)
    explicit = []
    if follow == "assigned":
        session.call_kw("discuss.channel", "action_whatsapp_take", [[channel_id]])
    else:
        explicit = [f"discuss.channel_{channel_id}"]
    member = probe.scalar("SELECT count(*) FROM discuss_channel_member WHERE channel_id = %s AND partner_id = %s",
                          [channel_id, partner_id])
    # Each one is a bus channel the websocket subscribes to (twice: the channel and its "internal_users").
    memberships = probe.scalar("SELECT count(*) FROM discuss_channel_member WHERE partner_id = %s", [partner_id])
    url = f"ws://127.0.0.1:{stack.server.port}/websocket?version={websocket_version()}"
    ws = websocket.create_connection(url, cookie=f"session_id={session.session_id}", timeout=10)
    last = probe.scalar("SELECT coalesce(max(id), 0) FROM bus_bus")
    # What Odoo's websocket worker sends: the queue, and the conversation on screen if not a member.
    ws.send(json.dumps({"event_name": "subscribe",
                        "data": {"channels": ["whatsapp_crm.queue", *explicit], "last": last}}))

    nonce = os.urandom(3).hex()
    bodies = []
    for index in range(warmup + count):
        marker = f"qbench-{nonce}-{index:04d}"
        body = encode_payload(customer.text(f"{marker} chegou?", send=False).payload)
        bodies.append((marker, body, signature(body)))

    end_to_end, acks, after_ack, missed, other_frames, first_after_subscribe = [], [], [], [], 0, None
    meter = None
    for index, (marker, body, sig) in enumerate(bodies):
        if index == warmup:
            meter = CpuMeter(stack.server).start()
        started = time.perf_counter()
        status, ack = client.post(body, sig=sig)
        acked = time.perf_counter()
        if status != 200:
            raise harness.HarnessError(f"POST {index} answered {status}")
        deadline = started + (60 if index == 0 else 30)
        arrived = None
        while arrived is None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            ws.settimeout(remaining)
            try:
                frame = ws.recv()
            except websocket.WebSocketTimeoutException:
                break
            now = time.perf_counter()
            for notification in json.loads(frame):
                message = notification.get("message", {})
                if (message.get("type") == "discuss.channel/new_message"
                        and marker in json.dumps(message.get("payload"), ensure_ascii=False)):
                    arrived = now
                else:
                    other_frames += index >= warmup
        if index < warmup:
            if arrived is None:
                raise harness.HarnessError(f"warm-up message {index} never reached the websocket "
                                           f"(member: {bool(member)})")
            if index == 0:   # includes the server's handling of the subscription
                first_after_subscribe = arrived - started
            continue
        if arrived is None:
            missed.append(index - warmup)
            continue
        end_to_end.append(arrived - started)
        acks.append(ack)
        after_ack.append(arrived - acked)
    cpu = meter.stop()
    ws.close()
    session.close()
    client.close()
    figures = summary(end_to_end)
    return {
        "server": "threaded (--workers=0 --max-cron-threads=3, as `make run`)",
        "messages": count, "warmup": warmup, "follow": follow,
        "attendant_is_member": bool(member),
        "attendant_memberships": memberships,
        "first_message_after_subscribe_ms": round(first_after_subscribe * 1000, 1) if first_after_subscribe else None,
        "webhook_to_websocket": figures,
        "webhook_ack": summary(acks),
        "ack_to_websocket": summary(after_ack),
        "missed": len(missed), "missed_indexes": missed[:10],
        "other_notifications_seen": other_frames,
        "cpu": cpu,
        "target_p95_ms": TARGETS["a_p95_ms"],
        "meets_target": bool(end_to_end) and not missed and figures["p95_ms"] <= TARGETS["a_p95_ms"],
    }


# ------------------------------------------------------------
# Bulk data (SQL generate_series; the ORM would take hours for (c))
# ------------------------------------------------------------

# Customers, their conversations and their members, in one statement. {state} is an SQL expression of r (a random
# number per row) choosing the queue state; {members}, a query of c (the new channel) giving its members' partners.
CONVERSATIONS_SQL = """
WITH spec AS (
    SELECT g, random() AS r, random() AS r2, random() AS r3
      FROM generate_series(%(first)s, %(first)s + %(count)s - 1) g
), partners AS (
    INSERT INTO res_partner (name, complete_name, phone, whatsapp_wa_id, whatsapp_profile_name, active, type,
                             is_company, partner_share, employee, create_uid, write_uid, create_date, write_date)
    SELECT %(label)s || ' ' || g, %(label)s || ' ' || g, '+55 11 9' || lpad(g::text, 8, '0'),
           '55119' || lpad(g::text, 8, '0'), %(label)s || ' ' || g, true, 'contact',
           false, true, false, 1, 1, %(now)s, %(now)s
      FROM spec
    RETURNING id, name
), numbered AS (
    SELECT p.id AS partner_id, p.name, s.r, s.r2, s.r3
      FROM (SELECT id, name, row_number() OVER (ORDER BY id) + %(first)s - 1 AS g FROM partners) p
      JOIN spec s USING (g)
), shaped AS (
    SELECT partner_id, name, r, r2, r3, {state} AS state FROM numbered
), channels AS (
    INSERT INTO discuss_channel (name, channel_type, uuid, active, create_uid, write_uid, create_date, write_date,
                                 last_interest_dt, whatsapp_account_id, whatsapp_company_id, whatsapp_partner_id,
                                 whatsapp_status, whatsapp_queue_state, whatsapp_assignee_id, whatsapp_assigned_at,
                                 whatsapp_last_activity_at, whatsapp_last_direction, whatsapp_last_inbound_at,
                                 whatsapp_window_expires_at)
    SELECT name, 'whatsapp', 'qb' || partner_id, true, 1, 1, %(now)s, %(now)s,
           {last_interest}, %(account)s, (SELECT company_id FROM whatsapp_account WHERE id = %(account)s), partner_id,
           CASE WHEN state = 'closed' THEN 'closed' ELSE 'open' END,
           state,
           CASE WHEN state IN ('assigned', 'waiting_customer') THEN
                CASE WHEN r3 < %(mine_share)s THEN %(assignee)s ELSE %(other_assignee)s END END,
           CASE WHEN state IN ('assigned', 'waiting_customer') THEN {assigned_at} END,
           CASE WHEN state IN ('assigned', 'waiting_customer') THEN {activity} END,
           CASE WHEN state = 'waiting_customer' THEN 'out' ELSE 'in' END,
           {last_interest}, {last_interest} + interval '24 hours'
      FROM shaped
    RETURNING id, whatsapp_partner_id, whatsapp_assignee_id
), members AS (
    INSERT INTO discuss_channel_member (channel_id, partner_id, new_message_separator, create_uid, write_uid,
                                        create_date, write_date, last_interest_dt)
    SELECT c.id, m.partner_id, 0, 1, 1, %(now)s, %(now)s, %(now)s
      FROM channels c
     CROSS JOIN LATERAL ({members}) m(partner_id)
    RETURNING 1
)
SELECT (SELECT min(id) FROM channels), (SELECT max(id) FROM channels), (SELECT count(*) FROM channels),
       (SELECT count(*) FROM members)
"""

MESSAGES_SQL = """
INSERT INTO mail_message (model, res_id, message_type, body, author_id, subtype_id, date, is_internal,
                          create_uid, write_uid, create_date, write_date)
SELECT 'discuss.channel', c.id, 'comment', '<p>mensagem ' || g || '</p>',
       CASE WHEN g %% 2 = 0 THEN c.whatsapp_partner_id ELSE %(attendant_partner)s END,
       %(subtype)s, d, false, 1, 1, d, d
  FROM generate_series(1, %(count)s) g
  JOIN discuss_channel c ON c.id = %(first_channel)s + (hashint4(g) & 2147483647) %% %(channels)s
  CROSS JOIN LATERAL (SELECT %(now)s - (g %% 43200) * interval '1 minute') AS t(d)
"""


# Members as production had them before 19.0.1.1.0 (_whatsapp_get_or_open added the customer and every attendant)...
MEMBERS_CUSTOMER_AND_ATTENDANTS = "SELECT c.whatsapp_partner_id UNION ALL SELECT unnest(%(attendants)s)"
# ... and since: the assignee only (nobody while the conversation waits; never the customer).
MEMBERS_ASSIGNEE = "SELECT partner_id FROM res_users WHERE id = c.whatsapp_assignee_id"


def insert_conversations(probe, *, count, label, state, last_interest, assigned_at, activity, account, assignee,
                         other_assignee, mine_share, attendant_partners, members=MEMBERS_CUSTOMER_AND_ATTENDANTS,
                         first=1):
    """``first``: the number of the first customer (their numbers are unique: start after earlier calls)."""
    sql = CONVERSATIONS_SQL.format(state=state, last_interest=last_interest, assigned_at=assigned_at,
                                   activity=activity, members=members)
    now = probe.scalar("SELECT (now() AT TIME ZONE 'UTC')::timestamp")
    row = probe.rows(sql, {"first": first, "count": count, "label": label, "now": now, "account": account,
                           "assignee": assignee, "other_assignee": other_assignee, "mine_share": mine_share,
                           "attendants": list(attendant_partners)})[0]
    return {"first_id": row[0], "last_id": row[1], "conversations": row[2], "members": row[3]}


# ------------------------------------------------------------
# (b) auto-release of stale conversations
# ------------------------------------------------------------

def bench_release(stack, count):
    probe = stack.probe
    uid, partner_id, _password = create_attendant(stack, "bench_release")
    admin_uid, admin_partner = admin_ids(probe)
    started = time.monotonic()
    # 2 h without activity, assigned 3 h ago; the default delay is 30 minutes.
    ids = insert_conversations(
        probe, count=count, label="Cliente Ocioso", state="'assigned'",
        last_interest="%(now)s - interval '2 hours' - r * interval '30 minutes'",
        assigned_at="%(now)s - interval '3 hours'", activity="%(now)s - interval '2 hours'",
        account=stack.account_id, assignee=uid, other_assignee=uid, mine_share=1.0,
        attendant_partners=[partner_id, admin_partner])
    probe.execute("ANALYZE res_partner; ANALYZE discuss_channel; ANALYZE discuss_channel_member")
    generation = round(time.monotonic() - started, 2)
    first, last = ids["first_id"], ids["last_id"]

    def assigned():
        return probe.scalar("""SELECT count(*) FROM discuss_channel WHERE id BETWEEN %s AND %s
                               AND whatsapp_assignee_id IS NOT NULL""", [first, last])

    def notices():
        return probe.scalar("""SELECT count(*) FROM mail_message WHERE model = 'discuss.channel'
                               AND res_id BETWEEN %s AND %s AND message_type = 'notification'
                               AND body LIKE '%%without activity%%'""", [first, last])

    if assigned() != count:
        raise harness.HarnessError(f"expected {count} assigned conversations, found {assigned()}")
    cron_id = probe.cron_id("whatsapp_crm.ir_cron_whatsapp_auto_release")
    bus_before = probe.scalar("SELECT coalesce(max(id), 0) FROM bus_bus")
    admin = AdminXmlRpc(stack.server)
    admin("ir.cron", "read", [cron_id], ["cron_name"])   # warm: the password check is cached from here on
    probe.wait_quiet()

    progress = []   # (seconds, conversations still assigned), every 50 ms while the job runs
    done = threading.Event()

    def poll():
        with contextlib.closing(harness.Probe(stack.db)) as poller:
            while not done.is_set():
                left = poller.scalar("""SELECT count(*) FROM discuss_channel WHERE id BETWEEN %s AND %s
                                        AND whatsapp_assignee_id IS NOT NULL""", [first, last])
                progress.append((round(time.monotonic() - t0, 3), left))
                time.sleep(0.05)

    meter = CpuMeter(stack.server).start()
    t0 = time.monotonic()
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    # One run should do it all. If it stops early, the scheduler would run it again at its next call: here it
    # is triggered again at once, up to 5 runs, so that "all released" still has a (best-case) time.
    runs = []
    try:
        for _attempt in range(5):
            run_started = time.monotonic()
            answer = admin("ir.cron", "method_direct_trigger", [cron_id])
            left = assigned()
            runs.append({"seconds": round(time.monotonic() - run_started, 3), "still_assigned_after": left,
                         "answer": answer if isinstance(answer, bool) else str(answer)[:300]})
            if not left:
                break
        wait_until(lambda: assigned() == 0 and notices() == count, 10, interval=0.02,
                   message=f"{count} conversations released with notices",
                   on_timeout=lambda: f"(assigned {assigned()}, notices {notices()})")
        wall = time.monotonic() - t0
    finally:
        done.set()
        poller.join()
    progress.append((round(wall, 3), assigned()))
    job_log = [line.split("odoo.addons.base.models.ir_cron: ", 1)[-1] for line in
               stack.server.log_text(since_start=True).splitlines()
               if "ir_cron" in line and "return idle conversations" in line and "done" in line]
    cpu = meter.stop()
    # Each visible drop of the count is one committed batch.
    batches, previous_time, previous_left = [], 0.0, count
    for moment, left in progress:
        if left < previous_left:
            batches.append({"at_s": moment, "released": previous_left - left,
                            "since_previous_s": round(moment - previous_time, 3)})
            previous_time, previous_left = moment, left
    bus = probe.rows("""SELECT count(*), coalesce(sum(length(message)), 0), coalesce(max(length(message)), 0)
                        FROM bus_bus WHERE id > %s""", [bus_before])[0]
    states = dict(probe.rows("""SELECT whatsapp_queue_state, count(*) FROM discuss_channel
                                WHERE id BETWEEN %s AND %s GROUP BY 1""", [first, last]))
    return {
        "conversations": count, "generation_seconds": generation, "data": ids,
        "trigger": "ir.cron.method_direct_trigger over XML-RPC as admin (the job runs in the HTTP thread, "
                   "as the scheduler would run it)",
        "runs": runs, "job_log": job_log,
        "first_run_seconds": runs[0]["seconds"],
        "first_run_released": count - runs[0]["still_assigned_after"],
        "one_run_releases_all": runs[0]["still_assigned_after"] == 0,
        "wall_seconds": round(wall, 3),
        "released": count - assigned(), "notices": notices(), "queue_states_after": states,
        "batches_observed": batches,
        "bus_notifications": {"count": bus[0], "total_bytes": bus[1], "largest_bytes": bus[2]},
        "cpu": cpu,
        "target_seconds": TARGETS["b_seconds"],
        "meets_target": (runs[0]["still_assigned_after"] == 0 and notices() == count
                         and wall <= TARGETS["b_seconds"]),
    }


# ------------------------------------------------------------
# (c) the "Não atribuídas" list at scale
# ------------------------------------------------------------

SEARCH_SQL = re.compile(r'^\s*SELECT\s+"discuss_channel"\."id"\s+FROM\s+"discuss_channel".*\bORDER BY\b.*\bLIMIT\b',
                        re.I | re.S)
COUNT_SQL = re.compile(r'^\s*SELECT\s+COUNT\(\*\)\s+FROM\s+"discuss_channel"', re.I | re.S)


LONG_ID_LIST = re.compile(r"(\d+\s*,\s*){20,}\d+")


def elide(text):
    """Long literal id lists (the is_member rule inlines every channel the user belongs to) -> "<N ids>"."""
    return LONG_ID_LIST.sub(lambda match: f"<{match.group(0).count(',') + 1} ids>", text)


def longest_id_list(sql):
    return max((match.group(0).count(",") + 1 for match in LONG_ID_LIST.finditer(sql)), default=0)


def explain(probe, sql):
    plan = probe.rows("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)[0][0][0]
    text = "\n".join(row[0] for row in probe.rows("EXPLAIN (ANALYZE, BUFFERS) " + sql))
    return plan, text


def plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def capture_sql(stack, login, password, args):
    """Start the server again behind a PgProxy (the timed runs had none) and record one call's SQL."""
    proxy = harness.PgProxy()
    server = harness.OdooServer(stack.db, mode="threaded", db_port=proxy.port, log_name="bench-queue-sql")
    try:
        server.start()
        session = JsonRpcSession(server).authenticate(login, password)
        session.call_kw("discuss.channel", "whatsapp_queue_fetch", args)   # warm: registry, caches
        with proxy.recording() as statements:
            _result, seconds = session.call_kw("discuss.channel", "whatsapp_queue_fetch", args)
        session.close()
        return list(statements), seconds
    finally:
        server.kill()
        proxy.close()


def bench_queue_list(stack, conversations, messages, warmup, runs, notify_messages):
    probe = stack.probe
    uid, partner_id, password = create_attendant(stack, "bench_queue")
    other_uid, other_partner, _ = create_attendant(stack, "bench_queue_2")
    admin_uid, admin_partner = admin_ids(probe)
    subtype = probe.scalar("SELECT res_id FROM ir_model_data WHERE module = 'mail' AND name = 'mt_comment'")
    timings = {}
    probe.execute("SET synchronous_commit = off")
    started = time.monotonic()
    # ~60 % waiting, 30 % in progress (half waiting for the customer; a third of them the timed attendant's),
    # 10 % closed; last activity spread over 30 days.
    ids = insert_conversations(
        probe, count=conversations, label="Cliente Fila",
        state="CASE WHEN r < 0.6 THEN 'unassigned' WHEN r < 0.75 THEN 'assigned' "
              "WHEN r < 0.9 THEN 'waiting_customer' ELSE 'closed' END",
        last_interest="%(now)s - r2 * interval '30 days'",
        assigned_at="%(now)s - interval '10 minutes'", activity="%(now)s - r2 * interval '10 minutes'",
        account=stack.account_id, assignee=uid, other_assignee=other_uid, mine_share=1 / 3,
        attendant_partners=[partner_id, other_partner, admin_partner])
    timings["conversations_seconds"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    now = probe.scalar("SELECT (now() AT TIME ZONE 'UTC')::timestamp")
    probe.execute(MESSAGES_SQL, {"count": messages, "first_channel": ids["first_id"],
                                 "channels": ids["last_id"] - ids["first_id"] + 1, "attendant_partner": partner_id,
                                 "subtype": subtype, "now": now})
    timings["messages_seconds"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    # What autovacuum would have done by then (visibility map, statistics).
    for table in ("res_partner", "discuss_channel", "discuss_channel_member", "mail_message"):
        probe.execute(f"VACUUM ANALYZE {table}")
    timings["vacuum_analyze_seconds"] = round(time.monotonic() - started, 2)
    probe.execute("SET synchronous_commit = on")
    expected = dict(probe.rows("""SELECT whatsapp_queue_state, count(*) FROM discuss_channel
                                  WHERE channel_type = 'whatsapp' GROUP BY 1"""))
    expected_counts = {
        "unassigned": probe.scalar("""SELECT count(*) FROM discuss_channel WHERE channel_type = 'whatsapp'
                                      AND whatsapp_status = 'open' AND whatsapp_assignee_id IS NULL"""),
        "mine": probe.scalar("""SELECT count(*) FROM discuss_channel WHERE channel_type = 'whatsapp'
                                AND whatsapp_status = 'open' AND whatsapp_assignee_id = %s""", [uid]),
        "all": probe.scalar("""SELECT count(*) FROM discuss_channel WHERE channel_type = 'whatsapp'
                               AND whatsapp_status = 'open'"""),
    }
    sizes = dict(probe.rows("""SELECT relname, pg_total_relation_size(oid) FROM pg_class
                               WHERE relname IN ('discuss_channel', 'mail_message', 'discuss_channel_member',
                                                 'res_partner')"""))
    totals = {"mail_message": probe.scalar("SELECT count(*) FROM mail_message"),
              "discuss_channel_member": probe.scalar("SELECT count(*) FROM discuss_channel_member")}

    session = JsonRpcSession(stack.server).authenticate("bench_queue", password)
    args = ["unassigned", 50]
    latencies, result = [], None
    for index in range(warmup + runs):
        result, seconds = session.call_kw("discuss.channel", "whatsapp_queue_fetch", args)
        if index >= warmup:
            latencies.append(seconds)
    # The other lists, for comparison (fewer runs).
    others = {}
    for queue_filter in ("mine", "all"):
        values = [session.call_kw("discuss.channel", "whatsapp_queue_fetch", [queue_filter, 50])[1]
                  for _ in range(6)][1:]
        others[queue_filter] = summary(values)
    session.close()
    # The same list for an attendant created after the data, hence a member of none of the conversations
    # (before 19.0.1.1.0 every attendant joined every conversation: _whatsapp_get_or_open added them all).
    _uid, outsider_partner, outsider_password = create_attendant(stack, "bench_queue_new")
    outsider = JsonRpcSession(stack.server).authenticate("bench_queue_new", outsider_password)
    values = [outsider.call_kw("discuss.channel", "whatsapp_queue_fetch", args)[1] for _ in range(warmup + 5)]
    outsider.close()
    others["unassigned, non-member attendant"] = summary(values[warmup:])
    newest = probe.rows("""SELECT id FROM discuss_channel WHERE channel_type = 'whatsapp' AND whatsapp_status = 'open'
                           AND whatsapp_assignee_id IS NULL ORDER BY last_interest_dt DESC, id DESC LIMIT 50""")
    correct = (result["channel_ids"] == [row[0] for row in newest] and result["counts"] == expected_counts)

    # (a) again, on this data: the timed attendant is a member of every conversation, as production had it.
    # The same data and server, two websocket clients in turn: one for the attendant who belongs to every
    # conversation, one for the attendant created after the data (a member of the new conversation only).
    at_scale = {}
    if notify_messages:
        print(f"[bench] (c) webhook -> websocket with {conversations} conversations ...", file=sys.stderr)
        at_scale["member_of_few"] = bench_notify(stack, notify_messages, 2,
                                                 attendant=("bench_queue_new", outsider_password, outsider_partner))
        at_scale["member_of_all"] = bench_notify(stack, notify_messages, 2,
                                                 attendant=("bench_queue", password, partner_id))

    # The SQL of that call, EXPLAIN ANALYZEd on the same data.
    stack.server.kill()
    statements, proxied_seconds = capture_sql(stack, "bench_queue", password, args)
    work, _writes = harness.classify_sql(statements)
    sql_bytes = sum(len(sql.encode()) for sql in statements)
    explained = []
    for sql in work:
        if not re.match(r"^\s*(SELECT|WITH)\b", sql, re.I) or re.search(r"\bFOR\s+(NO KEY\s+)?UPDATE\b", sql, re.I):
            continue
        plan, text = explain(probe, sql)
        indexes = sorted({node["Index Name"] for node in plan_nodes(plan["Plan"]) if "Index Name" in node})
        seq_scans = sorted({node["Relation Name"] for node in plan_nodes(plan["Plan"])
                            if node["Node Type"] == "Seq Scan"})
        kind = "search" if SEARCH_SQL.match(sql) else "count" if COUNT_SQL.match(sql) else "other"
        explained.append({"kind": kind, "execution_ms": round(plan["Execution Time"], 2),
                          "planning_ms": round(plan["Planning Time"], 2), "indexes": indexes,
                          "seq_scans": seq_scans, "sql_bytes": len(sql.encode()),
                          "literal_ids": longest_id_list(sql), "sql": elide(sql)[:4000],
                          "plan": "\n".join(line[:400] for line in elide(text).splitlines())})
    search = next((entry for entry in explained if entry["kind"] == "search"), None)
    counts = [entry for entry in explained if entry["kind"] == "count"]
    figures = summary(latencies)
    return {
        "data": {"conversations": ids["conversations"], "members": totals["discuss_channel_member"],
                 "mail_message_rows": totals["mail_message"], "messages_inserted": messages,
                 "queue_states": expected, "table_bytes": sizes, **timings},
        "call": "discuss.channel.whatsapp_queue_fetch('unassigned', 50) over JSON-RPC (/web/dataset/call_kw), "
                "as an attendant",
        "warmup": warmup,
        "latency": figures,
        "other_filters": others,
        "result_correct": correct,
        "counts_returned": result["counts"], "counts_expected": expected_counts,
        "sql": {
            "statements": len(work), "selects_explained": len(explained), "bytes_sent": sql_bytes,
            "sum_execution_ms": round(sum(entry["execution_ms"] for entry in explained), 1),
            "sum_planning_ms": round(sum(entry["planning_ms"] for entry in explained), 1),
            "call_seconds_behind_proxy": round(proxied_seconds, 3),
            "search": search,
            "queue_index_used_by_search": bool(search) and "discuss_channel_whatsapp_queue_index" in search["indexes"],
            "counts": counts,
            "slowest": sorted(explained, key=lambda entry: -entry["execution_ms"])[:5],
        },
        "notify_at_scale": at_scale,
        "target_p95_ms": TARGETS["c_p95_ms"],
        "meets_target": correct and figures["p95_ms"] <= TARGETS["c_p95_ms"],
    }


# ------------------------------------------------------------
# (d) webhook -> attendant's websocket with 1,000 and 100,000 open conversations (issue 18 point 4)
# ------------------------------------------------------------

def health_p50(server, count=200):
    """/web/health p50 on the same server, in the same run (the reference of every latency ratio)."""
    client = WebhookClient(server)
    latencies = []
    for _ in range(count):
        status, latency = client.get("/web/health")
        if status == 200:
            latencies.append(latency)
    client.close()
    return summary(latencies)["p50_ms"]


def cpu_per_message(figures):
    """The Odoo server's CPU per timed message (processing + bus dispatch): unlike the latencies, it hardly
    moves with other load on the machine."""
    return round(figures["cpu"]["server_cpu_seconds"] / max(figures["messages"], 1) * 1000, 1)


def bench_websocket_scale(stack, scales, count, warmup, legacy_count):
    """Webhook POST -> `discuss.channel/new_message` on one attendant's websocket, with ``scales`` open
    conversations in the database (seeded in steps on the same server), for an attendant who answers the
    conversation (member) and for one who only has it open (explicit subscription). Then, for contrast, the
    previous model at the largest scale: the attendant a member of every open conversation."""
    probe = stack.probe
    _uid, partner_id, password = create_attendant(stack, "bench_ws_scale")
    other_uid, _other_partner, _ = create_attendant(stack, "bench_ws_other")
    attendant = ("bench_ws_scale", password, partner_id)
    runs, seeded = [], 0
    for scale in sorted(scales):
        started = time.monotonic()
        # ~60 % waiting; the others answered by another attendant, their only member.
        data = insert_conversations(
            probe, count=scale - seeded, label="Cliente Escala",
            state="CASE WHEN r < 0.6 THEN 'unassigned' ELSE 'assigned' END",
            last_interest="%(now)s - r2 * interval '1 day'", assigned_at="%(now)s", activity="%(now)s",
            account=stack.account_id, assignee=other_uid, other_assignee=other_uid, mine_share=1.0,
            attendant_partners=[], members=MEMBERS_ASSIGNEE, first=seeded + 1)
        for table in ("res_partner", "discuss_channel", "discuss_channel_member"):
            probe.execute(f"VACUUM ANALYZE {table}")
        seeded = scale
        open_count = probe.scalar("""SELECT count(*) FROM discuss_channel WHERE channel_type = 'whatsapp'
                                     AND whatsapp_status = 'open'""")
        print(f"[bench] (d) {open_count:,} open conversations ...", file=sys.stderr)
        health = health_p50(stack.server)
        run = {"open_conversations": open_count, "seeded": {**data, "seconds": round(time.monotonic() - started, 2)},
               "health_p50_ms": health}
        for follow in ("assigned", "opened"):
            run[follow] = figures = bench_notify(stack, count, warmup, attendant=attendant, follow=follow)
            figures["p95_over_health_p50"] = round(figures["webhook_to_websocket"]["p95_ms"] / health, 1)
            figures["server_cpu_ms_per_message"] = cpu_per_message(figures)
        runs.append(run)
    legacy = None
    if legacy_count:
        # The previous model: every attendant joined every open conversation.
        probe.execute("""INSERT INTO discuss_channel_member (channel_id, partner_id, new_message_separator,
                                                             create_uid, write_uid, create_date, write_date)
                         SELECT id, %s, 0, 1, 1, now(), now() FROM discuss_channel c
                          WHERE channel_type = 'whatsapp' AND whatsapp_status = 'open'
                            AND NOT EXISTS (SELECT 1 FROM discuss_channel_member m
                                             WHERE m.channel_id = c.id AND m.partner_id = %s)""",
                      [partner_id, partner_id])
        probe.execute("VACUUM ANALYZE discuss_channel_member")
        print("[bench] (d) previous model: member of every open conversation ...", file=sys.stderr)
        legacy = bench_notify(stack, legacy_count, 2, attendant=attendant, follow="assigned")
        legacy["server_cpu_ms_per_message"] = cpu_per_message(legacy)
    return {"runs": runs, "previous_model": legacy, "target_p95_ms": TARGETS["d_p95_ms"],
            "meets_target": all(not run[follow]["missed"]
                                and run[follow]["webhook_to_websocket"]["p95_ms"] <= TARGETS["d_p95_ms"]
                                for run in runs for follow in ("assigned", "opened"))}


def print_websocket_scale(d):
    lines = [f"(d) webhook POST -> attendant's websocket by open conversations in the database (threaded, "
             f"{d['runs'][0]['assigned']['messages']} messages each, one at a time)",
             "    {:40}{:>9}{:>9}{:>9}{:>9}   (ms)  p95/health p50, Odoo CPU per message".format(
                 "", "p50", "p95", "p99", "max")]
    for run in d["runs"]:
        for follow, label in (("assigned", "answering it (member)"), ("opened", "viewing it (not a member)")):
            figures = run[follow]["webhook_to_websocket"]
            lines.append(latency_row(f"{run['open_conversations']:>7,} open, {label}", figures, 40)
                         + f"   {run[follow]['p95_over_health_p50']}x, {run[follow]['server_cpu_ms_per_message']} ms"
                           f"  (memberships {run[follow]['attendant_memberships']}, missed {run[follow]['missed']})")
        lines.append(f"    {'':40}/web/health p50 {run['health_p50_ms']} ms; {cpu_summary(run['assigned']['cpu'])}")
    if d["previous_model"]:
        legacy = d["previous_model"]
        lines.append(latency_row(f"previous model, member of {legacy['attendant_memberships']:,}",
                                 legacy["webhook_to_websocket"], 40)
                     + f"   {legacy['server_cpu_ms_per_message']} ms  (missed {legacy['missed']})")
    lines.append(f"    p95 <= {d['target_p95_ms']} ms at every scale: {verdict(d['meets_target'])}")
    return lines + [""]


# ------------------------------------------------------------
# Report
# ------------------------------------------------------------

def verdict(ok):
    return "yes" if ok else "NO"


def print_table(results):
    lines = ["", "whatsapp_crm queue benchmarks  " + results["started_at"], ""]
    row = "    {:34}{:>9}{:>9}{:>9}{:>9}   (ms)"
    if "a" in results:
        a = results["a"]
        lines += [f"(a) webhook POST -> discuss.channel/new_message on an attendant's websocket, threaded (make run), "
                  f"{a['messages']} messages one at a time (+{a['warmup']} warm-up)",
                  row.format("", "p50", "p95", "p99", "max")]
        for name, key in (("POST -> websocket notification", "webhook_to_websocket"),
                          ("  of which: POST -> 200", "webhook_ack"),
                          ("  of which: 200 -> notification", "ack_to_websocket")):
            figures = a[key]
            lines.append(latency_row(name, figures, 34))
        lines.append(f"    p95 <= {a['target_p95_ms']} ms: {verdict(a['meets_target'])}; missed: {a['missed']}; "
                     f"attendant member: {verdict(a['attendant_is_member'])}; {cpu_summary(a['cpu'])}")
        lines.append("")
    if "b" in results:
        b = results["b"]
        steps = [batch["since_previous_s"] for batch in b["batches_observed"]]
        lines += [f"(b) auto-release of {b['conversations']:,} stale conversations (data in "
                  f"{b['generation_seconds']} s), one run of the job via method_direct_trigger",
                  f"    one run: {b['first_run_released']:,} released in {b['first_run_seconds']:.2f} s"
                  + ("" if b["one_run_releases_all"] else
                     ", then it stopped (its 10 s time budget) reporting nothing left: "
                     + (b["job_log"][0].split(") ", 1)[-1].strip() if b["job_log"] else "?"))
                  + f"; all released after {len(b['runs'])} back-to-back run(s): {b['wall_seconds']:.2f} s",
                  f"    one run releases all within {b['target_seconds']} s: {verdict(b['meets_target'])}",
                  f"    released {b['released']:,}, notices {b['notices']:,}; {len(steps)} batches seen, "
                  f"{min(steps, default=0):.2f}-{max(steps, default=0):.2f} s each; bus: "
                  f"{b['bus_notifications']['count']} notifications, "
                  f"{b['bus_notifications']['total_bytes'] / 1e6:.1f} MB",
                  f"    CPU: Odoo {b['cpu']['server_cpu_seconds']} s, PostgreSQL {b['cpu']['postgres_cpu_seconds']} s, "
                  f"machine busy {b['cpu']['machine_busy_percent']:.0f}%", ""]
    if "c" in results:
        c = results["c"]
        data = c["data"]
        figures = c["latency"]
        sql = c["sql"]
        search = sql["search"] or {}
        lines += [f"(c) \"Não atribuídas\": whatsapp_queue_fetch('unassigned', 50) over JSON-RPC, "
                  f"{data['conversations']:,} conversations, {data['mail_message_rows']:,} messages, "
                  f"{data['members']:,} members",
                  f"    data: conversations {data['conversations_seconds']} s, messages {data['messages_seconds']} s, "
                  f"VACUUM ANALYZE {data['vacuum_analyze_seconds']} s",
                  row.format("", "p50", "p95", "p99", "max"),
                  f"    {'unassigned (' + str(figures['count']) + ' runs)':34}"
                  + "".join(f"{figures[k]:9.1f}" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))]
        for name, other in c["other_filters"].items():
            lines.append(f"    {name + ' (' + str(other['count']) + ' runs)':34}"
                         + "".join(f"{other[k]:9.1f}" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")))
        lines += [f"    p95 <= {c['target_p95_ms']} ms: {verdict(c['meets_target'])}; result correct: "
                  f"{verdict(c['result_correct'])} {c['counts_returned']}",
                  f"    SQL of one call: {sql['statements']} statements, SELECTs {sql['sum_execution_ms']} ms "
                  f"execution + {sql['sum_planning_ms']} ms planning",
                  f"    search: {search.get('execution_ms')} ms, indexes {search.get('indexes')}, seq scans "
                  f"{search.get('seq_scans')}; partial index used: {verdict(sql['queue_index_used_by_search'])}"]
        for entry in sql["counts"]:
            lines.append(f"    count: {entry['execution_ms']} ms, indexes {entry['indexes']}, seq scans "
                         f"{entry['seq_scans']}")
        largest = max([search, *sql["counts"]], key=lambda entry: entry.get("literal_ids", 0))
        lines.append(f"    SQL text sent for one call: {sql['bytes_sent'] / 1e3:.0f} kB; longest literal id list "
                     f"{largest.get('literal_ids', 0):,} ids (the is_member record rule)")
        for scale in (c.get("notify_at_scale") or {}).values():
            figures, ack = scale["webhook_to_websocket"], scale["webhook_ack"]
            lines.append(f"    (a) on this data, attendant member of {scale['attendant_memberships']:,} conversations:"
                         f" POST -> notification p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, "
                         f"max {figures['max_ms']:.0f} ms (ack p50 {ack['p50_ms']:.0f} ms; {figures['count']} "
                         f"messages, {scale['missed']} missed); first message after subscribing "
                         f"{scale['first_message_after_subscribe_ms']} ms")
        lines.append("")
    if "d" in results:
        lines += print_websocket_scale(results["d"])
    lines.append(machine_line(results))
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="a,b,c,d", help="figures to run: a,b,c,d")
    parser.add_argument("--notify-messages", type=int, default=200, help="(a) timed messages")
    parser.add_argument("--notify-warmup", type=int, default=10, help="(a) untimed messages first")
    parser.add_argument("--release-conversations", type=int, default=10_000, help="(b)")
    parser.add_argument("--conversations", type=int, default=100_000, help="(c)")
    parser.add_argument("--messages", type=int, default=1_000_000, help="(c)")
    parser.add_argument("--runs", type=int, default=20, help="(c) timed calls")
    parser.add_argument("--warmup", type=int, default=3, help="(c) untimed calls first")
    parser.add_argument("--notify-at-scale", type=int, default=20,
                        help="(c) then (a) again on that data, with this many messages (0: skip)")
    parser.add_argument("--ws-scales", default="1000,100000", help="(d) open conversations, in steps")
    parser.add_argument("--ws-messages", type=int, default=100, help="(d) timed messages per scale and mode")
    parser.add_argument("--ws-warmup", type=int, default=5, help="(d) untimed messages first")
    parser.add_argument("--ws-previous-model", type=int, default=20,
                        help="(d) messages for the previous model (member of every open conversation; 0: skip)")
    args = parser.parse_args()
    only = set(args.only.split(","))

    results = results_header(args)
    started = time.monotonic()
    # One server per figure: the bulk data and dead rows of one never weigh on another.
    if "a" in only:
        with Stack("threaded", label="bench-queue-a") as stack:
            print("[bench] (a) webhook -> websocket ...", file=sys.stderr)
            clear_foreign_cron_triggers(stack.probe)
            results["a"] = bench_notify(stack, args.notify_messages, args.notify_warmup)
    if "b" in only:
        with Stack("threaded", label="bench-queue-b") as stack:
            print(f"[bench] (b) auto-release of {args.release_conversations} conversations ...", file=sys.stderr)
            clear_foreign_cron_triggers(stack.probe)
            results["b"] = bench_release(stack, args.release_conversations)
    if "c" in only:
        with Stack("threaded", label="bench-queue-c") as stack:
            print(f"[bench] (c) queue list, {args.conversations} conversations, {args.messages} messages ...",
                  file=sys.stderr)
            clear_foreign_cron_triggers(stack.probe)
            results["c"] = bench_queue_list(stack, args.conversations, args.messages, args.warmup, args.runs,
                                            args.notify_at_scale)
    if "d" in only:
        with Stack("threaded", label="bench-queue-d") as stack:
            print("[bench] (d) webhook -> websocket by open conversations ...", file=sys.stderr)
            clear_foreign_cron_triggers(stack.probe)
            results["d"] = bench_websocket_scale(stack, [int(n) for n in args.ws_scales.split(",")],
                                                 args.ws_messages, args.ws_warmup, args.ws_previous_model)
    results["total_seconds"] = round(time.monotonic() - started, 1)
    save_results(results, "queue")
    print_table(results)


if __name__ == "__main__":
    main()

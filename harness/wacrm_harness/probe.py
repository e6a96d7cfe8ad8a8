"""Looking at the database the way an operator would: autocommit SQL, polled with deadlines."""

import contextlib
import uuid

from .config import DRAIN_IDENTITY, SPLIT_LOCK, wait_until
from .database import pg_connect


class Probe:
    """Direct, autocommit SQL on the server's database (not through the proxy)."""

    def __init__(self, db):
        self.db = db
        self.conn = pg_connect(db)

    def rows(self, sql, params=None):
        with self.conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()

    def scalar(self, sql, params=None):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def execute(self, sql, params=None):
        with self.conn.cursor() as cr:
            cr.execute(sql, params)

    def inbox_states(self):
        """``{state: count}`` of the stored POSTs and (prefixed ``item:``) of their items."""
        states = dict(self.rows("SELECT state, count(*) FROM whatsapp_inbox GROUP BY state"))
        states.update({f"item:{state}": count for state, count in self.rows(
            "SELECT state, count(*) FROM whatsapp_inbox_event GROUP BY state")})
        return states

    def inbox_due(self):
        """POSTs not split yet and items not processed yet (waiting or to be retried)."""
        return self.scalar("""SELECT (SELECT count(*) FROM whatsapp_inbox WHERE state = 'received')
                                   + (SELECT count(*) FROM whatsapp_inbox_event WHERE state IN ('pending', 'retry'))""")

    def jobs(self, method=None):
        """``{state: count}`` of the queue_job jobs (of one job method, e.g. ``_job_drain``)."""
        return dict(self.rows("SELECT state, count(*) FROM queue_job WHERE %s IS NULL OR method_name = %s "
                              "GROUP BY state", [method, method]))

    def messages_for(self, wamids):
        """Number of whatsapp_message rows for these wamids."""
        return self.scalar("SELECT count(*) FROM whatsapp_message WHERE wamid = ANY(%s)", [list(wamids)])

    def posted_for(self, wamids):
        """Number of those whose Discuss message exists."""
        return self.scalar("""SELECT count(*) FROM whatsapp_message w JOIN mail_message m ON m.id = w.mail_message_id
                              WHERE w.wamid = ANY(%s)""", [list(wamids)])

    def mail_messages_containing(self, marker):
        return self.scalar("SELECT count(*) FROM mail_message WHERE model = 'discuss.channel' AND body LIKE %s",
                           [f"%{marker}%"])

    def inbox_rows_containing(self, marker):
        return self.rows("SELECT id, state FROM whatsapp_inbox WHERE raw_body LIKE %s ORDER BY id", [f"%{marker}%"])

    def partner_ids(self, wa_id):
        return [row[0] for row in self.rows("SELECT id FROM res_partner WHERE whatsapp_wa_id = %s", [wa_id])]

    def channels_of(self, partner_ids):
        return self.scalar("SELECT count(*) FROM discuss_channel WHERE channel_type = 'whatsapp' "
                           "AND whatsapp_partner_id = ANY(%s)", [list(partner_ids)])

    def wait_quiet(self, timeout=30):
        """Until no other session of this database is inside a transaction (a cron job's bookkeeping
        included)."""
        wait_until(lambda: self.scalar("""SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = current_database()
                                          AND pid <> pg_backend_pid() AND state <> 'idle'"""),
                   timeout, message="database quiet")

    def cron_id(self, xmlid):
        module, name = xmlid.split(".")
        return self.scalar("SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s AND model = 'ir.cron'",
                           [module, name])

    @contextlib.contextmanager
    def processing_held(self):
        """Nothing is processed, exactly as while every drain job is busy and the next one waits its turn.

        A drain job is *parked*: pending (so every POST still does all of its work, including the check after
        its commit that a drain job is pending, and finds it) but due only in an hour; and the lock every drain
        job takes to split stored POSTs is held, as a running drain job holds it. The work waits; nothing is
        changed. Afterwards the parked job is removed: the next POST (or the safety-net cron, within a minute)
        wakes a drain job again."""
        conn = pg_connect(self.db)
        job_uuid = str(uuid.uuid4())
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT pg_advisory_lock(hashtext(%s))", [SPLIT_LOCK])
                cr.execute("""
                    INSERT INTO queue_job (uuid, name, state, channel, channel_method_name, model_name, method_name,
                                           identity_key, eta, date_created, records, args, kwargs, user_id,
                                           company_id, priority, max_retries, retry)
                    SELECT %s, 'parked by the harness', 'pending', 'root.whatsapp.inbox',
                           '<whatsapp.inbox>._job_drain', 'whatsapp.inbox', '_job_drain', %s,
                           (now() AT TIME ZONE 'UTC') + interval '1 hour', now() AT TIME ZONE 'UTC',
                           json_build_object('_type', 'odoo_recordset', 'model', 'whatsapp.inbox', 'ids', '[]'::json,
                                             'uid', u.id, 'su', false, 'context', '{}'::json),
                           '[]', '{}', u.id, u.company_id, 10, 5, 0
                      FROM res_users u WHERE u.login = '__whatsapp_crm_processing__'
                """, [job_uuid, DRAIN_IDENTITY])
            yield
        finally:
            with contextlib.suppress(Exception), conn.cursor() as cr:
                cr.execute("DELETE FROM queue_job WHERE uuid = %s", [job_uuid])
                cr.execute("SELECT pg_advisory_unlock(hashtext(%s))", [SPLIT_LOCK])
            conn.close()

    def wait_processed(self, wamids, timeout=60, *, posted=True):
        """Until every wamid has its whatsapp_message (and its Discuss message) and nothing is due."""
        wamids = list(wamids)

        def done():
            count = self.posted_for(wamids) if posted else self.messages_for(wamids)
            return count >= len(wamids) and self.inbox_due() == 0

        return wait_until(done, timeout, interval=0.05, message=f"{len(wamids)} messages processed",
                          on_timeout=lambda: f"(messages {self.messages_for(wamids)}, posted "
                                             f"{self.posted_for(wamids)}, inbox {self.inbox_states()})")

    def order_inversions(self, wamids):
        """Pairs of one customer's messages posted in Discuss in another order than their items were stored
        (the arrival order of their POSTs, then their position in the POST): 0 when each customer's order
        was kept."""
        return self.scalar("""
            SELECT count(*) FROM (
                SELECT w.mail_message_id,
                       lag(w.mail_message_id) OVER (PARTITION BY w.partner_id ORDER BY first_item.id) AS previous
                  FROM whatsapp_message w
                  JOIN (SELECT reference, min(id) AS id FROM whatsapp_inbox_event WHERE kind = 'message'
                         GROUP BY reference) first_item ON first_item.reference = w.wamid
                 WHERE w.wamid = ANY(%s)) ordered
             WHERE previous > mail_message_id""", [list(wamids)])

    def close(self):
        with contextlib.suppress(Exception):
            self.conn.close()

"""One person, one partner (issue 10.11), with real parallel transactions.

Each worker below is a real PostgreSQL transaction of its own (REPEATABLE READ, as every Odoo
cursor), committed for real, the way two inbox workers (or two jobs) run side by side. The test
transaction itself never sees their work: every check reads through a fresh cursor, and the
partners they made are deleted at the end.
"""
import random
import threading

from odoo.tests import tagged

from odoo.addons.whatsapp_crm.models import res_partner

from .parallel_workers import ParallelWorkersCase

# Missing on code that predates the fix: the tests then show what happens without it.
IdentityRace = getattr(res_partner, "WhatsAppIdentityRace", None) or type("NoIdentityRace", (Exception,), {})
MAX_RETRIES = 10


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestIdentityConcurrency(ParallelWorkersCase):

    def setUp(self):
        super().setUp()
        suffix = "".join(random.choices("0123456789", k=8))
        self.wa_id = f"55119{suffix}"           # a Brazilian mobile, 13 digits (with the 9th digit)
        self.user_id = f"BR.{suffix}77"
        self.new_wa_id = self.wa_id[:-1] + str((int(self.wa_id[-1]) + 1) % 10)  # the customer's next number
        self.resolved = set()  # merged partners lose their identifiers: found again by id
        self.addCleanup(self.delete_partners)

    def resolve(self, wa_id, user_id, snapshot_taken=None, barrier=None, new_wa_id=None):
        """Run the lookup the way the pipeline does: retried in a new transaction after a race
        (``new_wa_id``: the event is WhatsApp's "the customer changed to this number")."""
        for attempt in range(MAX_RETRIES):
            with self.worker() as (cr, env):
                cr.execute("SELECT 1")  # the worker's snapshot: its batch started before the others committed
                if snapshot_taken and attempt == 0:
                    snapshot_taken()
                if barrier and attempt == 0:
                    barrier.wait(timeout=30)
                try:
                    partner = self.find_or_create(env, wa_id, user_id, new_wa_id)
                    cr.commit()  # pylint: disable=invalid-commit
                    self.resolved.add(partner.id)
                    return partner.id
                except IdentityRace:
                    cr.rollback()
        raise AssertionError(f"no result after {MAX_RETRIES} attempts")

    def resolve_together(self, events):
        """One worker per event (``resolve`` keyword arguments), started together behind a barrier;
        the partners they resolved, once every worker succeeded."""
        barrier = threading.Barrier(len(events))
        results, errors = [], []

        def work(event):
            try:
                results.append(self.resolve(barrier=barrier, **event))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))

        threads = [threading.Thread(target=work, args=(event,)) for event in events]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(errors)
        return results

    @staticmethod
    def find_or_create(env, wa_id, user_id, new_wa_id=None):
        """What receiving one message does to identities (whatsapp.message._receive_inbound)."""
        partner = env["res.partner"]._whatsapp_find_or_create(wa_id, user_id, "Maria Souza", new_wa_id=new_wa_id)
        if new_wa_id:
            partner._whatsapp_change_number(new_wa_id)
        return partner

    def owners(self):
        """Partner ids holding the number, and those holding the BSUID (committed state)."""
        with self.worker() as (cr, _env):
            cr.execute("SELECT id FROM res_partner WHERE whatsapp_wa_id = %s ORDER BY id", [self.wa_id])
            by_phone = [row[0] for row in cr.fetchall()]
            cr.execute("SELECT id FROM res_partner WHERE whatsapp_user_id = %s ORDER BY id", [self.user_id])
            by_user = [row[0] for row in cr.fetchall()]
        return by_phone, by_user

    def delete_partners(self):
        with self.worker() as (cr, env):
            env["res.partner"].sudo().with_context(active_test=False).search([
                "|", "|", "|", ("id", "in", list(self.resolved)), ("whatsapp_wa_id", "in", (self.wa_id, self.new_wa_id)),
                ("phone", "in", (f"+{self.wa_id}", f"+{self.new_wa_id}")),
                ("whatsapp_user_id", "=", self.user_id)]).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def assertOnePartner(self):
        by_phone, by_user = self.owners()
        self.assertEqual(len(by_phone), 1, f"partners sharing the number: {by_phone}")
        self.assertEqual(by_phone, by_user, "the number and the BSUID are one person, one partner")

    # ------------------------------------------------------------

    def test_a_partner_committed_after_our_snapshot_is_found_not_duplicated(self):
        """Worker B's batch started before worker A created the partner: B's lookup cannot see it.
        Today B creates a second partner with the same BSUID."""
        with self.worker() as (cr_b, env_b):
            cr_b.execute("SELECT 1")  # B's snapshot
            self.resolve(self.wa_id, self.user_id)  # A: phone and BSUID, committed
            with self.assertRaises(IdentityRace):
                env_b["res.partner"]._whatsapp_find_or_create(None, self.user_id, "Maria Souza")
                cr_b.commit()
        self.resolve(None, self.user_id)  # B's item, run again
        self.assertOnePartner()

    def test_the_same_number_from_two_workers_is_one_partner(self):
        with self.worker() as (cr_b, env_b):
            cr_b.execute("SELECT 1")
            self.resolve(self.wa_id, None)
            with self.assertRaises(IdentityRace):
                env_b["res.partner"]._whatsapp_find_or_create(self.wa_id, None, "Maria Souza")
                cr_b.commit()
        by_phone, _by_user = self.owners()
        self.assertEqual(len(by_phone), 1)

    def test_parallel_workers_with_either_identifier_end_as_one_partner(self):
        """Six workers start together, each with one customer event: by number, by BSUID, by both."""
        events = [(self.wa_id, None), (None, self.user_id), (self.wa_id, self.user_id)] * 2
        self.resolve_together([{"wa_id": wa_id, "user_id": user_id} for wa_id, user_id in events])
        self.assertOnePartner()

    def test_identifiers_known_by_two_partners_end_on_the_phone_partner(self):
        """BSUID-only first, phone-only second (two partners: nothing tells us they are one person),
        then an event with both: from then on the BSUID belongs to the phone's partner, which absorbs
        the other (only ever known by the BSUID: test_identity_merge.py)."""
        bsuid_partner = self.resolve(None, self.user_id)
        phone_partner = self.resolve(self.wa_id, None)
        self.assertNotEqual(bsuid_partner, phone_partner)
        self.assertEqual(self.resolve(self.wa_id, self.user_id), phone_partner)
        self.assertOnePartner()
        self.assertEqual(self.resolve(None, self.user_id), phone_partner)
        with self.worker() as (cr, _env):
            cr.execute("SELECT active FROM res_partner WHERE id = %s", [bsuid_partner])
            self.assertEqual(cr.fetchone(), (False,), "merged into the phone's partner and archived")

    def test_a_bsuid_seen_with_a_new_number_follows_it(self):
        partner = self.resolve(self.wa_id, self.user_id)
        new_number = self.wa_id[:-1] + str((int(self.wa_id[-1]) + 1) % 10)
        self.assertEqual(self.resolve(new_number, self.user_id), partner)
        with self.worker() as (cr, _env):
            cr.execute("SELECT whatsapp_wa_id FROM res_partner WHERE id = %s", [partner])
            self.assertEqual(cr.fetchone()[0], new_number)

    def test_a_number_that_is_not_digits_is_refused(self):
        with self.worker() as (_cr, env), self.assertRaises(ValueError):
            env["res.partner"]._whatsapp_find_or_create("bla", None, "X")

    def test_a_number_change_after_the_new_numbers_first_message_keeps_one_partner(self):
        """WhatsApp's "old number changed to new" and the customer's first message from the new number
        are in two lanes (each item keyed on its own number): the message may be processed first, here
        by a worker that committed after the change's worker took its snapshot. Today the change then
        makes a partner for the old number and takes the new number away from the first partner, as
        from a former owner: one person, two partners (seen in the parallel replay, payloads 44/47)."""
        with self.worker() as (cr_b, env_b):
            cr_b.execute("SELECT 1")  # B: the number change, its batch started first
            first = self.resolve(self.new_wa_id, None)  # A: the message from the new number, committed
            with self.assertRaises(IdentityRace):
                self.find_or_create(env_b, self.wa_id, None, self.new_wa_id)
                cr_b.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self.resolve(self.wa_id, None, new_wa_id=self.new_wa_id), first)  # B's item, run again
        self.assertEqual(self.resolve(self.new_wa_id, None), first)
        with self.worker() as (cr, _env):
            cr.execute("SELECT id FROM res_partner WHERE whatsapp_wa_id IN %s OR phone IN %s",
                       [(self.wa_id, self.new_wa_id), (f"+{self.wa_id}", f"+{self.new_wa_id}")])
            self.assertEqual([row[0] for row in cr.fetchall()], [first], "one person, one partner")

    def test_parallel_number_change_and_messages_from_the_new_number_end_as_one_partner(self):
        events = [(self.new_wa_id, None), (self.wa_id, self.new_wa_id)] * 3
        results = self.resolve_together([{"wa_id": wa_id, "user_id": None, "new_wa_id": new_wa_id}
                                         for wa_id, new_wa_id in events])
        self.assertEqual(len(set(results)), 1, f"every event on one partner: {results}")

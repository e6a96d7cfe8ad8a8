"""Automatic assignment under concurrency, with real parallel transactions.

Twenty new conversations arrive at once, each committed by its own worker, which then runs the
department's assignment in a transaction of its own (as the assignment job does). Whatever the
interleaving, no attendant ends above their capacity and every free slot is used.
Everything here is committed for real (it is other workers' work, not the test transaction's) and
deleted at the end.
"""
import random
import threading

from odoo.tests import tagged

from .parallel_workers import ParallelWorkersCase

PARALLEL = 20
ATTENDANTS = 4
CAPACITY = 3


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestAssignmentConcurrency(ParallelWorkersCase):

    def setUp(self):
        super().setUp()
        self.suffix = "".join(random.choices("0123456789", k=6))
        with self.worker() as (cr, env):
            env = env(su=True)
            users = env["res.users"].create([{
                "name": f"Atendente {n}", "login": f"fd_{self.suffix}_{n}",
                "group_ids": [(6, 0, [env.ref("whatsapp_crm.group_whatsapp_attendant").id])],
            } for n in range(ATTENDANTS)])
            env["mail.presence"].create([{"user_id": user.id, "status": "online"} for user in users])
            self.account_id = env["whatsapp.account"].create({
                "name": f"Concorrência {self.suffix}", "phone_number_id": f"9{self.suffix}",
                "waba_id": f"8{self.suffix}", "access_token": "t", "app_secret": "s", "verify_token": "v",
            }).id
            self.department_id = env["whatsapp.department"].create({
                "name": f"Bilheteria {self.suffix}", "member_ids": [(6, 0, users.ids)],
                "assignment_mode": "round_robin", "capacity": CAPACITY,
            }).id
            self.user_ids = users.ids
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self.cleanup)

    def cleanup(self):
        with self.worker() as (cr, env):
            env = env(su=True)
            channels = env["discuss.channel"].search([("whatsapp_account_id", "=", self.account_id)])
            partners = channels.whatsapp_partner_id
            channels.unlink()
            partners.unlink()
            env["queue.job"].search([("func_string", "like", f"whatsapp.department({self.department_id},)")]).unlink()
            env["whatsapp.department"].browse(self.department_id).unlink()
            env["whatsapp.account"].browse(self.account_id).unlink()
            users = env["res.users"].browse(self.user_ids)
            env["mail.presence"].search([("user_id", "in", users.ids)]).unlink()
            users.active = False
            cr.commit()  # pylint: disable=invalid-commit

    def arrive_and_assign(self, n, barrier, errors):
        try:
            with self.worker() as (cr, env):
                env = env(su=True)
                partner = env["res.partner"].create({"name": f"Cliente {self.suffix} {n}"})
                channel = env["discuss.channel"]._whatsapp_get_or_open(env["whatsapp.account"].browse(self.account_id),
                                                                       partner)
                channel.sudo().write({"whatsapp_department_id": self.department_id,
                                      "whatsapp_routing_state": "routed"})
                cr.commit()  # pylint: disable=invalid-commit
            barrier.wait(timeout=60)
            with self.worker() as (cr, env):
                env["whatsapp.department"].browse(self.department_id)._whatsapp_assign_in_transaction()
                cr.commit()  # pylint: disable=invalid-commit
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    def test_twenty_parallel_conversations_never_exceed_capacity(self):
        barrier = threading.Barrier(PARALLEL)
        errors = []
        threads = [threading.Thread(target=self.arrive_and_assign, args=(n, barrier, errors)) for n in range(PARALLEL)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        self.assertFalse(errors)
        with self.worker() as (cr, _env):
            cr.execute("""
                SELECT whatsapp_assignee_id, COUNT(*) FROM discuss_channel
                 WHERE whatsapp_account_id = %s AND whatsapp_status = 'open' GROUP BY 1
            """, [self.account_id])
            loads = dict(cr.fetchall())
        waiting = loads.pop(None, 0)
        self.assertEqual(sorted(loads), sorted(self.user_ids), "every attendant got conversations")
        self.assertTrue(all(count <= CAPACITY for count in loads.values()), f"over capacity: {loads}")
        self.assertEqual(sum(loads.values()), ATTENDANTS * CAPACITY, "every free slot is used")
        self.assertEqual(waiting, PARALLEL - ATTENDANTS * CAPACITY)

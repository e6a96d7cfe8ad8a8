from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from meta_sandbox import webhooks

from .common import APP_SECRET, WABA_ID, WhatsAppCase

PHONE_NUMBER_ID_B = "109000000000002"


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestMultiCompany(WhatsAppCase):
    """Issue 10 point 5: two companies, each with its WhatsApp number and its attendants; Odoo's
    standard multi-company rules keep each company's accounts, conversations, messages and files
    to itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Filarmônica Norte", "country_id": cls.company_a.country_id.id})
        cls.account_b = cls.env["whatsapp.account"].create({
            "name": "Filarmônica Norte", "company_id": cls.company_b.id, "phone_number_id": PHONE_NUMBER_ID_B,
            "waba_id": WABA_ID, "access_token": "token-b", "app_secret": APP_SECRET,
            "graph_base_url": cls.sandbox.base_url,
        })
        cls.attendant_b = new_test_user(cls.env, "attendant_b", groups="whatsapp_crm.group_whatsapp_attendant",
                                        name="Bia Norte", company_id=cls.company_b.id,
                                        company_ids=[(6, 0, cls.company_b.ids)])
        cls.manager_ab = new_test_user(cls.env, "manager_ab", groups="whatsapp_crm.group_whatsapp_manager",
                                       name="Gil Duas Casas", company_id=cls.company_a.id,
                                       company_ids=[(6, 0, (cls.company_a | cls.company_b).ids)])

    def setUp(self):
        super().setUp()
        delivery_a = self.customer("5511987654321", "Maria Sul").text("Olá, empresa A")
        self.process_inbox()
        delivery_b = self.customer("5521987654321", "João Norte").image(caption="Olá, empresa B", send=False)
        self.post_webhook(self.for_number_b(delivery_b.payload))
        self.process_inbox()
        self.message_a = self.whatsapp_message(delivery_a.wamid)
        self.message_b = self.whatsapp_message(delivery_b.wamid)
        self.channel_a, self.channel_b = self.message_a.channel_id, self.message_b.channel_id
        self.media_b = self.message_b.media_ids

    def for_number_b(self, payload):
        """The same webhook, addressed to company B's number."""
        business = webhooks.BusinessNumber(WABA_ID, PHONE_NUMBER_ID_B, "552140000000")
        value = payload["entry"][0]["changes"][0]["value"]
        return webhooks.messages_payload(business, value["messages"], value["contacts"])

    def test_each_conversation_belongs_to_its_account_company(self):
        self.assertEqual(self.channel_b.whatsapp_account_id, self.account_b, "processed for company B")
        self.assertEqual((self.channel_a.whatsapp_company_id, self.channel_b.whatsapp_company_id),
                         (self.company_a, self.company_b))
        self.assertEqual((self.message_a.company_id, self.message_b.company_id), (self.company_a, self.company_b))
        self.assertEqual(self.media_b.company_id, self.company_b)

    def test_attendants_see_their_company_only(self):
        for user, own, other in ((self.attendant, "a", "b"), (self.attendant_b, "b", "a")):
            records = {"a": (self.account, self.channel_a, self.message_a, self.message_a.mail_message_id),
                       "b": (self.account_b, self.channel_b, self.message_b,
                             self.message_b.mail_message_id)}
            for record in records[own]:
                with self.subTest(user=user.login, own=record._name):
                    record.with_user(user).check_access("read")
            for record in records[other]:
                with self.subTest(user=user.login, other=record._name):
                    self.assertFalse(record.with_user(user).search([("id", "in", record.ids)]))
                    with self.assertRaises(AccessError):
                        record.with_user(user).check_access("read")
        self.assertFalse(self.env["whatsapp.media"].with_user(self.attendant).search([("id", "=", self.media_b.id)]))
        self.assertTrue(self.env["whatsapp.media"].with_user(self.attendant_b).search([("id", "=", self.media_b.id)]))

    def test_queue_and_actions_stay_in_the_company(self):
        fetch = self.env["discuss.channel"].with_user(self.attendant).whatsapp_queue_fetch("all")
        self.assertEqual((fetch["channel_ids"], fetch["counts"]["all"]), (self.channel_a.ids, 1))
        fetch = self.env["discuss.channel"].with_user(self.attendant_b).whatsapp_queue_fetch("all")
        self.assertEqual((fetch["channel_ids"], fetch["counts"]["all"]), (self.channel_b.ids, 1))
        with self.assertRaises(AccessError):
            self.channel_b.with_user(self.attendant).action_whatsapp_take()
        self.assertFalse(self.channel_b.whatsapp_assignee_id)

    def test_a_manager_of_both_sees_both_or_the_selected_one(self):
        channels = self.env["discuss.channel"].with_user(self.manager_ab)
        self.assertEqual(channels.whatsapp_queue_fetch("all")["counts"]["all"], 2)
        only_b = channels.with_context(allowed_company_ids=self.company_b.ids)
        self.assertEqual(only_b.whatsapp_queue_fetch("all")["channel_ids"], self.channel_b.ids)
        self.assertFalse(only_b.search([("id", "=", self.channel_a.id)]))

    def test_transfers_stay_in_the_company(self):
        self.channel_a.with_user(self.attendant).action_whatsapp_take()
        names = [c["name"] for c in self.channel_a.with_user(self.attendant).whatsapp_transfer_candidates()]
        self.assertIn("Gil Duas Casas", names)
        self.assertNotIn("Bia Norte", names)
        with self.assertRaises(UserError):
            self.channel_a.with_user(self.attendant).action_whatsapp_transfer(self.attendant_b.id)
        self.assertEqual(self.channel_a.whatsapp_assignee_id, self.attendant)

    def test_processing_user_serves_every_company(self):
        company_c = self.env["res.company"].create({"name": "Filarmônica Leste"})
        self.assertIn(company_c, self.processing_user.company_ids, "new companies are served too")
        self.assertLessEqual(self.env["res.company"].search([]), self.processing_user.company_ids)

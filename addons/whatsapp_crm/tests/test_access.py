import requests

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .common import WhatsAppCase


class AccessCase(WhatsAppCase):
    """One conversation with a customer's message, an attendant's reply and a file; and the people
    who must not reach it: an employee, a portal user, and the customer's own partner with a login."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, "portal", groups="base.group_portal", name="Paula Portal")

    def setUp(self):
        super().setUp()
        delivery = self.customer().text("Olá, meu CPF é 123.456.789-00")
        self.process_inbox()
        self.inbound = self.whatsapp_message(delivery.wamid).mail_message_id
        self.channel = self.whatsapp_message(delivery.wamid).channel_id
        self.customer_partner = self.channel.whatsapp_partner_id
        # The customer also has a login (a portal account, e.g. from the ticket shop).
        self.customer_user = new_test_user(self.env, "maria", groups="base.group_portal",
                                           partner_id=self.customer_partner.id)
        self.reply = self.attendant_writes(self.channel, "Vou verificar")
        self.attachment = self.env["ir.attachment"].create({
            "name": "ingresso.txt", "raw": b"segredo do cliente",
            "res_model": "discuss.channel", "res_id": self.channel.id,
        })
        self.inbound.sudo().attachment_ids = self.attachment

    def assert_refused(self, route, params):
        try:
            with mute_logger("odoo.http"):
                self.make_jsonrpc_request(route, params)
        except (JsonRpcException, requests.HTTPError):
            return
        self.fail(f"{route} answered")

    def outsiders(self):
        return {"employee": self.employee, "portal": self.portal, "customer": self.customer_user}


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestAccess(AccessCase):
    """Who sees what: attendants share every conversation; nobody else sees any; secrets are admins'."""

    def test_attendant_reads_every_conversation_without_membership(self):
        self.assertNotIn(self.attendant.partner_id, self.channel.channel_member_ids.partner_id)
        channels = self.env["discuss.channel"].with_user(self.attendant).search([("channel_type", "=", "whatsapp")])
        self.assertIn(self.channel, channels)
        self.assertTrue(self.channel.with_user(self.attendant).message_ids)

    def test_employee_sees_no_conversation(self):
        channels = self.env["discuss.channel"].with_user(self.employee).search([("channel_type", "=", "whatsapp")])
        self.assertFalse(channels)
        with self.assertRaises(AccessError):
            self.channel.with_user(self.employee).read(["name"])
        with self.assertRaises(AccessError):
            self.env["whatsapp.message"].with_user(self.employee).search([])

    def test_secrets_are_for_admins_only(self):
        for user in (self.attendant, self.manager):
            account = self.account.with_user(user)
            self.assertEqual(account.name, "Filarmônica")
            with self.assertRaises(AccessError):
                account.read(["access_token"])
            with self.assertRaises(AccessError):
                account.read(["app_secret"])
            with self.assertRaises(AccessError):
                account.write({"name": "renamed"})
        self.assertEqual(self.account.with_user(self.env.ref("base.user_admin")).app_secret, "test-app-secret")

    def test_inbox_is_for_admins_only(self):
        for user in (self.attendant, self.manager):
            with self.assertRaises(AccessError):
                self.env["whatsapp.inbox"].with_user(user).search([])
            with self.assertRaises(AccessError):
                self.env["whatsapp.inbox"].sudo().search([], limit=1).with_user(user).read(["raw_body"])

    def test_processing_user_is_not_a_superuser(self):
        user = self.processing_user
        self.assertFalse(user._is_superuser())
        self.assertFalse(user.has_group("base.group_system"))
        self.assertFalse(user.has_group("base.group_erp_manager"))
        self.env.cr.execute("SELECT password FROM res_users WHERE id = %s", [user.id])
        self.assertFalse(self.env.cr.fetchone()[0], "no password: nobody can log in as it")

    def test_neutralize_removes_every_secret(self):
        self.env.cr.execute(open(__file__.replace("tests/test_access.py", "data/neutralize.sql")).read())
        self.account.invalidate_recordset()
        account = self.account.with_context(active_test=False)
        self.assertEqual((account.access_token, account.app_secret, account.verify_token, account.active),
                         (False, False, False, False))


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestOnlyTheProductOpensConversations(AccessCase):
    """Issue 10 point 1: whatever the client sends, only the product's own code creates a WhatsApp
    conversation; only attendants and managers read it or post in it."""

    def conversation_values(self):
        return {"name": "Maria Souza", "channel_type": "whatsapp", "whatsapp_account_id": self.account.id,
                "whatsapp_partner_id": self.customer_partner.id, "whatsapp_status": "open"}

    def test_nobody_creates_a_conversation_over_rpc(self):
        for user in (self.employee, self.attendant, self.manager):
            with self.subTest(user=user.login), self.assertRaisesRegex(AccessError, "opened by WhatsApp"):
                self.env["discuss.channel"].with_user(user).create(self.conversation_values())
        with self.assertRaisesRegex(AccessError, "opened by WhatsApp"):
            self.env["discuss.channel"].with_user(self.employee).create(
                {"name": "Disfarce", "channel_type": "group", "whatsapp_account_id": self.account.id})
        self.assertEqual(self.env["discuss.channel"].search_count([("channel_type", "=", "whatsapp")]), 1)

    def test_nobody_creates_a_conversation_over_json_rpc(self):
        self.authenticate("employee", "employee")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.make_jsonrpc_request("/web/dataset/call_kw/discuss.channel/create", {
                "model": "discuss.channel", "method": "create", "args": [self.conversation_values()], "kwargs": {}})
        self.assertEqual(self.env["discuss.channel"].search_count([("channel_type", "=", "whatsapp")]), 1)

    def test_a_channel_never_becomes_a_conversation(self):
        group = self.env["discuss.channel"].with_user(self.employee)._create_group(
            partners_to=self.employee.partner_id.ids)
        with self.assertRaises(UserError):
            group.write({"channel_type": "whatsapp"})
        for values in ({"whatsapp_status": "open"}, {"whatsapp_account_id": self.account.id},
                       {"whatsapp_partner_id": self.customer_partner.id}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                group.write(values)

    def test_outsiders_cannot_read_the_conversation(self):
        for name, user in self.outsiders().items():
            with self.subTest(user=name):
                channels = self.env["discuss.channel"].with_user(user)
                self.assertFalse(channels.search([("id", "=", self.channel.id)]))
                with self.assertRaises(AccessError):
                    self.channel.with_user(user).read(["name"])
                messages = self.env["mail.message"].with_user(user)
                self.assertFalse(messages.search([("model", "=", "discuss.channel"),
                                                  ("res_id", "=", self.channel.id)]))
                with self.assertRaises(AccessError):
                    (self.inbound | self.reply).with_user(user).read(["body"])
                with self.assertRaises(AccessError):
                    self.attachment.with_user(user).read(["raw"])

    def test_outsiders_cannot_post(self):
        for name, user in self.outsiders().items():
            with self.subTest(user=name), self.assertRaises(AccessError):
                self.channel.with_user(user).message_post(
                    body="Olá", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual(self.send_outgoing().mapped("mail_message_id"), self.reply,
                         "only the attendant's reply goes to the customer")

    def test_outsiders_cannot_use_discuss_routes(self):
        for login in ("employee", "portal", "maria"):
            with self.subTest(user=login):
                self.authenticate(login, login.ljust(8, "x"))  # new_test_user's password
                for route, params in (
                    ("/discuss/channel/messages", {"channel_id": self.channel.id}),
                    ("/discuss/channel/join", {"channel_id": self.channel.id}),
                    ("/discuss/channel/notify_typing", {"channel_id": self.channel.id, "is_typing": True}),
                    ("/mail/message/post", {"thread_model": "discuss.channel", "thread_id": self.channel.id,
                                            "post_data": {"body": "Olá", "message_type": "comment",
                                                          "subtype_xmlid": "mail.mt_comment"}}),
                ):
                    self.assert_refused(route, params)
                # Mail's generic route answers, with nothing: the thread is not found for them.
                answer = self.make_jsonrpc_request("/mail/thread/messages", {
                    "thread_model": "discuss.channel", "thread_id": self.channel.id})
                self.assertFalse(set(answer["messages"]) & set(self.channel.message_ids.ids))
                self.assertNotIn("CPF", str(answer["data"]))
                response = self.url_open(f"/web/content/{self.attachment.id}")
                self.assertIn(response.status_code, (403, 404))
                self.assertNotIn(b"segredo", response.content)
        self.assertEqual(self.channel.message_ids.filtered(lambda m: m.message_type == "comment"),
                         self.inbound | self.reply)
        self.assertNotIn(self.employee.partner_id | self.customer_partner, self.channel.channel_member_ids.partner_id)

    def test_the_customer_is_not_a_member_and_cannot_be_added(self):
        self.assertNotIn(self.customer_partner, self.channel.channel_member_ids.partner_id)
        for partners in (self.customer_partner, self.employee.partner_id, self.portal.partner_id):
            with self.subTest(partner=partners.name), self.assertRaises(ValidationError):
                self.channel.sudo().add_members(partner_ids=partners.ids)
        with self.assertRaises(ValidationError):
            self.channel.with_user(self.attendant).add_members(partner_ids=self.customer_partner.ids)
        with self.assertRaises(AccessError, msg="attendants join through Take, not by adding members"):
            self.channel.with_user(self.attendant).add_members(partner_ids=self.manager.partner_id.ids)

    def test_attendants_and_managers_read_and_post(self):
        for user in (self.attendant, self.manager):
            channel = self.channel.with_user(user)
            self.assertEqual(channel.name, "Maria Souza")
            self.assertIn("CPF", str(self.inbound.with_user(user).body))
            self.assertEqual(self.attachment.with_user(user).raw, b"segredo do cliente")
            channel.message_post(body=f"Resposta de {user.name}", message_type="comment",
                                 subtype_xmlid="mail.mt_comment")
        self.assertEqual(len(self.send_outgoing()), 3)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestHelpdeskStateIsWrittenByActions(AccessCase):
    """Issue 10 point 2: who answers, the status, the account, the customer and the window change
    only through take / release / transfer / close, which check rights."""

    FORBIDDEN = ("whatsapp_assignee_id", "whatsapp_status", "whatsapp_account_id", "whatsapp_partner_id",
                 "whatsapp_last_inbound_at", "whatsapp_assigned_at", "whatsapp_last_activity_at",
                 "whatsapp_last_direction", "whatsapp_typing_requested_at")

    def value_for(self, field_name, user):
        return {
            "whatsapp_assignee_id": user.id, "whatsapp_status": "closed", "whatsapp_account_id": self.account.id,
            "whatsapp_partner_id": self.employee.partner_id.id, "whatsapp_last_direction": "out",
        }.get(field_name, "2026-01-01 00:00:00")

    def test_direct_writes_are_refused(self):
        for user in (self.attendant, self.manager):
            for field_name in self.FORBIDDEN:
                with self.subTest(user=user.login, field=field_name), \
                        self.assertRaisesRegex(AccessError, "Take, Release, Transfer or Close"):
                    self.channel.with_user(user).write({field_name: self.value_for(field_name, user)})
        self.assertFalse(self.channel.whatsapp_assignee_id)
        self.assertEqual(self.channel.whatsapp_status, "open")

    def test_direct_writes_are_refused_over_json_rpc(self):
        self.authenticate("attendant", "attendant")
        with self.assertRaisesRegex(JsonRpcException, "AccessError"), mute_logger("odoo.http"):
            self.make_jsonrpc_request("/web/dataset/call_kw/discuss.channel/write", {
                "model": "discuss.channel", "method": "write",
                "args": [self.channel.ids, {"whatsapp_assignee_id": self.attendant.id}], "kwargs": {}})
        self.channel.invalidate_recordset()
        self.assertFalse(self.channel.whatsapp_assignee_id)

    def test_the_actions_still_move_the_state(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.assertEqual(self.channel.whatsapp_assignee_id, self.attendant)
        self.channel.with_user(self.manager).action_whatsapp_close()
        self.assertEqual(self.channel.whatsapp_status, "closed")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestAdminOnlyFields(AccessCase):
    """Issue 10 point 4: storage keys, Meta's ids, raw payloads and raw errors are for administrators
    (and the processing user that writes them), not readable by attendants over RPC."""

    def test_attendants_cannot_read_technical_fields(self):
        outbound = self.send_outgoing()
        self.sandbox.emit_statuses(outbound.wamid, ["delivered"])
        self.process_inbox()
        message = self.whatsapp_message(self.inbound.whatsapp_message_ids.wamid)
        media = self.env["whatsapp.media"].create({
            "message_id": message.id, "kind": "image", "meta_media_id": "999000111",
            "storage_key": "whatsapp/abc", "thumbnail_key": "whatsapp/abc.thumb", "error_detail": "HTTP 500 at x",
        })
        status = self.env["whatsapp.message.status"].search([("message_id", "=", outbound.id)], limit=1)
        self.assertTrue(status)
        restricted = {
            media: {"attendant": ["storage_key", "thumbnail_key", "meta_media_id", "error_detail"],
                    "manager": ["storage_key", "thumbnail_key", "meta_media_id", "error_detail"]},
            message: {"attendant": ["payload", "error_message", "pricing", "conversation_info"],
                      "manager": ["payload", "error_message"]},
            status: {"manager": ["payload"]},
            self.account: {"attendant": ["connection_message"], "manager": ["connection_message"]},
        }
        for record, by_role in restricted.items():
            for role, field_names in by_role.items():
                user = self.attendant if role == "attendant" else self.manager
                for field_name in field_names:
                    with self.subTest(model=record._name, user=role, field=field_name), \
                            self.assertRaises(AccessError):
                        record.with_user(user).read([field_name])
        # What the screens need stays readable.
        self.assertEqual(message.with_user(self.attendant).read(["state", "direction"])[0]["state"], "received")
        self.assertEqual(media.with_user(self.attendant).read(["kind"])[0]["kind"], "image")
        self.assertTrue(outbound.with_user(self.manager).read(["pricing"]))
        admin = self.env.ref("base.user_admin")
        self.assertEqual(media.with_user(admin).storage_key, "whatsapp/abc")
        self.assertTrue(message.with_user(admin).payload)

    def test_attendants_client_data_still_complete(self):
        from odoo.addons.mail.tools.discuss import Store

        outbound = self.send_outgoing()
        self.sandbox.state.inject_failure("messages", code=131047)
        self.attendant_writes(self.channel, "Segunda")
        failed = self.send_outgoing() - outbound
        self.assertEqual(failed.state, "failed")
        store = Store().add((self.reply | failed.mail_message_id).with_user(self.attendant)).get_result()
        statuses = {record["id"]: record.get("whatsapp_status") for record in store["mail.message"]}
        self.assertEqual(statuses[self.reply.id]["state"], outbound.state)
        self.assertEqual(statuses[failed.mail_message_id.id]["error_code"], 131047)
        self.assertTrue(statuses[failed.mail_message_id.id]["failure_reason"])
        result = self.env["discuss.channel"].with_user(self.attendant).whatsapp_queue_fetch("all")
        self.assertIn(self.channel.id, result["channel_ids"])

import base64
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.whatsapp_crm.tools.graph_api import GraphError, WhatsAppGraphClient

from meta_sandbox import webhooks

from .common import WhatsAppCase

# 1x1 transparent PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
URL_BUTTON = {"type": "URL", "text": "Ver ingresso", "url": "https://ingressos.example/i/{{1}}",
              "example": ["https://ingressos.example/i/abc123"]}


class TemplateCase(WhatsAppCase):
    """A conversation with Maria and helpers to put templates at Meta (the sandbox) and sync them."""

    def setUp(self):
        super().setUp()
        self.maria = self.customer("5511987654321", "Maria Souza")
        self.maria.text("Olá! Ainda tem ingresso para sábado?")
        self.process_inbox()
        self.channel = self.conversation_of(self.partner_by_wa_id("5511987654321"))
        self.templates = self.env["whatsapp.template"].with_context(active_test=False)

    def sync(self):
        return self.env["whatsapp.template"]._whatsapp_sync_account(self.account)

    def template(self, name, language="pt_BR"):
        return self.templates.search([("name", "=", name), ("language", "=", language)])

    def pending_upload(self, raw=PNG, name="cartaz.png", user=None):
        """A file uploaded through Discuss's composer route, not yet posted."""
        return self.env["ir.attachment"].with_user(user or self.attendant).create({
            "name": name, "raw": raw, "res_model": "mail.compose.message", "res_id": 0})

    def send_template(self, name, values, attachment=None, user=None, language="pt_BR"):
        message_id = self.channel.with_user(user or self.attendant).whatsapp_send_template(
            self.template(name, language).id, values, attachment_id=attachment.id if attachment else None)
        return self.env["whatsapp.message"].search([("mail_message_id", "=", message_id)])

    def close_window(self):
        self.channel.whatsapp_last_inbound_at = self.channel.whatsapp_last_inbound_at - timedelta(hours=25)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestTemplateSync(TemplateCase):
    """GET /{waba-id}/message_templates, every page; the template webhooks in between."""

    def test_sync_reads_every_page_then_updates_and_archives(self):
        state = self.sandbox.state
        for index in range(250):
            state.add_template(f"modelo_{index:03d}", body="Olá {{1}}, tudo certo com o pedido {{2}}?")
        original = WhatsAppGraphClient._request
        with patch.object(WhatsAppGraphClient, "_request", autospec=True, side_effect=original) as request:
            result = self.sync()
        self.assertEqual(request.call_count, 3, "limit=100: three pages, following paging.next")
        self.assertTrue(request.call_args_list[2].kwargs["absolute_url"].startswith(self.sandbox.base_url))
        self.assertEqual(result, {"created": 250, "updated": 0, "removed": 0})
        first = self.template("modelo_000")
        self.assertEqual((first.status, first.category, first.parameter_format), ("approved", "utility", "positional"))
        self.assertEqual(first.variable_ids.mapped("key"), ["body.1", "body.2"])
        self.assertEqual(first.variable_ids[0].default_source, "partner_first_name", "Olá {{1}}: the first name")
        first.variable_ids[1].write({"default_source": "fixed", "default_value": "A12"})

        state.edit_template("modelo_000", "pt_BR", body="Oi {{1}}, seu pedido {{2}} saiu em {{3}}.")
        state.delete_template("modelo_249", "pt_BR")
        self.assertEqual(self.sync(), {"created": 0, "updated": 1, "removed": 1})
        self.assertEqual(first.body_text, "Oi {{1}}, seu pedido {{2}} saiu em {{3}}.")
        self.assertEqual(first.variable_ids.mapped("key"), ["body.1", "body.2", "body.3"])
        self.assertEqual(first.variable_ids[1].default_value, "A12", "a manager's default survives the sync")
        deleted = self.template("modelo_249")
        self.assertEqual((deleted.active, deleted.status), (False, "deleted"))
        self.assertEqual(self.sync(), {"created": 0, "updated": 0, "removed": 0}, "nothing changed, nothing written")

    def test_failed_page_archives_nothing(self):
        for index in range(150):
            self.sandbox.state.add_template(f"modelo_{index:03d}")
        self.sync()
        self.sandbox.state.inject_failure("templates", code=None)       # first page served normally
        self.sandbox.state.inject_failure("templates", code=131016)     # the second one fails
        with self.assertRaises(GraphError):
            self.sync()
        self.assertEqual(self.templates.search_count([("active", "=", True)]), 150)

    def test_manager_sync_button_reports_errors(self):
        self.sandbox.state.add_template("aviso")
        action = self.env["whatsapp.template"].with_user(self.manager).action_whatsapp_sync()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(self.template("aviso"))
        self.sandbox.state.inject_failure("templates", code=190)
        action = self.env["whatsapp.template"].with_user(self.manager).action_whatsapp_sync()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("190", action["params"]["message"])

    def test_status_webhook_pausing_a_template_hides_it_at_once(self):
        self.sandbox.state.add_template("retomar", body="Olá {{1}}, podemos continuar?")
        self.sandbox.state.add_template("aviso", body="Aviso geral")
        self.sync()
        picker = self.channel.with_user(self.attendant).whatsapp_template_picker
        self.assertEqual([t["name"] for t in picker()["templates"]], ["aviso", "retomar"])
        self.sandbox.change_template_status("retomar", "pt_BR", "PAUSED",
                                            other_info={"title": "FIRST_PAUSE", "description": "Baixa qualidade"})
        events = self.process_inbox()
        self.assertEqual(events.state, "done")
        retomar = self.template("retomar")
        self.assertEqual(retomar.status, "paused")
        self.assertTrue(retomar.message_ids.filtered(lambda message: "Baixa qualidade" in message.body),
                        "Meta's explanation is kept on the template")
        self.assertEqual([t["name"] for t in picker()["templates"]], ["aviso"])
        with self.assertRaisesRegex(UserError, "can no longer be sent"):
            self.send_template("retomar", {"body.1": "Maria"})
        self.sandbox.change_template_status("retomar", "pt_BR", "REINSTATED")
        self.process_inbox()
        self.assertEqual(retomar.status, "approved")

    def test_quality_category_and_deletion_webhooks(self):
        self.sandbox.state.add_template("promo", category="UTILITY", body="Oferta")
        self.sync()
        promo = self.template("promo")
        self.sandbox.change_template_quality("promo", "pt_BR", "RED")
        self.sandbox.change_template_category("promo", "pt_BR", "MARKETING")
        self.post_webhook(webhooks.field_payload(self.sandbox.business.waba_id, "template_category_update",
                                                 webhooks.template_category_update(
                                                     promo.meta_id, "promo", "pt_BR", "UTILITY",
                                                     correct_category="UTILITY", update_timestamp=1893456000)))
        self.sandbox.delete_template("promo", "pt_BR")
        self.process_inbox()
        self.assertEqual((promo.quality, promo.category, promo.pending_category), ("red", "marketing", "utility"))
        self.assertEqual(str(promo.pending_category_at), "2030-01-01 00:00:00")
        self.assertEqual((promo.status, promo.active), ("deleted", False))

    def test_webhook_for_an_unknown_template_wakes_the_sync(self):
        def sync_jobs():
            return self.env["queue.job"].sudo().search_count([("identity_key", "=", "whatsapp_crm.template_sync"),
                                                              ("state", "=", "pending")])
        self.assertEqual(sync_jobs(), 0)
        for name in ("novo", "outro_novo"):
            self.post_webhook(webhooks.field_payload(self.sandbox.business.waba_id, "message_template_status_update",
                                                     webhooks.template_status_update("123456", name, "pt_BR")))
            self.assertEqual(self.process_inbox().state, "done")
        self.assertEqual(sync_jobs(), 1, "one sync job waits, however many webhooks asked for it")
        # Other fields are kept in the POST, not applied.
        self.post_webhook(webhooks.field_payload(self.sandbox.business.waba_id, "account_update",
                                                 webhooks.account_update("551140000000")))
        self.assertEqual(self.process_inbox().state, "ignored")

    def test_template_webhook_of_another_business_account_is_quarantined(self):
        self.post_webhook(webhooks.field_payload("999999999999999", "message_template_status_update",
                                                 webhooks.template_status_update("123456", "novo", "pt_BR")))
        self.assertEqual(self.process_inbox().state, "quarantined",
                         "the app secret that signed it is not that business account's")

    def test_picker_offers_the_customers_language(self):
        state = self.sandbox.state
        state.add_template("boas_vindas", language="en_US", body="Hello {{1}}")
        state.add_template("boas_vindas", language="pt_BR", body="Olá {{1}}")
        state.add_template("so_ingles", language="en_US", body="Only English")
        state.add_template("pendente", status="PENDING", body="x")
        self.sync()
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env.company.partner_id.lang = "en_US"
        customer = self.channel.whatsapp_partner_id
        customer.lang = "pt_BR"
        picker = self.channel.with_user(self.attendant).whatsapp_template_picker
        offered = {t["name"]: t["language"] for t in picker()["templates"]}
        self.assertEqual(offered, {"boas_vindas": "pt_BR", "so_ingles": "en_US"})
        customer.lang = "en_US"
        self.assertEqual(picker()["templates"][0]["language"], "en_US")
        customer.lang = False   # unknown: the company's language
        self.assertEqual(picker()["templates"][0]["language"], "en_US")
        self.env.company.partner_id.lang = "pt_BR"
        self.assertEqual(picker()["templates"][0]["language"], "pt_BR")
        self.assertEqual([t["name"] for t in picker(search="only")["templates"]], ["so_ingles"])


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestTemplateSend(TemplateCase):
    """The dialog's server side, the exact JSON Meta receives, errors explained, costs."""

    def test_positional_send_with_media_header_and_url_button(self):
        self.sandbox.state.add_template("ingresso", header={"format": "IMAGE"}, footer="Filarmônica",
                                        body="Olá {{1}}! Seu ingresso para {{2}} está garantido.",
                                        buttons=[URL_BUTTON, "Obrigado"])
        self.sync()
        form = self.channel.with_user(self.attendant).whatsapp_template_form(self.template("ingresso").id)
        self.assertEqual([(v["key"], v["value"]) for v in form["variables"]],
                         [("body.1", "Maria"), ("body.2", ""), ("button.0", "")])
        self.assertEqual(form["accept"], "image/jpeg,image/png")
        message = self.send_template("ingresso", {"body.1": "Maria", "body.2": "sábado", "button.0": "abc123"},
                                     attachment=self.pending_upload())
        self.assertEqual((message.state, message.message_type), ("outgoing", "template"))
        body = message.mail_message_id.body
        self.assertIn("Olá Maria! Seu ingresso para sábado está garantido.", body)
        self.assertIn("Ver ingresso", body)
        self.assertEqual(message.mail_message_id.attachment_ids.name, "cartaz.png",
                         "the header image is shown in the thread")
        self.assertEqual(message.mail_message_id._whatsapp_status_for_store()["template"], "ingresso")

        self.send_outgoing()
        self.assertEqual(message.state, "accepted")
        [upload] = [m for m in self.sandbox.state._data.media.values() if m.origin == "upload"]
        self.assertEqual((upload.data, upload.mime_type), (PNG, "image/png"))
        self.assertEqual(self.sandbox.state.sent[-1].payload, {
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "5511987654321",
            "type": "template", "biz_opaque_callback_data": f"whatsapp_crm:{message.id}",
            "template": {"name": "ingresso", "language": {"code": "pt_BR"}, "components": [
                {"type": "header", "parameters": [{"type": "image", "image": {"id": upload.id}}]},
                {"type": "body", "parameters": [{"type": "text", "text": "Maria"},
                                                {"type": "text", "text": "sábado"}]},
                {"type": "button", "sub_type": "url", "index": "0",
                 "parameters": [{"type": "text", "text": "abc123"}]},
            ]}})

    def test_named_send_with_stored_document_and_copy_code(self):
        self.sandbox.state.add_template(
            "programa", header={"format": "DOCUMENT"}, parameter_format="NAMED", category="MARKETING",
            body="Olá {{nome}}, segue o programa. Atendimento {{protocolo}} por {{atendente}}.",
            buttons=[{"type": "COPY_CODE", "example": "PROMO10"}])
        self.sync()
        template = self.template("programa")
        template.write({"header_file": base64.b64encode(b"%PDF-1.4 programa"), "header_filename": "programa.pdf"})
        form = self.channel.with_user(self.attendant).whatsapp_template_form(template.id)
        self.assertEqual(form["stored_file"], {"name": "programa.pdf"})
        values = {v["key"]: v["value"] for v in form["variables"]}
        self.assertEqual(values, {"body.nome": "Maria Souza", "body.protocolo": self.channel.whatsapp_protocol,
                                  "body.atendente": "Ana Atendente", "button.0": ""})
        message = self.send_template("programa", dict(values, **{"button.0": "PROMO10"}))
        self.send_outgoing()
        [upload] = [m for m in self.sandbox.state._data.media.values() if m.origin == "upload"]
        self.assertEqual(upload.mime_type, "application/pdf")
        self.assertEqual(self.sandbox.state.sent[-1].payload["template"], {
            "name": "programa", "language": {"code": "pt_BR"}, "components": [
                {"type": "header", "parameters": [
                    {"type": "document", "document": {"id": upload.id, "filename": "programa.pdf"}}]},
                {"type": "body", "parameters": [
                    {"type": "text", "parameter_name": "nome", "text": "Maria Souza"},
                    {"type": "text", "parameter_name": "protocolo", "text": self.channel.whatsapp_protocol},
                    {"type": "text", "parameter_name": "atendente", "text": "Ana Atendente"}]},
                {"type": "button", "sub_type": "copy_code", "index": "0",
                 "parameters": [{"type": "coupon_code", "coupon_code": "PROMO10"}]},
            ]})
        self.assertEqual(message.state, "accepted")
        self.assertEqual(message.mail_message_id.attachment_ids.res_model, "discuss.channel",
                         "the stored file is copied into the conversation")

    def test_header_upload_is_done_once_across_retries(self):
        self.sandbox.state.add_template("cartaz", header={"format": "IMAGE"}, body="Novo cartaz")
        self.sync()
        message = self.send_template("cartaz", {}, attachment=self.pending_upload())
        self.sandbox.state.inject_failure("messages", code=130429)
        self.send_outgoing()
        self.assertEqual((message.state, message.send_attempts), ("outgoing", 1))
        media_id = message.template_header_media_id
        self.assertTrue(media_id)
        with freeze_time(message.next_attempt_at + timedelta(seconds=1)):
            self.send_outgoing()
        self.assertEqual(message.state, "accepted")
        self.assertEqual(len([m for m in self.sandbox.state._data.media.values() if m.origin == "upload"]), 1)

    def test_upload_failure_is_a_send_failure(self):
        self.sandbox.state.add_template("cartaz", header={"format": "IMAGE"}, body="Novo cartaz")
        self.sync()
        message = self.send_template("cartaz", {}, attachment=self.pending_upload())
        self.sandbox.state.inject_failure("media_upload", code=131053)
        self.send_outgoing()
        self.assertEqual((message.state, message.error_code, message.error_category), ("failed", 131053, "media"))

    def test_wrong_header_file_and_missing_values_are_refused_before_queueing(self):
        self.sandbox.state.add_template("cartaz", header={"format": "IMAGE"}, body="Olá {{1}}")
        self.sync()
        with self.assertRaisesRegex(UserError, "needs a file"):
            self.send_template("cartaz", {"body.1": "Maria"})
        with self.assertRaisesRegex(UserError, "does not accept"):
            self.send_template("cartaz", {"body.1": "Maria"}, attachment=self.pending_upload(b"%PDF-1.4", "a.pdf"))
        with self.assertRaisesRegex(UserError, "missing or invalid"):
            self.send_template("cartaz", {"body.1": " "}, attachment=self.pending_upload())
        with self.assertRaises(UserError):  # someone else's upload
            self.send_template("cartaz", {"body.1": "Maria"}, attachment=self.pending_upload(user=self.manager))
        self.assertFalse(self.env["whatsapp.message"].search([("direction", "=", "out")]))

    def test_each_template_error_is_explained(self):
        self.sandbox.state.add_template("aviso", body="Aviso {{1}}")
        self.sync()
        expected = {
            132000: "variables do not match", 132001: "does not know this template",
            132005: "too long", 132012: "wrong format", 132015: "paused", 132016: "for good",
        }
        for code, words in expected.items():
            with self.subTest(code=code):
                self.sandbox.state.inject_failure("messages", code=code)
                message = self.send_template("aviso", {"body.1": "x"})
                self.send_outgoing()
                self.assertEqual((message.state, message.error_code, message.error_category),
                                 ("failed", code, "template"))
                self.assertIn(words, message.failure_reason)
                self.assertIn(words, message.mail_message_id._whatsapp_status_for_store()["failure_reason"])

    def test_template_changed_at_meta_fails_with_132000(self):
        self.sandbox.state.add_template("aviso", body="Aviso {{1}}")
        self.sync()
        self.sandbox.state.edit_template("aviso", "pt_BR", body="Aviso {{1}} e {{2}}")
        message = self.send_template("aviso", {"body.1": "x"})
        self.send_outgoing()
        self.assertEqual((message.state, message.error_code), ("failed", 132000))

    def test_welcome_template_offers_the_privacy_policy(self):
        self.env.company.whatsapp_privacy_policy_url = "https://filarmonica.example/privacidade"
        self.sandbox.state.add_template(
            "boas_vindas", parameter_format="NAMED",
            body="Olá {{nome}}! Seus dados são tratados conforme {{link_privacidade}}.")
        self.sync()
        form = self.channel.with_user(self.attendant).whatsapp_template_form(self.template("boas_vindas").id)
        self.assertEqual({v["key"]: v["value"] for v in form["variables"]}, {
            "body.nome": "Maria Souza", "body.link_privacidade": "https://filarmonica.example/privacidade"})
        self.assertIn("conforme https://filarmonica.example/privacidade", form["preview"])

    def test_preview_is_rendered_like_whatsapp(self):
        self.sandbox.state.add_template("aviso", header="Aviso *{{1}}*", body="Olá _{{1}}_ <b>x</b>",
                                        footer="Rodapé")
        self.sync()
        preview = self.channel.with_user(self.attendant).whatsapp_template_preview(
            self.template("aviso").id, {"header.1": "urgente", "body.1": "Maria", "body.99": "ignored"})
        self.assertIn("Aviso <b>urgente</b>", preview)
        self.assertIn("Olá <i>Maria</i> &lt;b&gt;x&lt;/b&gt;", preview)
        self.assertIn("Rodapé", preview)

    def test_lgpd_hook_can_refuse_a_template(self):
        self.sandbox.state.add_template("promo", category="MARKETING", body="Oferta!")
        self.sync()
        channel_class = type(self.env["discuss.channel"])

        def refuse(channel, partner, template):
            reason = f"{partner.name} did not consent to {template.category}"
            raise UserError(reason)

        with patch.object(channel_class, "_whatsapp_check_template_allowed", refuse), \
                self.assertRaisesRegex(UserError, "Maria Souza did not consent to marketing"):
            self.send_template("promo", {})

    def test_only_attendants_send_templates(self):
        self.sandbox.state.add_template("aviso", body="Aviso")
        self.sync()
        with self.assertRaises(AccessError):
            self.send_template("aviso", {}, user=self.employee)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestBilling(TemplateCase):
    """Billing category at send time, Meta's pricing as fields, estimated cost from the rate table."""

    def setUp(self):
        super().setUp()
        brazil = self.env.ref("base.br")
        rates = self.env["whatsapp.pricing.rate"].with_user(self.manager)
        rates.create([
            {"category": "marketing", "country_id": brazil.id, "price": 0.0625, "date_from": "2025-07-01"},
            {"category": "marketing", "price": 0.08, "date_from": "2025-07-01"},
            {"category": "utility", "country_id": brazil.id, "price": 0.008, "date_from": "2025-07-01"},
            {"category": "service", "price": 0.0, "date_from": "2025-07-01"},
        ])
        self.sandbox.state.add_template("promo", category="MARKETING", body="Oferta para {{1}}")
        self.sync()

    def test_template_message_cost(self):
        message = self.send_template("promo", {"body.1": "Maria"})
        self.assertEqual((message.billing_category, message.cost_country_id.code), ("marketing", "BR"))
        self.assertFalse(message.template_window_closed, "the window was open")
        self.assertAlmostEqual(message.estimated_cost, 0.0625)
        self.send_outgoing()
        self.sandbox.emit_statuses(message.wamid, ["sent", "delivered"])
        self.process_inbox()
        self.assertEqual((message.pricing_billable, message.pricing_category, message.pricing_model,
                          message.pricing_type), (True, "marketing", "PMP", "regular"))
        self.assertAlmostEqual(message.estimated_cost, 0.0625)
        # A new rate from before the message re-prices it.
        self.env["whatsapp.pricing.rate"].with_user(self.manager).create(
            {"category": "marketing", "country_id": self.env.ref("base.br").id, "price": 0.07,
             "date_from": "2025-12-01"})
        self.assertAlmostEqual(message.estimated_cost, 0.07)

    def test_service_reply_cost(self):
        self.attendant_writes(self.channel, "A bilheteria abre às 10h.")
        reply = self.send_outgoing()
        self.assertEqual((reply.billing_category, reply.estimated_cost), ("service", 0.0))
        self.sandbox.emit_statuses(reply.wamid, ["delivered"])
        self.process_inbox()
        self.assertEqual((reply.pricing_billable, reply.pricing_type), (False, "free_customer_service"))
        # Should Meta start charging service messages, its billable flag and the table say how much.
        self.env["whatsapp.pricing.rate"].with_user(self.manager).create(
            {"category": "service", "price": 0.004, "date_from": "2025-08-01"})
        self.assertEqual(reply.estimated_cost, 0.0, "not billable")
        reply.pricing = dict(reply.pricing, billable=True, type="regular")
        self.assertAlmostEqual(reply.estimated_cost, 0.004)

    def test_templates_sent_because_the_window_was_closed_are_counted(self):
        self.send_template("promo", {"body.1": "Maria"})
        self.close_window()
        self.send_template("promo", {"body.1": "Maria"})
        self.send_template("promo", {"body.1": "Maria"})
        count = self.env["whatsapp.message"].search_count([("template_window_closed", "=", True)])
        self.assertEqual(count, 2)

    def test_market_falls_back_to_the_generic_rate(self):
        portuguese = self.customer("351912345678", "João Lisboa")
        portuguese.text("Olá")
        self.process_inbox()
        self.channel = self.conversation_of(self.partner_by_wa_id("351912345678"))
        message = self.send_template("promo", {"body.1": "João"})
        self.assertEqual(message.cost_country_id.code, "PT")
        self.assertAlmostEqual(message.estimated_cost, 0.08)

from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools.interactive_payload import (
    InteractiveError,
    check_spec,
    interactive_payload,
    reply_of,
)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestToolsInteractivePayload(BaseCase):
    """Reply buttons and lists as Meta wants them, and the taps that come back."""

    def test_buttons_json_is_exact(self):
        spec = {"kind": "buttons", "body": " Podemos confirmar? ", "options": [
            {"id": "option_1", "title": "Sim"}, {"id": "option_2", "title": "Não", "description": "ignored"}]}
        self.assertEqual(interactive_payload("5511987654321", spec, reply_to="wamid.Q"), {
            "recipient_type": "individual",
            "to": "5511987654321",
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Podemos confirmar?"},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": "option_1", "title": "Sim"}},
                    {"type": "reply", "reply": {"id": "option_2", "title": "Não"}},
                ]},
            },
            "context": {"message_id": "wamid.Q"},
        })

    def test_list_json_is_exact(self):
        spec = {"kind": "list", "body": "Qual sessão?", "button": "Ver sessões", "options": [
            {"id": "option_1", "title": "Sábado 20h", "description": "Sala principal"},
            {"id": "option_2", "title": "Domingo 16h"}]}
        self.assertEqual(interactive_payload(None, spec, recipient="BR.1502576394655843"), {
            "recipient_type": "individual",
            "recipient": "BR.1502576394655843",
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Qual sessão?"},
                "action": {"button": "Ver sessões", "sections": [{"rows": [
                    {"id": "option_1", "title": "Sábado 20h", "description": "Sala principal"},
                    {"id": "option_2", "title": "Domingo 16h"},
                ]}]},
            },
        })

    def test_meta_limits(self):
        def error_of(spec):
            with self.assertRaises(InteractiveError) as caught:
                check_spec(spec)
            return caught.exception.code

        four = [{"id": f"o{i}", "title": f"Opção {i}"} for i in range(4)]
        self.assertEqual(error_of({"kind": "buttons", "body": "?", "options": four}), "too_many_options")
        self.assertEqual(check_spec({"kind": "list", "body": "?", "button": "Ver", "options": four})["kind"], "list")
        eleven = [{"id": f"o{i}", "title": f"Opção {i}"} for i in range(11)]
        self.assertEqual(error_of({"kind": "list", "body": "?", "button": "Ver", "options": eleven}),
                         "too_many_options")
        self.assertEqual(error_of({"kind": "buttons", "body": "?", "options": [{"id": "a", "title": "x" * 21}]}),
                         "title_too_long")
        self.assertEqual(error_of({"kind": "buttons", "body": "", "options": four[:1]}), "body_missing")
        self.assertEqual(error_of({"kind": "buttons", "body": "?", "options": [
            {"id": "a", "title": "Sim"}, {"id": "b", "title": "sim"}]}), "duplicate_option")
        self.assertEqual(error_of({"kind": "list", "body": "?", "options": four}), "list_button_missing")

    def test_reply_of_a_tap(self):
        self.assertEqual(reply_of({"type": "button_reply", "button_reply": {"id": "option_1", "title": "Sim"}}),
                         ("option_1", "Sim"))
        self.assertEqual(reply_of({"type": "list_reply", "list_reply": {"id": "r", "title": "T"}}), ("r", "T"))
        self.assertEqual(reply_of({"type": "nfm_reply", "nfm_reply": {}}), (None, None))
        self.assertEqual(reply_of("junk"), (None, None))

from datetime import datetime

from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools import quick_reply


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestToolsQuickReply(BaseCase):
    """Quick-reply variables, filled in pure Python."""

    VALUES = {"nome": "Maria Souza", "primeiro_nome": "Maria", "protocolo": "2026-000123",
              "atendente": "Ana", "setor": "", "saudacao": "bom dia"}

    def test_every_variable_is_filled(self):
        text = "{{nome}} / {{primeiro_nome}} / {{protocolo}} / {{atendente}} / [{{setor}}] / {{saudacao}}"
        self.assertEqual(quick_reply.fill(text, self.VALUES),
                         "Maria Souza / Maria / 2026-000123 / Ana / [] / bom dia")

    def test_spaces_and_case_are_tolerated_unknown_names_are_kept(self):
        self.assertEqual(quick_reply.fill("{{ Primeiro_Nome }} {{ingresso}}", self.VALUES), "Maria {{ingresso}}")

    def test_greeting_is_capitalised_at_the_start_of_a_sentence(self):
        self.assertEqual(quick_reply.fill("{{saudacao}}, {{primeiro_nome}}!", self.VALUES), "Bom dia, Maria!")
        self.assertEqual(quick_reply.fill("Olá, {{saudacao}}!", self.VALUES), "Olá, bom dia!")
        self.assertEqual(quick_reply.fill("Obrigado. {{saudacao}}!", self.VALUES), "Obrigado. Bom dia!")

    def test_greeting_period_by_hour(self):
        periods = {hour: quick_reply.greeting_period(datetime(2026, 12, 1, hour, 30)) for hour in (4, 5, 11, 12, 17, 18, 23)}
        self.assertEqual(periods, {4: "evening", 5: "morning", 11: "morning", 12: "afternoon", 17: "afternoon",
                                   18: "evening", 23: "evening"})

    def test_first_name(self):
        self.assertEqual(quick_reply.first_name("  Maria   Souza "), "Maria")
        self.assertEqual(quick_reply.first_name(""), "")

    def test_empty_text(self):
        self.assertEqual(quick_reply.fill("", self.VALUES), "")
        self.assertEqual(quick_reply.fill(None, self.VALUES), "")

from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools import department_menu

TITLES = ["Bilheteria", "Educativo", "Imprensa"]


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestDepartmentMenu(BaseCase):

    def test_numbers_as_customers_type_them(self):
        for text in ("2", " 2 ", "2.", "2)", "2 - Educativo", "opção 2", "Opcao 2"):
            self.assertEqual(department_menu.choice_of(text, TITLES), 1, text)

    def test_names_without_case_accents_or_punctuation(self):
        for text in ("Bilheteria", "bilhetéria!", "BILHETERIA", "  bilheteria  "):
            self.assertEqual(department_menu.choice_of(text, TITLES), 0, text)

    def test_invalid_answers(self):
        for text in ("", "0", "4", "talvez", "quero ingresso para dia 2 de dezembro", "22"):
            self.assertIsNone(department_menu.choice_of(text, TITLES), text)

    def test_reply_ids(self):
        self.assertEqual(department_menu.department_of_reply(department_menu.reply_id(42)), 42)
        self.assertIsNone(department_menu.department_of_reply("whatsapp_crm.survey:5"))
        self.assertIsNone(department_menu.department_of_reply("whatsapp_department_x"))
        self.assertIsNone(department_menu.department_of_reply(None))

    def test_numbered_menu_and_opening(self):
        self.assertEqual(department_menu.numbered_menu("Olá!", TITLES[:2], "Responda com o número."),
                         "Olá!\n\n1 - Bilheteria\n2 - Educativo\n\nResponda com o número.")
        self.assertEqual(department_menu.fill_opening("Voltamos {{abertura}}.", "segunda às 9h"),
                         "Voltamos segunda às 9h.")
        self.assertIsNone(department_menu.fill_opening("Estamos fechados.", "segunda às 9h"))

# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools.graph_api import template_payload
from odoo.addons.whatsapp_crm.tools.template_payload import (
    TemplateError,
    parse_template,
    render,
    render_text,
    template_object,
    whatsapp_html,
)

# As Meta lists them (GET /{waba-id}/message_templates).
POSITIONAL_COMPONENTS = [
    {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["https://scontent.example/h.jpg"]}},
    {"type": "BODY", "text": "Olá {{1}}! Seu ingresso para {{2}} está garantido.",
     "example": {"body_text": [["Maria", "12/12 às 20h"]]}},
    {"type": "FOOTER", "text": "Filarmônica"},
    {"type": "BUTTONS", "buttons": [
        {"type": "URL", "text": "Ver ingresso", "url": "https://ingressos.example/i/{{1}}",
         "example": ["https://ingressos.example/i/abc123"]},
        {"type": "QUICK_REPLY", "text": "Obrigado"},
    ]},
]
NAMED_COMPONENTS = [
    {"type": "HEADER", "format": "TEXT", "text": "Concerto de {{data}}",
     "example": {"header_text_named_params": [{"param_name": "data", "example": "sábado"}]}},
    {"type": "BODY", "text": "Olá {{nome}}, o concerto de {{data_concerto}} começa às 20h.",
     "example": {"body_text_named_params": [{"param_name": "nome", "example": "Maria"},
                                            {"param_name": "data_concerto", "example": "12/12"}]}},
    {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "PROMO10"},
                                    {"type": "PHONE_NUMBER", "text": "Ligar", "phone_number": "+551140000000"}]},
]


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestTemplatePayload(BaseCase):

    def test_variables_and_their_examples(self):
        spec = parse_template(POSITIONAL_COMPONENTS, "POSITIONAL")
        self.assertEqual([(v.key, v.example) for v in spec.variables], [
            ("header.media", "https://scontent.example/h.jpg"),
            ("body.1", "Maria"), ("body.2", "12/12 às 20h"),
            ("button.0", "abc123"),   # the URL's dynamic suffix only
        ])
        named = parse_template(NAMED_COMPONENTS, "NAMED")
        self.assertEqual([(v.key, v.example) for v in named.variables], [
            ("header.data", "sábado"), ("body.nome", "Maria"), ("body.data_concerto", "12/12"),
            ("button.0", "PROMO10"),
        ])
        self.assertEqual(parse_template([{"type": "BODY", "text": "{{2}} e {{1}}"}]).variables[0].key, "body.1")

    def test_positional_send_matches_metas_reference(self):
        spec = parse_template(POSITIONAL_COMPONENTS, "POSITIONAL")
        values = {"body.1": "Maria", "body.2": "sábado", "button.0": "abc123"}
        payload = template_payload("5511987654321", template_object(
            "ingresso", "pt_BR", spec, values, media={"id": "1234567890"}))
        self.assertEqual(payload, {
            "recipient_type": "individual", "to": "5511987654321", "type": "template",
            "template": {"name": "ingresso", "language": {"code": "pt_BR"}, "components": [
                {"type": "header", "parameters": [{"type": "image", "image": {"id": "1234567890"}}]},
                {"type": "body", "parameters": [{"type": "text", "text": "Maria"},
                                                {"type": "text", "text": "sábado"}]},
                {"type": "button", "sub_type": "url", "index": "0",
                 "parameters": [{"type": "text", "text": "abc123"}]},
            ]}})

    def test_named_send_matches_metas_reference(self):
        spec = parse_template(NAMED_COMPONENTS, "NAMED")
        values = {"header.data": "sábado", "body.nome": "Maria", "body.data_concerto": "12/12",
                  "button.0": "PROMO10"}
        self.assertEqual(template_object("lembrete", "pt_BR", spec, values), {
            "name": "lembrete", "language": {"code": "pt_BR"}, "components": [
                {"type": "header", "parameters": [{"type": "text", "parameter_name": "data", "text": "sábado"}]},
                {"type": "body", "parameters": [
                    {"type": "text", "parameter_name": "nome", "text": "Maria"},
                    {"type": "text", "parameter_name": "data_concerto", "text": "12/12"}]},
                {"type": "button", "sub_type": "copy_code", "index": "0",
                 "parameters": [{"type": "coupon_code", "coupon_code": "PROMO10"}]},
            ]})

    def test_static_template_has_no_components(self):
        spec = parse_template([{"type": "BODY", "text": "Obrigado pelo contato!"}])
        self.assertEqual(template_object("obrigado", "pt_BR", spec, {}),
                         {"name": "obrigado", "language": {"code": "pt_BR"}})

    def test_document_and_location_headers(self):
        document = parse_template([{"type": "HEADER", "format": "DOCUMENT"}, {"type": "BODY", "text": "Segue"}])
        self.assertEqual(template_object("programa", "pt_BR", document, {},
                                         media={"id": "9", "filename": "programa.pdf"})["components"],
                         [{"type": "header", "parameters": [
                             {"type": "document", "document": {"id": "9", "filename": "programa.pdf"}}]}])
        with self.assertRaises(TemplateError) as caught:
            template_object("programa", "pt_BR", document, {})
        self.assertEqual(caught.exception.key, "header.media")
        location = parse_template([{"type": "HEADER", "format": "LOCATION"}, {"type": "BODY", "text": "Aqui"}])
        values = {"header.latitude": "-23.55", "header.longitude": "-46.63", "header.name": "Sala São Paulo"}
        self.assertEqual(template_object("local", "pt_BR", location, values)["components"], [
            {"type": "header", "parameters": [{"type": "location", "location": {
                "latitude": -23.55, "longitude": -46.63, "name": "Sala São Paulo"}}]}])
        with self.assertRaises(TemplateError):
            template_object("local", "pt_BR", location, dict(values, **{"header.latitude": "norte"}))

    def test_authentication_button_carries_the_code(self):
        spec = parse_template([{"type": "BODY", "text": "{{1}} é o seu código."},
                               {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE",
                                                                "text": "Copiar código"}]}])
        self.assertEqual(template_object("codigo", "pt_BR", spec, {"body.1": "482913"})["components"][1],
                         {"type": "button", "sub_type": "url", "index": "0",
                          "parameters": [{"type": "text", "text": "482913"}]})

    def test_missing_and_invalid_values_are_refused(self):
        spec = parse_template(POSITIONAL_COMPONENTS, "POSITIONAL")
        with self.assertRaises(TemplateError) as caught:
            template_object("ingresso", "pt_BR", spec, {"body.1": "Maria", "button.0": "x"}, media={"id": "1"})
        self.assertEqual(caught.exception.key, "body.2")
        with self.assertRaises(TemplateError) as caught:
            template_object("ingresso", "pt_BR", spec, {"body.1": "M" * 1020, "body.2": "x", "button.0": "x"},
                            media={"id": "1"})
        self.assertEqual(caught.exception.key, "body")
        named = parse_template(NAMED_COMPONENTS, "NAMED")
        with self.assertRaises(TemplateError):
            template_object("lembrete", "pt_BR", named, {"header.data": "duas\nlinhas", "body.nome": "M",
                                                         "body.data_concerto": "x", "button.0": "P"})

    def test_rendering_keeps_what_is_not_filled_yet(self):
        spec = parse_template(POSITIONAL_COMPONENTS, "POSITIONAL")
        rendered = render(spec, {"body.1": "Maria"})
        self.assertEqual(rendered["body"], "Olá Maria! Seu ingresso para {{2}} está garantido.")
        self.assertEqual(rendered["buttons"][0]["url"], "https://ingressos.example/i/{{1}}")
        self.assertIsNone(rendered["header"])
        text = render_text(spec, {"body.1": "Maria", "body.2": "sábado", "button.0": "abc"})
        self.assertEqual(text, "Olá Maria! Seu ingresso para sábado está garantido.\n\nFilarmônica\n\n"
                               "[Ver ingresso] [Obrigado]")

    def test_whatsapp_formatting(self):
        self.assertEqual(str(whatsapp_html("*Olá* _Maria_ ~não~ ```x``` <b>\nfim")),
                         "<b>Olá</b> <i>Maria</i> <s>não</s> <code>x</code> &lt;b&gt;<br/>fim")
        self.assertEqual(str(whatsapp_html("link_de_privacidade 2*3*4")), "link_de_privacidade 2*3*4")

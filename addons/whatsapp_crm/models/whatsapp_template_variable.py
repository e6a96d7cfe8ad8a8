import re
import unicodedata

from odoo import api, fields, models

# Named parameters whose name says where their value comes from: words found in the name → source.
# Checked in order (the first match wins), on the name without accents, in lower case.
NAME_HINTS = (
    (("privacidade", "privacy", "lgpd", "politica", "policy"), "privacy_policy_url"),
    (("primeiro_nome", "first_name", "firstname"), "partner_first_name"),
    (("atendente", "attendant", "agent", "agente"), "attendant_name"),
    (("protocolo", "protocol", "ticket"), "protocol"),
    (("telefone", "phone", "celular", "whatsapp", "numero"), "partner_phone"),
    (("empresa", "company", "instituicao"), "company_name"),
    (("nome", "name", "cliente", "customer", "contato"), "partner_name"),
)
# "Olá {{1}}": a positional placeholder right after a greeting is the customer's first name.
GREETING_BEFORE = re.compile(r"(ol[aá]|oi|hello|hi|hey|prezad[oa]s?|car[oa]s?|dear|bom dia|boa tarde|boa noite)"
                             r"[\s,!]*$", re.IGNORECASE)


class WhatsAppTemplateVariable(models.Model):
    """One value a template send fills in, and where its default comes from.

    Rows are created by the template sync (one per ``{{placeholder}}``, media header, location
    field and dynamic button); managers choose the defaults the send dialog proposes.
    """

    _name = "whatsapp.template.variable"
    _description = "WhatsApp Template Variable"
    _order = "template_id, sequence, id"

    SOURCES = [
        ("none", "Typed by the attendant"),
        ("partner_name", "Customer's name"),
        ("partner_first_name", "Customer's first name"),
        ("partner_phone", "Customer's phone"),
        ("attendant_name", "Attendant's name"),
        ("company_name", "Company name"),
        ("protocol", "Conversation protocol"),
        ("privacy_policy_url", "Privacy policy URL"),
        ("fixed", "Fixed text"),
    ]

    template_id = fields.Many2one("whatsapp.template", required=True, index=True, ondelete="cascade")
    key = fields.Char(required=True, readonly=True)
    component = fields.Selection([("header", "Header"), ("body", "Body"), ("button", "Button")],
                                 required=True, readonly=True)
    name = fields.Char(required=True, readonly=True, help="The placeholder's name ({{1}}, {{nome}}).")
    example = fields.Char(readonly=True, help="The example given to Meta when the template was submitted.")
    sequence = fields.Integer(readonly=True)
    default_source = fields.Selection(SOURCES, "Default", required=True, default="none")
    default_value = fields.Char("Fixed Text")

    _key_unique = models.UniqueIndex("(template_id, key)")

    @api.depends("component", "name")
    def _compute_display_name(self):
        _ = self.env._
        for variable in self:
            if variable.component == "button":
                label = _("Button %(number)s", number=int(variable.name) + 1 if variable.name.isdigit() else "")
            elif variable.name == "media":
                label = _("Header file")
            elif variable.component == "header" and variable.name in ("latitude", "longitude", "name", "address"):
                label = {"latitude": _("Latitude"), "longitude": _("Longitude"), "name": _("Place name"),
                         "address": _("Address")}[variable.name]
            elif variable.component == "header":
                label = _("Header {{%(name)s}}", name=variable.name)
            else:
                label = f"{{{{{variable.name}}}}}"
            variable.display_name = label

    @api.model
    def _whatsapp_guess_source(self, variable, spec):
        """A sensible default for a new variable: by the name of a named parameter, or — positional —
        the customer's first name right after a greeting ("Olá {{1}}")."""
        if variable.component == "button" or variable.name == "media":
            return "none"
        name = unicodedata.normalize("NFKD", variable.name).encode("ascii", "ignore").decode().lower()
        if not name.isdigit():
            for words, source in NAME_HINTS:
                if any(word in name for word in words):
                    return source
            return "none"
        text = spec.header_text if variable.component == "header" else spec.body_text
        before = re.split(rf"\{{\{{\s*{re.escape(variable.name)}\s*\}}\}}", text or "", maxsplit=1)[0]
        return "partner_first_name" if GREETING_BEFORE.search(before) else "none"

    def _whatsapp_default(self, defaults):
        """The value the send dialog proposes, from the conversation's ``defaults`` (see
        ``discuss.channel._whatsapp_template_default_values``)."""
        self.ensure_one()
        if self.default_source == "fixed":
            return self.default_value or ""
        return defaults.get(self.default_source, "") or ""

from markupsafe import Markup

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

from ..tools.interactive_payload import InteractiveError, check_spec


class DiscussChannel(models.Model):
    """Questions with reply buttons (up to 3) or a list (up to 10 rows), sent from a small dialog of
    the composer; the customer's tap comes back as a reply to the question (Meta quotes its wamid)."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    def whatsapp_post_interactive(self, kind, body, options, button=None):
        """Post a question with answers to tap; it goes to the customer as an interactive message.

        :param str kind: ``"buttons"`` or ``"list"``
        :param list options: ``[{"title", "description"?}]`` in the order shown
        :param str button: the label of the list's button (lists only)
        :return: the id of the posted message
        """
        self.ensure_one()
        self._whatsapp_check_attendant()
        self.check_access("read")
        spec = {
            "kind": kind, "body": body, "button": button,
            "options": [dict(option or {}, id=f"option_{index}") for index, option in enumerate(options or [], 1)],
        }
        try:
            spec = check_spec(spec)
        except InteractiveError as error:
            raise UserError(self._whatsapp_interactive_error_text(error)) from None
        return self._whatsapp_post_interactive(spec, self.env.user.partner_id).id

    def _whatsapp_post_interactive(self, spec, author, automatic=False):
        """Post ``spec`` (see ``tools/interactive_payload.check_spec``) as ``author``: the thread shows
        the question and its answers; the send queue builds the interactive message from the spec."""
        self.ensure_one()
        items = Markup("").join(
            Markup("<li>%s</li>") % (f"{option['title']} - {option['description']}"
                                     if option.get("description") else option["title"])
            for option in spec["options"])
        body = plaintext2html(spec["body"]) + Markup("<ul>%s</ul>") % items
        # sudo: discuss.channel - posted on behalf of the attendant (rights checked by the caller)
        channel_sudo = self.sudo().with_context(whatsapp_interactive=spec, whatsapp_automatic=automatic)
        return channel_sudo.message_post(body=body, author_id=author.id, message_type="comment",
                                         subtype_xmlid="mail.mt_comment")

    def _whatsapp_interactive_error_text(self, error):
        _ = self.env._
        params = error.params
        return {
            "body_missing": _("Write the question."),
            "body_too_long": _("The question is too long (at most %(limit)s characters).", limit=params.get("limit")),
            "options_missing": _("Give at least one answer."),
            "too_many_options": _("At most %(limit)s answers.", limit=params.get("limit")),
            "option_missing": _("Every answer needs a title."),
            "title_too_long": _("\"%(title)s\" is too long: WhatsApp accepts %(limit)s characters.",
                                title=params.get("title"), limit=params.get("limit")),
            "description_too_long": _("The description of \"%(title)s\" is too long: WhatsApp accepts %(limit)s "
                                      "characters.", title=params.get("title"), limit=params.get("limit")),
            "duplicate_option": _("\"%(title)s\" appears twice.", title=params.get("title")),
            "list_button_missing": _("Write the label of the list's button."),
            "list_button_too_long": _("The list's button label is too long (at most %(limit)s characters).",
                                      limit=params.get("limit")),
        }.get(error.code, _("This message cannot be sent on WhatsApp."))

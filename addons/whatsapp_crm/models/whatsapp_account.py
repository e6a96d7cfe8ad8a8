import logging
import secrets

from odoo import api, fields, models, tools

from ..const import ADMIN_AND_PROCESSING, GRAPH_API_VERSION, GRAPH_BASE_URL, WEBHOOK_ROUTE
from ..tools.graph_api import GraphError, WhatsAppGraphClient

_logger = logging.getLogger(__name__)


class WhatsAppAccount(models.Model):
    """One Meta WhatsApp phone number, with the credentials to reach it.

    Secrets (token, app secret, verify token) are readable by administrators only; every other
    reader goes through the ``# sudo`` helpers below, which never return them to a client.
    """

    _name = "whatsapp.account"
    _description = "WhatsApp Account"
    _order = "sequence, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    phone_number_id = fields.Char(
        "Phone Number ID", required=True, copy=False,
        help="Meta's identifier of the phone number (WhatsApp Manager > API Setup).")
    waba_id = fields.Char(
        "WhatsApp Business Account ID", required=True,
        help="Meta's identifier of the WhatsApp Business Account that owns the number.")
    display_phone_number = fields.Char(help="The number customers write to, as Meta displays it.")
    access_token = fields.Char(
        groups="base.group_system", copy=False,
        help="A permanent system-user token with whatsapp_business_messaging permission.")
    app_secret = fields.Char(
        groups="base.group_system", copy=False,
        help="The Meta app's secret: every webhook is signed with it.")
    verify_token = fields.Char(
        groups="base.group_system", copy=False, default=lambda self: secrets.token_urlsafe(24),
        help="Paste this value in Meta's webhook configuration; Meta echoes it when it verifies the URL.")
    graph_base_url = fields.Char(
        "Graph API URL", required=True, default=GRAPH_BASE_URL,
        help="Meta's Graph API. Point it at the local Meta sandbox to try the helpdesk without Meta.")
    graph_api_version = fields.Char("Graph API Version", required=True, default=GRAPH_API_VERSION)
    webhook_url = fields.Char(compute="_compute_webhook_url", help="The callback URL to paste in Meta.")
    connection_state = fields.Selection(
        [("unknown", "Not tested"), ("ok", "Connected"), ("error", "Error")],
        default="unknown", readonly=True, copy=False)
    connection_message = fields.Char(readonly=True, copy=False, groups=ADMIN_AND_PROCESSING)

    _phone_number_id_unique = models.Constraint(
        "UNIQUE(phone_number_id)", "Another WhatsApp account already uses this phone number ID.")

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    def _compute_webhook_url(self):
        base_url = self.get_base_url() if self else ""
        for account in self:
            account.webhook_url = base_url + WEBHOOK_ROUTE

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        accounts = super().create(vals_list)
        self.env.registry.clear_cache()  # the webhook's secret cache
        return accounts

    def write(self, vals):
        res = super().write(vals)
        if {"active", "app_secret", "verify_token", "phone_number_id"} & set(vals):
            self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_test_connection(self):
        """Ask Meta for the phone number's details: proves the token, the IDs and the URL.

        The outcome is stored on the account (not raised) so that it survives the transaction.
        """
        self.ensure_one()
        try:
            info = self._graph_client().get_phone_number()
        except GraphError as error:
            self.write({"connection_state": "error", "connection_message": (error.message or "")[:250]})
            return self._notification("danger", self.env._("WhatsApp refused the connection"), self.env._(
                "Meta answered with error %(code)s: %(message)s",
                code=error.code or error.http_status or "-", message=error.message or error.category))
        self.write({
            "connection_state": "ok",
            "connection_message": info.get("verified_name") or "",
            "display_phone_number": info.get("display_phone_number") or self.display_phone_number,
        })
        return self._notification("success", self.env._("Connected to WhatsApp"), self.env._(
            "%(number)s (%(name)s) answers.",
            number=self.display_phone_number, name=info.get("verified_name") or self.name))

    def _notification(self, kind, title, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "title": title,
                "message": message,
                "sticky": kind == "danger",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _graph_client(self):
        """The one way to Meta's Graph API for this account."""
        self.ensure_one()
        # sudo: whatsapp.account - the token is admin-only but sending is everyone's business
        account_sudo = self.sudo()
        return WhatsAppGraphClient(
            base_url=account_sudo.graph_base_url,
            api_version=account_sudo.graph_api_version,
            phone_number_id=account_sudo.phone_number_id,
            waba_id=account_sudo.waba_id,
            access_token=account_sudo.access_token or "",
        )

    def _conversation_lang(self):
        """The language of the lines the system writes into this account's conversations
        (media labels, notices): shared by every attendant, so the company's, not a user's."""
        return self.company_id.partner_id.lang or self.env.lang or "en_US"

    @api.model
    def _webhook_app_secrets(self):
        """``(app_secret, ...)`` of the active accounts, cached so that a flood of badly signed
        POSTs costs no database work."""
        return tuple(self._webhook_secret_accounts())

    @api.model
    def _webhook_accounts_of_secret(self, app_secret):
        """The ids of the accounts configured with ``app_secret`` (several numbers may share
        one Meta app): a POST signed with it may only touch them."""
        return self._webhook_secret_accounts().get(app_secret, ())

    @api.model
    @tools.ormcache()
    def _webhook_secret_accounts(self):
        """``{app_secret: (account id, ...)}`` of the active accounts (cached)."""
        # sudo: whatsapp.account - the public webhook needs the secrets to check signatures
        accounts_sudo = self.sudo().search([("app_secret", "!=", False)], order="id")
        secrets_map = {}
        for account_sudo in accounts_sudo:
            secrets_map.setdefault(account_sudo.app_secret, []).append(account_sudo.id)
        return {secret: tuple(ids) for secret, ids in sorted(secrets_map.items())}

    @api.model
    @tools.ormcache()
    def _webhook_verify_tokens(self):
        # sudo: whatsapp.account - the public handshake compares Meta's token with ours
        accounts_sudo = self.sudo().search([("verify_token", "!=", False)])
        return tuple(sorted(set(accounts_sudo.mapped("verify_token"))))

    @api.model
    def _find_by_phone_number_id(self, phone_number_id):
        return self.search([("phone_number_id", "=", phone_number_id)], limit=1) if phone_number_id else self

    def _mark_auth_error(self, error):
        """Meta says the token is invalid or lacks permission: tell the admins on the account."""
        # sudo: whatsapp.account - whoever hit the error (often the processing user) flags the account
        self.sudo().write({"connection_state": "error", "connection_message": (error.message or "")[:250]})

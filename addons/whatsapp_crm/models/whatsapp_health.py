from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import plaintext2html

from ..const import FAILURE_EXPLANATIONS
from ..tools.graph_api import GraphError
from ..tools.meta_errors import CATEGORY_AUTH

# Meta retries an undelivered webhook for 7 days, then drops it.
META_RETRY_DAYS = 7
# Levels, in the order they get worse.
OK, WARNING, CRITICAL = 0, 1, 2
# (warning, critical) thresholds.
BACKLOG_AGE_MINUTES = (5, 30)      # the oldest event we received and have not processed yet
LAG_P95_SECONDS = (60, 600)        # Meta's timestamp -> our receipt, last hour
FAILED_EVENTS = (1, 20)            # events given up on or set aside, waiting for an administrator
FAILED_OUTBOUND_24H = (5, 50)      # messages the team sent that WhatsApp refused, last 24 h
FAILED_MEDIA_24H = (3, 30)         # customers' files we could not download, last 24 h
SILENCE_PARAM = "whatsapp_crm.health_silence_hours"
DEFAULT_SILENCE_HOURS = 4
QUALITY_LEVELS = {"GREEN": OK, "YELLOW": WARNING, "RED": CRITICAL}


def _level(value, thresholds):
    warning, critical = thresholds
    return CRITICAL if value >= critical else WARNING if value >= warning else OK


class WhatsAppHealth(models.Model):
    """How each WhatsApp number is doing, for administrators, with a warning before a message is
    lost: the token, the delay of Meta's webhooks, events waiting or failed, files and messages
    failing, the number's quality and limit at Meta, and silence (no customer wrote for hours,
    often a webhook Meta can no longer deliver: it retries for 7 days, then drops the messages).

    One row per number, measured every few minutes (and on demand). When it gets worse the
    administrators get a message and an activity, once per level.
    """

    _name = "whatsapp.health"
    _description = "WhatsApp Number Health"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "level desc, id"
    _rec_name = "account_id"

    LEVELS = [("0", "Working"), ("1", "Needs attention"), ("2", "Action needed")]

    account_id = fields.Many2one("whatsapp.account", "WhatsApp Number", required=True, readonly=True,
                                 ondelete="cascade")
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    level = fields.Selection(LEVELS, "Status", readonly=True, default="0")
    alerted_level = fields.Integer(readonly=True, help="The level the administrators were last told about.")
    checked_at = fields.Datetime("Checked", readonly=True)
    problems = fields.Text("What Needs Attention", readonly=True)
    # Token
    token_state = fields.Selection(related="account_id.connection_state", string="Connection")
    token_error = fields.Char("Last Connection Error", readonly=True)
    token_error_at = fields.Datetime("Refused At", readonly=True,
                                     help="The last time WhatsApp refused our access key.")
    # Webhooks
    lag_p50_seconds = fields.Float("Delay of Meta's Notifications (s, median)", readonly=True)
    lag_p95_seconds = fields.Float("Delay of Meta's Notifications (s, 95%)", readonly=True)
    backlog_count = fields.Integer("Events Waiting", readonly=True)
    backlog_age_minutes = fields.Float("Oldest Waiting Event (min)", readonly=True)
    failed_event_count = fields.Integer("Events Failed or Set Aside", readonly=True)
    last_received_at = fields.Datetime("Last Customer Message", readonly=True)
    silence_hours = fields.Float("Hours Without Customer Messages", readonly=True)
    loss_at = fields.Datetime(
        "Messages Lost From", readonly=True,
        help="If Meta could not reach us since the last message, it stops retrying at this moment.")
    # Sending and files
    failed_outbound_count = fields.Integer("Messages Not Delivered (24 h)", readonly=True)
    failed_outbound_reasons = fields.Text("Why (24 h)", readonly=True)
    failed_media_count = fields.Integer("Files Not Downloaded (24 h)", readonly=True)
    # At Meta
    quality_rating = fields.Char("Quality at WhatsApp", readonly=True, help="GREEN, YELLOW or RED, as Meta rates it.")
    messaging_limit_tier = fields.Char("Daily Limit at WhatsApp", readonly=True,
                                       help="How many customers the number may start conversations with per day.")

    _account_unique = models.UniqueIndex("(account_id)")

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    @api.model
    def action_open_health(self):
        """The Health menu: every number has its row, measured now if it never was."""
        healths = self._for_accounts(self.env["whatsapp.account"].search([]))
        healths.filtered(lambda health: not health.checked_at)._measure()
        return self.env["ir.actions.act_window"]._for_xml_id("whatsapp_crm.whatsapp_health_action")

    def action_refresh(self):
        """Ask Meta for the number's quality and limit, then measure everything again."""
        for health in self:
            health._fetch_phone_number()
        self._measure()
        return True

    def action_reprocess_failed(self):
        """One click: process again the failed and set-aside events of these numbers."""
        events = self.env["whatsapp.inbox.event"].search(
            [("account_id", "in", self.account_id.ids), ("state", "in", ("failed", "quarantined"))])
        events.action_reprocess()
        self._measure()
        return True

    def action_open_failed_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("whatsapp_crm.whatsapp_inbox_event_action")
        action["domain"] = [("account_id", "=", self.account_id.id), ("state", "in", ("failed", "quarantined"))]
        return action

    # ------------------------------------------------------------
    # MEASURE
    # ------------------------------------------------------------

    @api.model
    def _cron_measure(self):
        self._for_accounts(self.env["whatsapp.account"].search([]))._measure()

    @api.model
    def _for_accounts(self, accounts):
        existing = self.search([("account_id", "in", accounts.ids)])
        missing = accounts - existing.account_id
        # sudo: whatsapp.health - one row per number is the product's to create, never a user's
        created = self.sudo().create([{"account_id": account.id} for account in missing]).sudo(False)
        return existing | created

    def _fetch_phone_number(self):
        try:
            info = self.account_id._graph_client().get_phone_number()
        except GraphError as error:
            self.write({"token_error": (error.message or error.category or "")[:250],
                        "token_error_at": fields.Datetime.now()})
            if error.category == CATEGORY_AUTH:
                self.account_id._mark_auth_error(error)
            return
        self.write({"quality_rating": info.get("quality_rating") or False,
                    "messaging_limit_tier": info.get("messaging_limit_tier") or False})

    def _measure(self):
        now = fields.Datetime.now()
        self.env.flush_all()
        for health in self:
            figures = health._figures(now)
            health.write(figures)
            health._evaluate(now)

    def _figures(self, now):
        """The measurements of one number, from the database."""
        account = self.account_id
        cr = self.env.cr
        cr.execute("""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag), percentile_cont(0.95) WITHIN GROUP (ORDER BY lag)
              FROM (SELECT GREATEST(EXTRACT(EPOCH FROM inbox.received_at - message.meta_timestamp), 0) AS lag
                      FROM whatsapp_inbox_event event
                      JOIN whatsapp_inbox inbox ON inbox.id = event.inbox_id
                      JOIN whatsapp_message message ON message.account_id = event.account_id
                                                   AND message.wamid = event.reference AND message.direction = 'in'
                     WHERE event.account_id = %(account)s AND event.kind = 'message'
                       AND inbox.received_at >= %(hour_ago)s AND message.meta_timestamp IS NOT NULL) lags
        """, {"account": account.id, "hour_ago": now - timedelta(hours=1)})
        lag_p50, lag_p95 = cr.fetchone()
        cr.execute("""
            SELECT count(*), min(received_at) FROM (
                SELECT inbox.received_at FROM whatsapp_inbox inbox
                  JOIN whatsapp_inbox_account_rel rel ON rel.inbox_id = inbox.id AND rel.account_id = %(account)s
                 WHERE inbox.state = 'received'
                UNION ALL
                SELECT inbox.received_at FROM whatsapp_inbox_event event
                  JOIN whatsapp_inbox inbox ON inbox.id = event.inbox_id
                 WHERE event.account_id = %(account)s AND event.state IN ('pending', 'retry')
            ) waiting
        """, {"account": account.id})
        backlog_count, oldest = cr.fetchone()
        cr.execute("""
            SELECT count(*) FROM whatsapp_inbox_event
             WHERE account_id = %s AND state IN ('failed', 'quarantined')
        """, [account.id])
        failed_events = cr.fetchone()[0]
        day_ago = now - timedelta(days=1)
        cr.execute("""
            SELECT COALESCE(error_category, 'unknown'), count(*) FROM whatsapp_message
             WHERE account_id = %s AND direction = 'out' AND state = 'failed' AND failed_at >= %s
             GROUP BY 1 ORDER BY 2 DESC, 1
        """, [account.id, day_ago])
        failures = cr.fetchall()
        cr.execute("""
            SELECT count(*) FROM whatsapp_media media JOIN whatsapp_message message ON message.id = media.message_id
             WHERE message.account_id = %s AND media.state = 'failed' AND media.write_date >= %s
        """, [account.id, day_ago])
        failed_media = cr.fetchone()[0]
        cr.execute("""
            SELECT max(inbox.received_at) FROM whatsapp_inbox inbox
              JOIN whatsapp_inbox_account_rel rel ON rel.inbox_id = inbox.id AND rel.account_id = %s
        """, [account.id])
        last_received = cr.fetchone()[0]
        cr.execute("""
            SELECT max(failed_at) FROM whatsapp_message
             WHERE account_id = %s AND error_category = 'auth'
        """, [account.id])
        auth_failed_at = cr.fetchone()[0]
        values = {
            "checked_at": now,
            "lag_p50_seconds": lag_p50 or 0.0,
            "lag_p95_seconds": lag_p95 or 0.0,
            "backlog_count": backlog_count,
            "backlog_age_minutes": (now - oldest).total_seconds() / 60 if oldest else 0.0,
            "failed_event_count": failed_events,
            "failed_outbound_count": sum(count for _category, count in failures),
            "failed_outbound_reasons": "\n".join(
                f"{FAILURE_EXPLANATIONS.get(category, FAILURE_EXPLANATIONS['unknown'])} ({count})"
                for category, count in failures) or False,
            "failed_media_count": failed_media,
            "last_received_at": last_received,
            "silence_hours": (now - last_received).total_seconds() / 3600 if last_received else 0.0,
            "loss_at": last_received + timedelta(days=META_RETRY_DAYS) if last_received else False,
        }
        if auth_failed_at and (not self.token_error_at or auth_failed_at > self.token_error_at):
            values["token_error_at"] = auth_failed_at
        return values

    # ------------------------------------------------------------
    # ALERTS
    # ------------------------------------------------------------

    def _checks(self):
        """``[(level, explanation)]`` of every measurement past a threshold, in plain words."""
        self.ensure_one()
        checks = []
        # sudo: whatsapp.account - the connection message is admin-only; health is for admins
        if self.account_id.sudo().connection_state == "error":
            checks.append((CRITICAL, self.env._(
                "WhatsApp refuses our access key: no message can be sent or downloaded until an "
                "administrator updates it (Configuration > Accounts).")))
        if level := _level(self.backlog_age_minutes, BACKLOG_AGE_MINUTES):
            checks.append((level, self.env._(
                "%(count)s received events wait to be processed; the oldest for %(minutes)s minutes.",
                count=self.backlog_count, minutes=round(self.backlog_age_minutes))))
        if level := _level(self.lag_p95_seconds, LAG_P95_SECONDS):
            checks.append((level, self.env._(
                "WhatsApp delivers the customers' messages late: %(seconds)s seconds for the slowest in the last hour.",
                seconds=round(self.lag_p95_seconds))))
        if level := _level(self.failed_event_count, FAILED_EVENTS):
            checks.append((level, self.env._(
                "%(count)s events could not be processed; reprocess them once the cause is fixed.",
                count=self.failed_event_count)))
        if level := _level(self.failed_outbound_count, FAILED_OUTBOUND_24H):
            checks.append((level, self.env._(
                "%(count)s messages of the team did not reach the customers in the last 24 hours.",
                count=self.failed_outbound_count)))
        if level := _level(self.failed_media_count, FAILED_MEDIA_24H):
            checks.append((level, self.env._(
                "%(count)s files sent by customers could not be downloaded in the last 24 hours.",
                count=self.failed_media_count)))
        if level := QUALITY_LEVELS.get(self.quality_rating or "", OK):
            checks.append((level, self.env._(
                "WhatsApp rates the quality of this number %(rating)s: too many customers block or report it.",
                rating=self.quality_rating)))
        silence = self._silence_hours_limit()
        if self.last_received_at and self.silence_hours >= silence:
            level = CRITICAL if self.silence_hours >= 24 else WARNING
            checks.append((level, self.env._(
                "No customer message for %(hours)s hours. If WhatsApp cannot reach us, it keeps "
                "trying until %(deadline)s, then these messages are lost.",
                hours=round(self.silence_hours), deadline=fields.Datetime.to_string(self.loss_at))))
        return checks

    def _silence_hours_limit(self):
        # sudo: ir.config_parameter - a setting the health check reads
        param = self.env["ir.config_parameter"].sudo().get_param(SILENCE_PARAM)
        try:
            return max(float(param), 0.5) if param else DEFAULT_SILENCE_HOURS
        except ValueError:
            return DEFAULT_SILENCE_HOURS

    def _evaluate(self, now):
        """Set the level; tell the administrators when it got worse than what they were last told."""
        checks = self._checks()
        level = max((check_level for check_level, _text in checks), default=OK)
        problems = "\n".join(text for _level_, text in sorted(checks, key=lambda check: -check[0]))
        values = {"level": str(level), "problems": problems or False}
        if level > self.alerted_level:
            self._alert(level, problems)
        values["alerted_level"] = level
        self.write(values)

    def _alert(self, level, problems):
        admins = self._admins()
        levels = dict(self._fields["level"]._description_selection(self.env))
        summary = self.env._("WhatsApp number %(number)s: %(status)s",
                             number=self.account_id.display_name, status=levels[str(level)])
        self.message_post(body=plaintext2html(f"{summary}\n{problems}"), partner_ids=admins.partner_id.ids,
                          message_type="comment", subtype_xmlid="mail.mt_note")
        for admin in admins:
            self.activity_schedule("mail.mail_activity_data_todo", summary=summary[:250], note=problems,
                                   user_id=admin.id)

    def _admins(self):
        system = self.env.ref("base.group_system")
        excluded = self.env.ref("base.user_root") | self.env.ref("whatsapp_crm.user_whatsapp_processing")
        return (system.all_user_ids - excluded).filtered(
            lambda user: user.active and self.company_id in user.company_ids)

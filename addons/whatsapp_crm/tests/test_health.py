from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import WhatsAppCase

T0 = datetime(2026, 12, 1, 13, 0)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestHealth(WhatsAppCase):
    """Each threshold with frozen time; administrators told once per level, again only if worse."""

    def setUp(self):
        super().setUp()
        self.health = self.env["whatsapp.health"]._for_accounts(self.account)
        self.admins = self.health._admins()
        self.assertIn(self.env.ref("base.user_admin"), self.admins)
        self.assertNotIn(self.processing_user, self.admins)

    def received(self, at, send):
        """``send()`` POSTs a webhook, stored by the server at ``at`` (the webhook stamps rows with
        the database's clock, which freezegun does not move)."""
        with freeze_time(at):
            result = send()
        inbox = self.env["whatsapp.inbox"].sudo().search([], order="id desc", limit=1)
        inbox.received_at = at
        return result

    def measure(self, at):
        with freeze_time(at):
            self.health._measure()
        return self.health

    def alerts(self):
        messages = self.health.message_ids.filtered(lambda message: message.message_type == "comment")
        return len(messages), len(self.health.activity_ids)

    def test_backlog_warns_then_gets_worse_once_each(self):
        self.received(T0, lambda: self.customer().text("Olá"))  # stored, not processed yet
        health = self.measure(T0 + timedelta(minutes=3))
        self.assertEqual((health.backlog_count, health.backlog_age_minutes, health.level), (1, 3.0, "0"))
        self.assertEqual(self.alerts(), (0, 0))
        health = self.measure(T0 + timedelta(minutes=10))
        self.assertEqual((health.backlog_age_minutes, health.level), (10.0, "1"))
        self.assertIn("1 received events wait to be processed; the oldest for 10 minutes.", health.problems)
        self.assertEqual(self.alerts(), (1, len(self.admins)), "one message, an activity per administrator")
        self.measure(T0 + timedelta(minutes=20))
        self.assertEqual(self.alerts(), (1, len(self.admins)), "same level: nobody is told again")
        health = self.measure(T0 + timedelta(minutes=31))
        self.assertEqual(health.level, "2")
        self.assertEqual(self.alerts(), (2, 2 * len(self.admins)), "worse: told again")
        with freeze_time(T0 + timedelta(minutes=32)):
            self.process_inbox()
        health = self.measure(T0 + timedelta(minutes=33))
        self.assertEqual((health.backlog_count, health.backlog_age_minutes, health.level, health.alerted_level),
                         (0, 0.0, "0", 0))
        self.assertFalse(health.problems)
        self.assertEqual(self.alerts(), (2, 2 * len(self.admins)), "better: no alert")

    def test_webhook_lag_median_and_95th_percentile_over_the_last_hour(self):
        customer = self.customer()
        deliveries = []
        with freeze_time(T0):
            deliveries = [customer.text(f"Mensagem {index}", send=False) for index in range(3)]
        for delay, delivery in zip((30, 90, 300), deliveries, strict=True):
            self.received(T0 + timedelta(seconds=delay),
                          lambda d=delivery: self.sandbox.post(self.sandbox.sender.body_of(d.payload)))
        with freeze_time(T0 + timedelta(minutes=6)):
            self.process_inbox()
        health = self.measure(T0 + timedelta(minutes=6))
        self.assertAlmostEqual(health.lag_p50_seconds, 90.0)
        self.assertAlmostEqual(health.lag_p95_seconds, 90 + 0.9 * (300 - 90))
        self.assertEqual(health.level, "1", "the slowest took more than a minute")
        health = self.measure(T0 + timedelta(hours=2))
        self.assertEqual((health.lag_p50_seconds, health.lag_p95_seconds), (0.0, 0.0), "only the last hour counts")

    def test_silence_says_when_messages_would_be_lost(self):
        self.received(T0, lambda: self.customer().text("Olá"))
        self.process_inbox()
        health = self.measure(T0 + timedelta(hours=3))
        self.assertEqual((health.silence_hours, health.level), (3.0, "0"))
        health = self.measure(T0 + timedelta(hours=5))
        self.assertEqual((health.silence_hours, health.level, health.last_received_at), (5.0, "1", T0))
        self.assertEqual(health.loss_at, T0 + timedelta(days=7))
        self.assertIn("No customer message for 5 hours", health.problems)
        self.assertIn("2026-12-08 13:00:00", health.problems)
        self.env["ir.config_parameter"].set_param("whatsapp_crm.health_silence_hours", "6")
        self.assertEqual(self.measure(T0 + timedelta(hours=5)).level, "0", "the threshold is a setting")
        self.assertEqual(self.measure(T0 + timedelta(hours=25)).level, "2")

    def test_token_refused_and_quality_from_meta(self):
        self.health.action_refresh()
        self.assertEqual((self.health.quality_rating, self.health.messaging_limit_tier), ("GREEN", "TIER_1K"))
        self.assertEqual(self.health.level, "0")
        self.account.access_token = "revoked-token"
        with freeze_time(T0):
            self.health.action_refresh()
        self.assertEqual(self.account.connection_state, "error")
        self.assertEqual((self.health.level, self.health.token_error_at), ("2", T0))
        self.assertTrue(self.health.token_error)
        self.assertIn("WhatsApp refuses our access key", self.health.problems)

    def test_failed_events_are_reprocessed_in_one_click(self):
        self.customer().text("Olá")
        item = self.process_inbox()
        item.sudo().write({"state": "failed", "error": "boom"})
        self.health._measure()
        self.assertEqual((self.health.failed_event_count, self.health.level), (1, "1"))
        self.assertEqual(self.health.action_open_failed_events()["domain"],
                         [("account_id", "=", self.account.id), ("state", "in", ("failed", "quarantined"))])
        self.health.action_reprocess_failed()
        self.assertEqual(item.state, "pending")
        self.assertEqual((self.health.failed_event_count, self.health.backlog_count), (0, 1))

    def test_cron_measures_every_account(self):
        self.env["whatsapp.health"].search([]).unlink()
        self.env["whatsapp.health"]._cron_measure()
        health = self.env["whatsapp.health"].search([("account_id", "=", self.account.id)])
        self.assertEqual(len(health), 1)
        self.assertTrue(health.checked_at)

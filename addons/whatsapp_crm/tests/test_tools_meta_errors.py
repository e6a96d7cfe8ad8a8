# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools import meta_errors
from odoo.addons.whatsapp_crm.tools.meta_errors import (
    RETRY_BACKOFF_SECONDS,
    MetaError,
    classify,
    is_retryable,
    next_retry_delay,
)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestMetaErrors(BaseCase):

    def test_classification_follows_the_behaviour_table(self):
        expected = {
            "auth": (0, 190, 10, 200, 230, 299),
            "rate_limit": (4, 80007, 130429, 131056),
            "window_closed": (131047,),
            "undeliverable": (131026,),
            "marketing_opt_out": (131049, 131050),
            "unsupported": (131051,),
            "media": (131052, 131053),
            "parameter": (131008, 131009, 100),
            "transient": (131000, 131016, 135000, 1, 2),
            "template": (132000, 132001, 132005, 132012, 132015, 132016),
            "policy": (368, 131031, 130497),
            "unknown": (199, 300, 131042, 999999, None, "", "abc", True, 1.5, "²"),
        }
        for category, codes in expected.items():
            self.assertIn(category, meta_errors.CATEGORIES)
            for code in codes:
                with self.subTest(code=code):
                    self.assertEqual(classify(code), category)

    def test_string_codes_from_relays(self):
        self.assertEqual(classify("131047"), "window_closed")
        self.assertEqual(classify(" 130429 "), "rate_limit")

    def test_only_rate_limits_and_transient_errors_retry(self):
        for code in (4, 80007, 130429, 131056, 131000, 131016, 135000, 1, 2):
            self.assertTrue(is_retryable(code), code)
        # 131047 is offered as a manual resend, never retried automatically.
        for code in (131047, 190, 131026, 131049, 132001, 368, 131051, 100, None):
            self.assertFalse(is_retryable(code), code)

    def test_backoff_grows_with_bounded_deterministic_jitter(self):
        for attempt, base in enumerate(RETRY_BACKOFF_SECONDS, start=1):
            delay = next_retry_delay(attempt, seed=42)
            self.assertEqual(delay, next_retry_delay(attempt, seed=42), "same seed, same delay")
            self.assertGreaterEqual(delay, base)
            self.assertLessEqual(delay, base * (1 + meta_errors.RETRY_JITTER_RATIO))
            if attempt > 1:
                self.assertGreater(delay, next_retry_delay(attempt - 1, seed=42))
        # Out-of-range attempts are clamped to the schedule.
        self.assertEqual(next_retry_delay(0, seed="m1"), next_retry_delay(1, seed="m1"))
        self.assertEqual(next_retry_delay(99, seed="m1"), next_retry_delay(len(RETRY_BACKOFF_SECONDS), seed="m1"))
        # Messages failing together get spread out (jitter actually depends on the seed).
        self.assertGreater(len({next_retry_delay(5, seed=message_id) for message_id in range(50)}), 10)

    def test_meta_error_from_webhook_item(self):
        error = MetaError.from_dict({
            "code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
            "error_data": {"details": "Message failed to send because more than 24 hours have passed"},
        })
        self.assertEqual(error, MetaError(131047, "Re-engagement message", "Re-engagement message",
                                          "Message failed to send because more than 24 hours have passed"))
        self.assertEqual((error.category, error.retryable), ("window_closed", False))
        bare = MetaError.from_dict({"error_data": "not an object"})
        self.assertEqual(bare, MetaError(None, "", "", ""))
        self.assertEqual(bare.category, "unknown")

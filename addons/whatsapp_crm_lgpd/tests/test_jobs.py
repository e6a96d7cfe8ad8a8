"""The LGPD jobs on whatsapp_crm's job engine (OCA queue_job): one job per request, run as the WhatsApp
processing user, enqueued once while it waits, retried with backoff, stopped as a dead letter after
MAX_JOB_ATTEMPTS failures in a row (the DPO resumes the request), and handing over to a new job when
it has worked for its time budget."""
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from ..const import JOB_CHANNEL_LGPD, MAX_JOB_ATTEMPTS
from ..models import whatsapp_lgpd_request
from .common import CUSTOMER_NAME, CUSTOMER_WA_ID, TEXTS, LgpdCase

RUN_EXPORT = "odoo.addons.whatsapp_crm_lgpd.models.whatsapp_lgpd_request.WhatsAppLgpdRequest._lgpd_run_export"


@tagged("post_install", "-at_install", "whatsapp_crm_lgpd")
class TestLgpdJobs(LgpdCase):

    def setUp(self):
        super().setUp()
        first = self.customer(CUSTOMER_WA_ID, CUSTOMER_NAME).text(TEXTS[0])
        self.process_inbox()
        self.partner = self.whatsapp_message(first.wamid).partner_id

    def run_job(self, request):
        """The request's job as the runner runs it: what it committed stays when it raises (Odoo's
        ``assertRaises`` would roll it back)."""
        try:
            return request.with_user(self.processing_user)._job_lgpd_run()
        except (RetryableJobError, FailedJobError) as error:
            return error

    def perform(self, trap):
        """The trapped jobs, run once the enqueuing transaction is "committed" (flushed: they run in
        an environment of their own)."""
        self.env.flush_all()
        trap.perform_enqueued_jobs()
        self.env.invalidate_all()

    def audit_of(self, request):
        return self.env["whatsapp.lgpd.audit"].search([("request_id", "=", request.id)], order="id")

    def test_export_is_one_job_run_as_the_processing_user(self):
        with trap_jobs() as trap:
            action = self.partner.with_user(self.dpo).action_whatsapp_lgpd_export()
            request = self.env["whatsapp.lgpd.request"].browse(action["res_id"])
            # Asking again while the job waits is that job (identity key).
            request.with_user(self.dpo).action_start()
            trap.assert_jobs_count(1, only=request._job_lgpd_run)
            job = trap.enqueued_jobs[0]
            self.assertEqual((job.channel, job.identity_key, job.max_retries),
                             (JOB_CHANNEL_LGPD, f"whatsapp_crm_lgpd.request:{request.id}", 0))
            self.assertEqual(job.user_id, self.processing_user.id, "not the DPO's rights: the processing user's")
            self.assertEqual((request.job_state, request.state), ("queued", "in_progress"))
            self.perform(trap)
        self.assertEqual((request.job_state, request.job_progress), ("done", 100))
        self.assertTrue(request.sudo().export_attachment_id)
        built = self.audit_of(request).filtered(lambda entry: entry.action == "export_built")
        self.assertEqual(built.operator_id, self.dpo, "the job logs the DPO who ordered it, not the job's user")

    def test_failures_are_retried_then_stop_as_a_dead_letter_and_the_dpo_resumes(self):
        with trap_jobs():
            action = self.partner.with_user(self.dpo).action_whatsapp_lgpd_export()
        request = self.env["whatsapp.lgpd.request"].browse(action["res_id"])
        with patch(RUN_EXPORT, side_effect=UserError("storage down")):
            retry = self.run_job(request)
            self.assertIsInstance(retry, RetryableJobError)
            self.assertEqual(retry.seconds, 60, "backoff: 1 minute after the first failure")
            self.assertEqual((request.job_state, request.job_attempts, request.job_error), ("queued", 1, "storage down"))
            self.assertGreater(request.job_next_attempt_at, fields.Datetime.now())
            request.sudo().write({"job_attempts": MAX_JOB_ATTEMPTS - 1, "job_next_attempt_at": fields.Datetime.now()})
            self.assertIsInstance(self.run_job(request), FailedJobError)
        self.assertEqual((request.job_state, request.state), ("failed", "in_progress"), "stopped, still open")
        self.assertEqual(self.run_job(request), "nothing to do: the job is failed")
        with trap_jobs() as trap:
            request.with_user(self.dpo).action_retry()
            trap.assert_jobs_count(1, only=request._job_lgpd_run)
            self.perform(trap)
        self.assertEqual((request.job_state, request.job_attempts), ("done", 0))
        self.assertEqual(self.audit_of(request).mapped("details").count("resumed"), 1)

    def test_erasure_hands_over_to_new_jobs_when_its_time_is_up(self):
        with trap_jobs() as trap:
            request = self.anonymize_as_dpo(self.partner, run=False)
            trap.assert_jobs_count(1, only=request._job_lgpd_run)
            runs = 0
            with patch.object(whatsapp_lgpd_request, "JOB_TIME_BUDGET_SECONDS", -1):
                while trap.enqueued_jobs and runs < 100:
                    self.perform(trap)
                    runs += 1
        steps = 2 * len(self.env["whatsapp.lgpd.concern"]._lgpd_concerns())
        self.assertEqual(runs, steps, "one unit per job, each job enqueuing the next")
        self.assertEqual((request.job_state, request.state), ("done", "done"))
        self.assertTrue(self.partner.whatsapp_lgpd_anonymized)
        done = self.audit_of(request).filtered(lambda entry: entry.action == "erasure_done")
        self.assertEqual(done.operator_id, self.dpo)

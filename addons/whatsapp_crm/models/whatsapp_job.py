"""The one background-work mechanism of the addon: OCA queue_job jobs (README.md, "Background jobs").

Every queue — webhook items, sends, media downloads, and whatever comes next (push, template sync,
LGPD exports) — is a job method ``_job_<verb>`` on the model it works for, declared once in
``data/queue_job_data.xml`` (its channel, retry pattern, whether it may commit), and enqueued
through :func:`delay`. queue_job provides the rest, once for all of them: the runner that wakes a
worker as soon as the job is committed (PostgreSQL NOTIFY), channel capacities instead of a fixed
number of workers, retries with backoff (raise ``RetryableJobError``), failed jobs as dead letters
with their traceback, the admins' views (Settings > Technical > Queue > Jobs: requeue, cancel),
jobs requeued when the Odoo instance running them dies, and test helpers (``trap_jobs``).
"""

import functools
import logging

from odoo.modules import module as odoo_module

_logger = logging.getLogger(__name__)

PROCESSING_USER = "whatsapp_crm.user_whatsapp_processing"


def delay(records, *, channel, description, **options):
    """``records.with_delay(...)`` as the WhatsApp processing user: a job runs as the user who
    enqueued it, and an attendant's click or the public webhook must not lend it their rights.

    ``options``: queue_job's ``eta`` (seconds or datetime), ``identity_key`` (skip when a job with
    the same key waits), ``max_retries`` (0: unlimited, the job decides when to stop), ``priority``.
    Returns what ``with_delay`` returns (the Job, or the waiting job's record).
    """
    processing_user = records.env.ref(PROCESSING_USER)
    # A clean context: the enqueuer's context (lang, active_test, …) is stored with the job.
    return records.with_user(processing_user).with_context({}).with_delay(
        channel=channel, description=description, **options)


def commit_step(env):
    """Commit what a long job did so far (its job function has ``allow_commit``), so that it
    becomes visible and survives whatever happens next. Inside a test the transaction is the
    test's: only flushed."""
    if odoo_module.current_test:
        env.flush_all()
        return
    env.cr.commit()


def job_waiting(env, identity_key):
    """Whether a job with this identity key waits to run (not started yet).

    Checked *after* committing the work it should pick up, this is what makes skipping a new job
    safe: a waiting job begins after this check, so it sees that work; a started one may not, so
    the caller makes another. One indexed SELECT, instead of a job row per wake-up.
    """
    env.cr.execute("""
        SELECT 1 FROM queue_job
         WHERE identity_key = %s AND state IN ('pending', 'enqueued', 'wait_dependencies') LIMIT 1
    """, [identity_key])
    return bool(env.cr.fetchone())


def after_commit(records, key, ids, method_name):
    """Once this transaction commits, call ``records.<method_name>(ids)`` in a new transaction, with
    every id gathered under ``key`` by the whole transaction (a processing batch asks once).

    After the commit, because what it starts (a job) must not exist without the work it is for, and
    must read after that work is visible; in a new transaction, because this one is over. It never
    fails the work that committed: a failure is logged (the next batch, or a safety net, asks again).
    The ids wait in ``cr.postcommit.data[key]`` (a set) until then.
    """
    postcommit = records.env.cr.postcommit
    if key not in postcommit.data:
        postcommit.data[key] = set()
        postcommit.add(functools.partial(_run_after_commit, records, key, method_name))
    postcommit.data[key].update(ids)


def _run_after_commit(records, key, method_name):
    ids = sorted(records.env.cr.postcommit.data.pop(key, ()))
    if not ids:
        return
    try:
        with records.env.registry.cursor() as cr:
            getattr(records.with_env(records.env(cr=cr)), method_name)(ids)
    except Exception:
        _logger.exception("WhatsApp: %s of %s, asked for after a commit, failed", method_name, ids)

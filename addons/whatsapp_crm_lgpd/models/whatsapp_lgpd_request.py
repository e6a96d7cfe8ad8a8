import base64
import logging
import secrets
import tempfile
import time
from datetime import timedelta
from functools import partial
from urllib.parse import urlparse

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import file_open, format_datetime
from odoo.tools.misc import limited_field_access_token, verify_limited_field_access_token

from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.whatsapp_crm.models.whatsapp_job import commit_step, delay
from odoo.addons.whatsapp_crm.tools.media_storage import StorageError

from ..const import (
    ANSWER_DAYS,
    DEFAULT_EXPORT_LINK_HOURS,
    ERASE_BATCH,
    ERASURE_TYPES,
    EXPORT_LINK_HOURS_PARAM,
    EXPORT_ROUTE,
    EXPORT_TOKEN_SCOPE,
    JOB_CHANNEL_LGPD,
    JOB_TIME_BUDGET_SECONDS,
    MAX_JOB_ATTEMPTS,
    REQUEST_TYPES,
)
from ..tools.export_archive import README_FILE, ExportArchive
from .lgpd_subject import LgpdSubject

_logger = logging.getLogger(__name__)

DPO_GROUP = "whatsapp_crm_lgpd.group_whatsapp_dpo"
README_TEMPLATE = "whatsapp_crm_lgpd/data/export_readme.pt_BR.txt"
# What the DPO edits on a request; state, jobs and exports move through the actions only.
EDITABLE_FIELDS = frozenset({"requester", "channel", "received_on", "operator_id", "note", "refusal_reason"})
OPEN_STATES = ("new", "in_progress")


class WhatsAppLgpdRequest(models.Model):
    """"Solicitação do titular": a person exercising a right of LGPD Art. 18 about a WhatsApp contact.

    The answer is due within 15 days (Art. 19); the DPO's list shows what is late. Access and
    portability requests build an export (a ZIP behind an expiring signed link), anonymisation and
    deletion requests run the irreversible erasure. Both run as one queue_job job per request
    (``_job_lgpd_run``, whatsapp_crm's job engine) made of small units, each one method
    (``_lgpd_run_export``, ``_lgpd_erase_step``), committed one by one, retried with backoff, so that
    an interruption (crash, storage outage) resumes where it stopped.
    """

    _name = "whatsapp.lgpd.request"
    _inherit = ["whatsapp.lgpd.concern"]
    _description = "Data Subject Request"
    _order = "id desc"
    _lgpd_sequence = 90

    name = fields.Char("Reference", required=True, readonly=True, copy=False, default="/")
    partner_id = fields.Many2one("res.partner", "Contact", required=True, index=True, ondelete="restrict")
    request_type = fields.Selection(REQUEST_TYPES, "Type", required=True)
    requester = fields.Char(help="Who asked: the person or their representative.")
    channel = fields.Selection([
        ("whatsapp", "WhatsApp"),
        ("email", "E-mail"),
        ("phone", "Phone"),
        ("in_person", "In person"),
        ("letter", "Letter"),
        ("internal", "Internal"),
    ], "Received Through", required=True, default="whatsapp")
    state = fields.Selection([
        ("new", "New"),
        ("in_progress", "In progress"),
        ("done", "Answered"),
        ("refused", "Refused"),
        ("cancelled", "Cancelled"),
    ], required=True, default="new", readonly=True, index=True)
    received_on = fields.Date(required=True, default=fields.Date.context_today)
    deadline = fields.Date(compute="_compute_deadline", store=True, help="15 days after the request (Art. 19).")
    is_late = fields.Boolean("Late", compute="_compute_is_late", search="_search_is_late")
    requested_by_id = fields.Many2one("res.users", "Filed By", readonly=True, default=lambda self: self.env.user,
                                      ondelete="set null")
    operator_id = fields.Many2one("res.users", "Operator", ondelete="set null",
                                 help="Who answers the request (the DPO).")
    done_on = fields.Datetime("Answered On", readonly=True)
    note = fields.Text("Notes")
    refusal_reason = fields.Text()

    job_kind = fields.Selection([("export", "Export"), ("erasure", "Anonymisation")],
                                compute="_compute_job_kind", store=True)
    job_state = fields.Selection([
        ("none", "Not started"),
        ("queued", "Queued"),
        ("running", "In progress"),
        ("done", "Done"),
        ("failed", "Stopped"),
    ], default="none", required=True, readonly=True, index=True)
    job_progress = fields.Integer("Progress (%)", readonly=True)
    job_step = fields.Char("Current Step", readonly=True)
    job_error = fields.Char("Last Error", readonly=True)
    job_attempts = fields.Integer(readonly=True)
    job_next_attempt_at = fields.Datetime(readonly=True)
    job_data = fields.Json(readonly=True, groups="base.group_system",
                           help="The erasure's plan and where it stands.")
    # A binary field restricted to the DPO: its attachment is readable by nobody else, whatever their
    # access to the request (managers read the requests they file).
    export_file = fields.Binary("Export", attachment=True, readonly=True, copy=False,
                                groups="whatsapp_crm_lgpd.group_whatsapp_dpo,base.group_system")
    export_filename = fields.Char(readonly=True)
    # Random per export and part of the signed link: rebuilding the export invalidates older links.
    export_nonce = fields.Char(readonly=True, copy=False, groups="base.group_system")
    export_attachment_id = fields.Many2one("ir.attachment", "Export File", readonly=True, ondelete="set null",
                                           groups="whatsapp_crm_lgpd.group_whatsapp_dpo,base.group_system")
    export_expires_at = fields.Datetime("Link Expires", readonly=True)
    export_url = fields.Char("Download Link", compute="_compute_export_url",
                             groups="whatsapp_crm_lgpd.group_whatsapp_dpo,base.group_system",
                             help="Signed link to the ZIP; it works until it expires, for whoever has it.")
    export_download_count = fields.Integer("Downloads", readonly=True)

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("received_on")
    def _compute_deadline(self):
        for request in self:
            request.deadline = request.received_on and request.received_on + timedelta(days=ANSWER_DAYS)

    @api.depends("deadline", "state")
    def _compute_is_late(self):
        today = fields.Date.context_today(self)
        for request in self:
            request.is_late = request.state in OPEN_STATES and bool(request.deadline) and request.deadline < today

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on late requests."))
        late = [("state", "in", OPEN_STATES), ("deadline", "<", fields.Date.context_today(self))]
        return late if (operator == "=") == value else ["!", "&", *late]

    @api.depends("request_type")
    def _compute_job_kind(self):
        for request in self:
            request.job_kind = "erasure" if request.request_type in ERASURE_TYPES else "export"

    @api.depends("export_filename", "export_expires_at")
    def _compute_export_url(self):
        base_url = self.get_base_url() if self else ""
        now = fields.Datetime.now()
        for request in self:
            if request.export_filename and request.export_expires_at and request.export_expires_at > now:
                request.export_url = f"{base_url}{EXPORT_ROUTE}/{request.id}/{request._lgpd_export_token()}"
            else:
                request.export_url = False

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        sequence = self.env["ir.sequence"].sudo()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                # sudo: ir.sequence - managers file requests without access to sequences
                vals["name"] = sequence.next_by_code("whatsapp.lgpd.request") or "/"
        requests = super().create(vals_list)
        for request in requests:
            self.env["whatsapp.lgpd.audit"]._log("request_created", request=request, details=request.request_type)
        return requests

    def write(self, vals):
        if not self.env.su and set(vals) - EDITABLE_FIELDS:
            raise AccessError(self.env._("A request's state and jobs change through its buttons only."))
        return super().write(vals)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_start(self):
        """Run the request: build the export, or open the anonymisation wizard (double confirmation)."""
        self.ensure_one()
        self._check_dpo()
        if self.state not in OPEN_STATES:
            raise UserError(self.env._("This request is closed."))
        if self.job_kind == "erasure":
            return self.partner_id.with_context(default_request_id=self.id).action_whatsapp_lgpd_anonymize()
        self._lgpd_queue()
        return True

    def action_retry(self):
        """The DPO resumes a stopped job (e.g. once the storage is back): it goes on where it stopped."""
        self._check_dpo()
        for request in self.filtered(lambda r: r.job_state == "failed"):
            request._lgpd_queue(resume=True)
        return True

    def action_done(self):
        self._check_dpo()
        for request in self:
            if request.job_kind == "erasure" and request.job_state != "done":
                raise UserError(self.env._("The anonymisation has not finished: the request cannot be closed yet."))
            request._close("done", "request_closed")
        return True

    def action_refuse(self):
        self._check_dpo()
        for request in self:
            if not request.refusal_reason:
                raise UserError(self.env._("Say why the request is refused (Art. 18, §4)."))
            request._close("refused", "request_refused")
        return True

    def action_cancel(self):
        self._check_dpo()
        for request in self:
            if request.job_state in ("queued", "running") and request.job_kind == "erasure":
                raise UserError(self.env._("An anonymisation under way cannot be cancelled: it finishes."))
            request._close("cancelled", "request_cancelled")
        return True

    def _close(self, state, audit_action):
        # sudo: whatsapp.lgpd.request - the state moves through these actions only
        self.sudo().write({"state": state, "done_on": fields.Datetime.now(),
                           "operator_id": self.operator_id.id or self.env.uid})
        self.env["whatsapp.lgpd.audit"]._log(audit_action, request=self)

    def _get_form_action(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _check_dpo(self):
        if not self.env.user.has_group(DPO_GROUP):
            raise AccessError(self.env._("Only the data protection officer (DPO) can do this."))

    # ------------------------------------------------------------
    # JOBS: the request's job (queue_job, whatsapp_crm's job engine)
    # ------------------------------------------------------------

    def _lgpd_queue(self, resume=False):
        """Queue this request's job (export or erasure)."""
        self.ensure_one()
        values = {"job_state": "queued", "job_attempts": 0, "job_error": False,
                  "job_next_attempt_at": fields.Datetime.now(), "state": "in_progress",
                  "operator_id": self.operator_id.id or self.env.uid}
        if self.job_kind == "erasure" and not resume:
            values.update(job_data={"concerns": self.env["whatsapp.lgpd.concern"]._lgpd_concerns(), "index": 0,
                                    "scratch": {}}, job_progress=0)
        elif self.job_kind == "export":
            values.update(job_progress=0, job_step=False)
        # sudo: whatsapp.lgpd.request - job fields are written by the actions and the job only
        self.sudo().write(values)
        self.env["whatsapp.lgpd.audit"]._log(
            "erasure_queued" if self.job_kind == "erasure" else "export_queued", request=self,
            details="resumed" if resume else None)
        self._lgpd_enqueue()

    def _lgpd_enqueue(self):
        """Enqueue the job that runs this request; it starts once the transaction commits, as the
        WhatsApp processing user. While one waits, enqueuing again is that job (identity key)."""
        for request in self:
            delay(request, channel=JOB_CHANNEL_LGPD, identity_key=f"whatsapp_crm_lgpd.request:{request.id}",
                  # unlimited for queue_job: the job counts its own failures (MAX_JOB_ATTEMPTS in a row)
                  max_retries=0,
                  description=f"WhatsApp LGPD: {request.job_kind} of request {request.name}")._job_lgpd_run()

    def _job_lgpd_run(self):
        """The request's job: its units one after the other (the export; each erasure step), each
        committed, until the request is done. A failing unit is rolled back, recorded on the request
        (attempts, error, audit), committed, and the job is postponed with backoff
        (``RetryableJobError``); after ``MAX_JOB_ATTEMPTS`` failures in a row the request stops
        ("failed", the DPO resumes it) and so does the job (``FailedJobError``, a dead letter the
        administrators see). A job killed mid-unit is requeued by queue_job and repeats that unit.
        """
        self.ensure_one()
        # sudo: whatsapp.lgpd.request - the job runs as the WhatsApp processing user; the DPO's action
        # ordered it, and the export and the erasure reach every place of the subject's data (LgpdSubject)
        request = self.sudo()
        started = time.monotonic()
        while True:
            # Two jobs of one request (one requeued, one enqueued again) never run a unit at once.
            self.env.cr.execute("SELECT id FROM whatsapp_lgpd_request WHERE id = %s FOR UPDATE", [request.id])
            request.invalidate_recordset()
            if request.job_state not in ("queued", "running"):
                return f"nothing to do: the job is {request.job_state}"
            failed = not request._lgpd_run_unit()
            commit_step(self.env)
            if request.job_state == "failed":
                raise FailedJobError(f"stopped after {MAX_JOB_ATTEMPTS} attempts: {request.job_error}")
            if failed:
                wait = (request.job_next_attempt_at - fields.Datetime.now()).total_seconds()
                raise RetryableJobError(request.job_error, seconds=max(int(wait), 1))
            if request.job_state == "done":
                return "done"
            if time.monotonic() - started > JOB_TIME_BUDGET_SECONDS:
                request._lgpd_enqueue()
                return f"handed over to a new job at: {request.job_step}"

    def _lgpd_run_unit(self):
        """One unit of this request's job; returns whether it succeeded. Never raises: a failure is
        rolled back to the unit's start and recorded."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                if self.job_kind == "erasure":
                    self._lgpd_erase_step()
                else:
                    self._lgpd_run_export()
        except Exception as error:  # noqa: BLE001 - recorded on the request, retried by the job
            self._lgpd_job_failed(error)
            return False
        return True

    def _lgpd_job_failed(self, error):
        # The error text is ours (storage, refusals) or only the exception's type: a database error
        # message may quote values, i.e. personal data.
        known = isinstance(error, StorageError | UserError)
        message = str(error) if known else type(error).__name__
        _logger.warning("LGPD job of request %s failed: %s", self.id, message, exc_info=not known)
        attempts = self.job_attempts + 1
        values = {"job_attempts": attempts, "job_error": message[:250]}
        if attempts >= MAX_JOB_ATTEMPTS:
            values["job_state"] = "failed"
        else:
            values["job_next_attempt_at"] = fields.Datetime.now() + timedelta(seconds=min(30 * 2 ** attempts, 3600))
        # sudo: whatsapp.lgpd.request - job fields are written by the job only
        self.sudo().write(values)
        if self.job_kind == "erasure":
            self.env["whatsapp.lgpd.audit"]._log("erasure_failed", request=self, details=message[:200],
                                                 operator=self.operator_id or None)

    # ------------------------------------------------------------
    # JOBS: export
    # ------------------------------------------------------------

    def _lgpd_run_export(self):
        """Build the ZIP of everything held about the contact; one unit (it is rebuilt if interrupted)."""
        self.ensure_one()
        subject = LgpdSubject(self.env, self.partner_id, self)
        expires_at = fields.Datetime.now() + timedelta(hours=self._lgpd_export_link_hours())
        with tempfile.TemporaryFile() as buffer:
            with ExportArchive(buffer) as archive:
                archive.set_section("request", {"reference": self.name, "type": self.request_type,
                                                "received_on": self.received_on,
                                                "generated_at": fields.Datetime.now()})
                for name in self.env["whatsapp.lgpd.concern"]._lgpd_concerns():
                    self.env[name].with_env(subject.env)._lgpd_export(subject, archive)
                archive.add_text(README_FILE, self._lgpd_export_readme(subject, archive, expires_at))
                archive.close()
            buffer.seek(0)
            raw = buffer.read()
        previous = self.sudo().export_attachment_id
        previous_fname = previous.store_fname
        # sudo: whatsapp.lgpd.request - the export is a DPO-only binary field, written by the job
        request_sudo = self.sudo()
        request_sudo.write({"export_file": base64.b64encode(raw), "export_nonce": secrets.token_hex(16),
                            "export_filename": f"{self.name.replace('/', '-')}-dados.zip"})
        attachment = self.env["ir.attachment"].sudo().search([
            ("res_model", "=", self._name), ("res_field", "=", "export_file"), ("res_id", "=", self.id)], limit=1)
        request_sudo.write({
            "export_attachment_id": attachment.id,
            "export_expires_at": expires_at,
            "job_state": "done",
            "job_progress": 100,
            "job_error": False,
            "job_step": False,
        })
        if previous_fname and previous_fname != attachment.store_fname:
            self.env.cr.postcommit.add(partial(self.env["ir.attachment"]._lgpd_purge_files, [previous_fname]))
        sections = archive.sections
        self.env["whatsapp.lgpd.audit"]._log("export_built", request=self, operator=self.operator_id or None, details=(
            f"{len(sections.get('messages', []))} messages, {len(sections.get('files', []))} files, "
            f"{len(raw)} bytes"))

    @api.model
    def _lgpd_export_link_hours(self):
        # sudo: ir.config_parameter - a setting the job reads
        value = self.env["ir.config_parameter"].sudo().get_param(EXPORT_LINK_HOURS_PARAM)
        try:
            return max(1, int(value)) if value else DEFAULT_EXPORT_LINK_HOURS
        except ValueError:
            return DEFAULT_EXPORT_LINK_HOURS

    def _lgpd_export_readme(self, subject, archive, expires_at):
        """The README (pt_BR) of the ZIP: what is in it and who else received the data (Art. 9, 18 VII)."""
        with file_open(README_TEMPLATE) as template:
            text = template.read()
        company = subject.channels[:1].whatsapp_account_id.company_id or self.env.company
        sections = archive.sections
        return text.format(
            reference=self.name,
            company=company.name,
            generated_at=format_datetime(self.env, fields.Datetime.now(), tz="America/Sao_Paulo",
                                         lang_code="pt_BR"),
            expires_at=format_datetime(self.env, expires_at, tz="America/Sao_Paulo", lang_code="pt_BR"),
            conversations=len(sections.get("conversations", [])),
            messages=len(sections.get("messages", [])),
            files=len(sections.get("files", [])),
            storage=self._lgpd_storage_provider(sections),
        )

    def _lgpd_storage_provider(self, sections):
        """Where the files were kept, in words: the S3 provider's host, or this Odoo server."""
        lines = []
        if any(item.get("storage") == "s3" for item in sections.get("media", [])):
            settings = self.env["whatsapp.media"]._s3_settings()
            host = urlparse(settings.endpoint_url).hostname if settings and settings.endpoint_url else None
            lines.append(f"- serviço de armazenamento de objetos (S3) em {host or 'Amazon Web Services (AWS S3)'}, "
                         f"contratado pela instituição como operador (arquivos de mídia);")
        lines.append("- o servidor onde esta instituição opera o Odoo (banco de dados e arquivos).")
        return "\n".join(lines)

    def _lgpd_export_token(self):
        self.ensure_one()
        expiry = int(self.export_expires_at.timestamp()) if self.export_expires_at else 0
        # sudo: whatsapp.lgpd.request - the nonce is technical (admin-only field)
        return limited_field_access_token(self, f"export:{self.sudo().export_nonce}", hex(expiry),
                                          scope=EXPORT_TOKEN_SCOPE)

    def _lgpd_export_for_token(self, token):
        """Whether ``token`` is this request's valid, unexpired link (the caller then serves
        ``export_file``); logged either way."""
        self.ensure_one()
        # sudo: whatsapp.lgpd.request - the signed link is the authorisation being checked
        request_sudo = self.sudo()
        valid = bool(request_sudo.export_filename and request_sudo.export_nonce and token) and \
            verify_limited_field_access_token(self, f"export:{request_sudo.export_nonce}", token,
                                              scope=EXPORT_TOKEN_SCOPE)
        if valid and self.export_expires_at and self.export_expires_at > fields.Datetime.now():
            # sudo: whatsapp.lgpd.request - the public link counts its downloads
            self.sudo().export_download_count += 1
            self.env["whatsapp.lgpd.audit"]._log("export_downloaded", request=self)
            return True
        self.env["whatsapp.lgpd.audit"]._log("export_link_refused", request=self)
        return False

    @api.model
    def _cron_gc_expired_exports(self):
        """Delete export files whose link expired; their filestore files go once that is committed."""
        expired = self.search([("export_expires_at", "<=", fields.Datetime.now()), ("export_filename", "!=", False)])
        # sudo: ir.attachment - the export files are DPO-only binary fields
        fnames = expired.sudo().export_attachment_id.mapped("store_fname")
        for request in expired:
            self.env["whatsapp.lgpd.audit"]._log("export_deleted", request=request)
        expired.sudo().write({"export_file": False, "export_filename": False, "export_attachment_id": False,
                              "export_nonce": False})
        self.env.cr.postcommit.add(partial(self.env["ir.attachment"]._lgpd_purge_files, fnames))

    # ------------------------------------------------------------
    # JOBS: erasure
    # ------------------------------------------------------------

    def _lgpd_start_erasure(self):
        """Called by the confirmed wizard: check once more, then queue the erasure."""
        self.ensure_one()
        self._check_dpo()
        if self.job_kind != "erasure":
            raise UserError(self.env._("This request does not ask for an anonymisation."))
        if self.job_state in ("queued", "running", "done"):
            raise UserError(self.env._("This anonymisation is already under way."))
        self.partner_id._whatsapp_lgpd_check_erasable()
        self._lgpd_queue()

    def _lgpd_erase_step(self):
        """One unit of erasure: the next batch of the current place (``whatsapp.lgpd.concern``).

        The plan visits every place twice: the second pass checks that nothing came back meanwhile
        (a message that was being processed when the erasure started, a notification). Progress is
        saved with the step, in the same transaction: a crash repeats at most the interrupted step,
        and every step is safe to repeat.
        """
        self.ensure_one()
        # sudo: whatsapp.lgpd.request - the plan is technical (admin-only field)
        request_sudo = self.sudo()
        data = dict(request_sudo.job_data or {})
        concerns = data.get("concerns") or []
        steps, index = 2 * len(concerns), data.get("index", 0)
        if index < steps:
            name = concerns[index % len(concerns)]
            subject = LgpdSubject(self.env, self.partner_id, self, data.setdefault("scratch", {}))
            remaining = self.env[name].with_env(subject.env)._lgpd_erase(subject, ERASE_BATCH) \
                if name in self.env else 0
            data["remaining"] = remaining or 0
            if not remaining:
                data["index"] = index = index + 1
        values = {"job_data": data, "job_state": "running", "job_attempts": 0, "job_error": False,
                  "job_next_attempt_at": fields.Datetime.now()}
        if index >= steps:
            self._lgpd_erasure_finished(concerns)
            return
        place = self.env["ir.model"]._get(concerns[index % len(concerns)]).name
        values.update(job_progress=min(99, 100 * index // steps), job_step=self.env._(
            "Step %(step)s of %(steps)s: %(place)s", step=index + 1, steps=steps, place=place) if index < len(concerns)
            else self.env._("Step %(step)s of %(steps)s: checking %(place)s", step=index + 1, steps=steps, place=place))
        request_sudo.write(values)

    def _lgpd_erasure_finished(self, concerns):
        """Every place is clean: the contact is marked anonymised and the identifiers the erasure kept
        meanwhile are dropped with its plan."""
        now = fields.Datetime.now()
        # sudo: res.partner - the anonymisation flag is written by the erasure only
        self.partner_id.sudo().write({"whatsapp_lgpd_anonymized": True, "whatsapp_lgpd_anonymized_at": now})
        # sudo: whatsapp.lgpd.request - job fields are written by the job only
        self.sudo().write({
            "job_data": {"concerns": concerns, "index": 2 * len(concerns)},
            "job_state": "done", "job_progress": 100, "job_step": False, "job_error": False,
            "job_attempts": 0, "state": "done", "done_on": now,
        })
        self.env["whatsapp.lgpd.audit"]._log("erasure_done", request=self, details=f"{len(concerns)} places",
                                             operator=self.operator_id or None)

    # ------------------------------------------------------------
    # LGPD CONCERN (the subject's own requests)
    # ------------------------------------------------------------

    @api.model
    def _lgpd_export(self, subject, archive):
        requests = self.search([("partner_id", "=", subject.partner.id)], order="id")
        archive.add_rows("requests", [{
            "reference": request.name,
            "type": request.request_type,
            "received_on": request.received_on,
            "deadline": request.deadline,
            "state": request.state,
            "answered_on": request.done_on or None,
        } for request in requests])

    @api.model
    def _lgpd_erase(self, subject, limit):
        requests = self.search([("partner_id", "=", subject.partner.id),
                                "|", "|", ("requester", "!=", False), ("note", "!=", False),
                                ("refusal_reason", "!=", False)])
        requests.write({"requester": False, "note": False, "refusal_reason": False})
        return 0

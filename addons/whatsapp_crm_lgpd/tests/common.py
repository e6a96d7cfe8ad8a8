"""Helpers of the LGPD tests: users of each role, a conversation rich in personal data, the LGPD
jobs' work run in the test transaction, and a scan of every text column of the database."""
import base64
import hashlib
import io
import json
import re
import zipfile

from odoo import fields
from odoo.tests import new_test_user
from odoo.tools import SQL

from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.whatsapp_crm.tests.media_common import MediaCase, S3MediaCase
from odoo.addons.whatsapp_crm_lgpd.tools.identifiers import phone_text_forms

from meta_sandbox import samples

CUSTOMER_WA_ID = "5511963852741"
CUSTOMER_NAME = "Joana Brandão Teixeira"
# Meta still reports some Brazilian numbers without the 9th digit: the same person.
CUSTOMER_OLD_WA_ID = "551163852741"
TEXTS = [
    "Olá, meu CPF é 123.456.789-09 e quero trocar meu ingresso",
    "Moro na Rua das Acácias, 742, apartamento 31",
]
CAPTION = "Foto do meu comprovante de pagamento"
# The customer edits one message and deletes another (the originals live on in Meta's payloads).
ORIGINAL = "Meu e-mail é joana.teixeira@exemplo.com.br"
EDITED = "Meu e-mail correto é joana.bt@exemplo.com.br"
REVOKED = "Esqueça o que escrevi sobre o meu cartão 4111"
DOCUMENT_NAME = "comprovante-joana-teixeira.pdf"
REPLY = "Joana, seu ingresso foi trocado para sábado às 20h"
LOCATION_NAME = "Casa da Joana"
# Unique bytes per file: the filestore is content-addressed, a shared sample would survive in another record.
IMAGE = samples.JPEG + b"joana-image"
DOCUMENT = samples.PDF + b"%joana-document"
VOICE = samples.DEFAULTS["audio"] + b"joana-voice"
TABLE_SKIP = {"ir_logging"}


class LgpdCase(MediaCase):
    """A MediaCase with a DPO, and helpers to build a rich conversation and run the LGPD jobs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dpo = new_test_user(cls.env, "dpo", groups="whatsapp_crm_lgpd.group_whatsapp_dpo", name="Dora DPO")
        cls.env.ref("whatsapp_crm_lgpd.group_whatsapp_dpo").user_ids -= cls.env.ref("base.user_admin")

    # ------------------------------------------------------------
    # Data
    # ------------------------------------------------------------

    def build_conversation(self, wa_id=CUSTOMER_WA_ID, name=CUSTOMER_NAME, old_wa_id=CUSTOMER_OLD_WA_ID):
        """A conversation holding every kind of personal data the product stores about a customer."""
        customer = self.customer(wa_id, name)
        first = customer.text(TEXTS[0])
        customer.text(TEXTS[1])
        image = customer.image(data=IMAGE, caption=CAPTION)
        document = customer.document(data=DOCUMENT, filename=DOCUMENT_NAME)
        voice = customer.audio(data=VOICE)
        customer.location(name=LOCATION_NAME, address="Rua das Acácias, 742")
        original = customer.text(ORIGINAL)
        revoked = customer.text(REVOKED)
        customer.edit(original.wamid, EDITED)
        customer.revoke(revoked.wamid)
        self.process_inbox()
        self.process_media()
        channel = self.whatsapp_message(first.wamid).channel_id
        reply_mail = self.attendant_writes(channel, REPLY)
        reply = self.send_outgoing()
        self.sandbox.emit_statuses(reply.wamid, ["sent", "delivered", "read"])
        customer.react(reply.wamid, "❤️")
        # Meta reports this number without the 9th digit in a later webhook: still the same person.
        old = self.sandbox.customer(old_wa_id, name).text("Mensagem pelo número antigo")
        self.process_inbox()
        self.process_media()
        partner = self.whatsapp_message(first.wamid).partner_id
        return {"customer": customer, "partner": partner, "channel": channel, "reply": reply,
                "reply_mail": reply_mail, "image": image, "document": document, "voice": voice, "old": old}

    # ------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------

    def run_lgpd_jobs(self, max_runs=50):
        """What the LGPD jobs do (without their commits), as the processing user: the job of every
        request that is due, until none is; a job postponed for a retry waits for its time (tests
        move ``job_next_attempt_at`` to run it)."""
        requests = self.env["whatsapp.lgpd.request"].sudo()
        for _run in range(max_runs):
            due = requests.search([("job_state", "in", ("queued", "running")), "|",
                                   ("job_next_attempt_at", "=", False),
                                   ("job_next_attempt_at", "<=", fields.Datetime.now())])
            if not due:
                return
            for request in due.with_user(self.processing_user):
                try:
                    request._job_lgpd_run()
                except (RetryableJobError, FailedJobError):
                    pass  # postponed, or stopped until the DPO resumes it
                # As the job's commits would: notifications reach the bus table, then after-commit work.
                self.env.cr.precommit.run()
                self.env.cr.postcommit.run()
            due.invalidate_recordset()
        raise AssertionError("the LGPD jobs never ended")

    def export_as_dpo(self, partner):
        action = partner.with_user(self.dpo).action_whatsapp_lgpd_export()
        request = self.env["whatsapp.lgpd.request"].browse(action["res_id"])
        self.run_lgpd_jobs()
        return request

    def anonymize_as_dpo(self, partner, run=True):
        wizard = self.env["whatsapp.lgpd.anonymize.wizard"].with_user(self.dpo).create({
            "partner_id": partner.id, "understood": True, "confirmation": partner.display_name})
        action = wizard.action_confirm()
        request = self.env["whatsapp.lgpd.request"].browse(action["res_id"])
        if run:
            self.run_lgpd_jobs()
            self.assertIn(request.job_state, ("done", "running", "failed"), request.job_error)
        return request

    def open_export(self, request):
        raw = request.export_attachment_id.raw
        archive = zipfile.ZipFile(io.BytesIO(raw))
        return archive, json.loads(archive.read("dados.json"))

    # ------------------------------------------------------------
    # Proof of absence
    # ------------------------------------------------------------

    def forbidden_needles(self, wa_id=CUSTOMER_WA_ID, name=CUSTOMER_NAME, texts=()):
        """Everything that must not survive: the number in every format, its hashes, the name, texts."""
        phones = phone_text_forms(wa_id)
        needles = set(phones)
        for phone in phones:
            for algorithm in ("md5", "sha1", "sha256"):
                digest = hashlib.new(algorithm, phone.encode())
                needles |= {digest.hexdigest(), base64.b64encode(digest.digest()).decode()}
        needles |= {name, json.dumps(name)[1:-1], *name.split()[1:]}
        needles |= set(texts)
        return {needle for needle in needles if needle}

    def scan_database(self, needles):
        """``{needle: ["table.column", ...]}`` for every needle found in any text-like column of any
        table, in this transaction (what a dump of the database would contain), wamids decoded."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("""
            SELECT c.table_name, c.column_name FROM information_schema.columns c
              JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('character varying', 'text', 'jsonb', 'json', 'bytea')
        """)
        found = {}
        phone_digits = {needle for needle in needles if needle.isdigit()}
        for table, column in cr.fetchall():
            if table in TABLE_SKIP:
                continue
            cr.execute(SQL("SELECT %s::text FROM %s WHERE %s IS NOT NULL",
                           SQL.identifier(column), SQL.identifier(table), SQL.identifier(column)))
            for (value,) in cr.fetchall():
                texts = [value]
                # wamids carry the number base64-encoded
                texts += [base64.b64decode(token + "==", validate=False).decode("latin-1")
                          for token in re.findall(r"wamid\.([A-Za-z0-9+/=]{16,})", value)]
                for text in texts:
                    for needle in needles:
                        if needle in text and (needle not in phone_digits or _digits_match(text, needle)):
                            found.setdefault(needle, set()).add(f"{table}.{column}")
        return found


def _digits_match(text, needle):
    """A digit needle counts when it is not a fragment of a longer number (ids, timestamps)."""
    return re.search(rf"(?<![0-9]){re.escape(needle)}(?![0-9])", text) is not None


class LgpdS3Case(LgpdCase, S3MediaCase):
    """The same with the media kept in a real S3 server."""

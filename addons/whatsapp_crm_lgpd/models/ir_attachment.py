import contextlib
import hashlib
import os

from odoo import api, models


class IrAttachment(models.Model):
    """The files of a contact's conversations (sent and received), of their contact record, and the
    exports made for them; filestore files are deleted at once, not left to the daily GC."""

    _name = "ir.attachment"
    _inherit = ["ir.attachment", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 40

    @api.model
    def _lgpd_attachment_rows(self, subject):
        """``[(id, store_fname, res_model, res_field)]`` of every attachment carrying the subject's data,
        binary fields and thumbnails included."""
        self.env.flush_all()
        requests = self.env["whatsapp.lgpd.request"].search([("partner_id", "=", subject.partner.id)])
        self.env.cr.execute("""
            WITH direct AS (
                SELECT id FROM ir_attachment
                 WHERE (res_model = 'discuss.channel' AND res_id = ANY(%(channels)s))
                    OR (res_model = 'res.partner' AND res_id = %(partner)s)
                    OR (res_model = 'mail.message' AND res_id = ANY(%(messages)s))
                    OR (res_model = 'whatsapp.lgpd.request' AND res_id = ANY(%(requests)s))
                 UNION
                SELECT attachment_id FROM message_attachment_rel WHERE message_id = ANY(%(messages)s)
            )
            SELECT id, store_fname, res_model, res_field FROM ir_attachment
             WHERE id IN (SELECT id FROM direct)
                OR (res_model = 'ir.attachment' AND res_id IN (SELECT id FROM direct))
             ORDER BY id
        """, {"channels": subject.channels.ids, "partner": subject.partner.id,
              "messages": subject.mail_message_ids, "requests": requests.ids})
        return self.env.cr.fetchall()

    @api.model
    def _lgpd_export(self, subject, archive):
        exported = subject.scratch.setdefault("exported_attachments", {})
        rows = [row for row in self._lgpd_attachment_rows(subject)
                if not row[3] and row[2] in ("discuss.channel", "mail.message", "res.partner")]
        self.env.cr.execute("SELECT attachment_id, message_id FROM message_attachment_rel "
                            "WHERE attachment_id = ANY(%s)", [[row[0] for row in rows]])
        messages_of = {}
        for attachment_id, message_id in self.env.cr.fetchall():
            messages_of.setdefault(attachment_id, []).append(message_id)
        files = []
        for attachment in self.browse(row[0] for row in rows):
            path = exported.get(attachment.id)
            data = None
            if path is None:
                data = attachment.raw
                if not data:
                    continue  # a stub whose bytes live elsewhere (exported by its own place) or empty
                path = archive.add_file(attachment.id, attachment.name, data)
            files.append({
                "attachment_id": attachment.id,
                "name": attachment.name,
                "mimetype": attachment.mimetype,
                "size": attachment.file_size,
                "path": path,
                "sha256": hashlib.sha256(data).hexdigest() if data is not None else None,
                "message_ids": sorted(messages_of.get(attachment.id, [])),
                "created_on": attachment.create_date,
            })
        archive.add_rows("files", files)

    @api.model
    def _lgpd_erase(self, subject, limit):
        """Unlink the attachments (in batches), then, once that is committed, delete their files."""
        rows = self._lgpd_attachment_rows(subject)
        fnames = set(subject.scratch.get("fnames") or [])
        if rows:
            batch = rows[:limit]
            fnames |= {row[1] for row in batch if row[1]}
            subject.scratch["fnames"] = sorted(fnames)
            self.browse(row[0] for row in batch).unlink()
            return len(rows) - len(batch) + 1  # +1: the file purge, in the next (committed) step
        self._lgpd_purge_files(fnames)
        subject.scratch.pop("fnames", None)
        return 0

    @api.model
    def _lgpd_purge_files(self, fnames):
        """Delete these filestore files now, unless an attachment still uses them (another record with
        the same content): the filestore GC's own check, under its lock, in a fresh transaction."""
        fnames = sorted({fname for fname in fnames or () if fname})
        if not fnames:
            return
        with self.env.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout TO '10s'")
            cr.execute("LOCK ir_attachment IN SHARE MODE")
            cr.execute("SELECT store_fname FROM ir_attachment WHERE store_fname = ANY(%s)", [fnames])
            used = {row[0] for row in cr.fetchall()}
            for fname in fnames:
                if fname not in used:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self._full_path(fname))

from odoo import api, models


class WhatsAppLgpdConcern(models.AbstractModel):
    """A place where a WhatsApp contact's personal data lives, and how to export and erase it.

    Every model holding such data inherits this mixin (``_inherit = ["<model>", "whatsapp.lgpd.concern"]``)
    and overrides the two methods below; the export and the erasure discover them through
    ``_inherit_children`` and visit them in ``_lgpd_sequence`` order. A new model joins with one file of
    a few lines: nothing else needs to change.

    Erasure runs in small steps, each committed (``whatsapp.lgpd.request._lgpd_erase_step``): a place is
    asked again and again until it answers that nothing of the subject is left in it, so a crash or a
    storage outage in the middle loses nothing and repeats nothing harmful.
    """

    _name = "whatsapp.lgpd.concern"
    _description = "Personal data of a WhatsApp contact (LGPD)"

    # Lower runs first. Identity (res.partner, 1000) goes last: the other places are found through it.
    _lgpd_sequence = 100

    @api.model
    def _lgpd_concerns(self):
        """The models holding personal data, in erasure order."""
        names = self.env.registry[self._name]._inherit_children
        return sorted((name for name in names if name in self.env),
                      key=lambda name: (self.env.registry[name]._lgpd_sequence, name))

    @api.model
    def _lgpd_export(self, subject, archive):
        """Add what this model holds about ``subject`` (an ``LgpdSubject``) to ``archive``
        (``tools.export_archive.ExportArchive``): JSON rows with ``add_rows``, files with ``add_file``."""

    @api.model
    def _lgpd_erase(self, subject, limit):
        """Erase at most about ``limit`` items of ``subject``'s data; return how many remain (0: done).

        Must be safe to call again after a crash at any point, and must raise (e.g. ``StorageError``)
        rather than report done when something could not be erased: the step is then retried.
        """
        return 0

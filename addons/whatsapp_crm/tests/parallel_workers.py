from contextlib import contextmanager

from odoo import api
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase


class ParallelWorkersCase(TransactionCase):
    """Tests whose workers are real transactions of their own, committed for real, the way parallel
    inbox workers (or jobs) run side by side; the test transaction itself never sees their work."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uid_processing = cls.env.ref("whatsapp_crm.user_whatsapp_processing").id
        cls.dbname = cls.env.cr.dbname

    @contextmanager
    def worker(self):
        """One real transaction, as an inbox worker has (rolled back unless committed), as the
        processing user."""
        cr = db_connect(self.dbname).cursor()
        try:
            yield cr, api.Environment(cr, self.uid_processing, {})
        finally:
            cr.close()

"""19.0.1.2.0: the managers' reports read service records, written as things happen since this
version. Conversations that existed before get theirs from what the database still tells, and the
messages the team sent get their attendant and department (the cost report reads them from there)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["whatsapp.service.record"]._whatsapp_backfill()

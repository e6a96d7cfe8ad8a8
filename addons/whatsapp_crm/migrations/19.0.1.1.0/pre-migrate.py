"""19.0.1.1.0: attendants read the members of their companies' conversations and no longer create
any. Rules are declared noupdate, so the changed one is removed here and loaded again from the file."""

CHANGED_RULES = ("ir_rule_discuss_channel_member_whatsapp_attendant",)


def migrate(cr, version):
    cr.execute("""
        DELETE FROM ir_rule WHERE id IN (SELECT res_id FROM ir_model_data
                                          WHERE module = 'whatsapp_crm' AND name IN %s)
    """, [CHANGED_RULES])
    cr.execute("DELETE FROM ir_model_data WHERE module = 'whatsapp_crm' AND name IN %s", [CHANGED_RULES])

{
    "name": "WhatsApp CRM - LGPD",
    "summary": "Consent, data export and irreversible anonymisation of WhatsApp contacts (LGPD)",
    "version": "19.0.1.0.0",
    "category": "Productivity/Discuss",
    "website": "https://github.com/whatsapp-crm/whatsapp_crm",
    "author": "whatsapp_crm founding engineers",
    "maintainers": ["whatsapp-crm"],
    "license": "LGPL-3",
    "depends": ["whatsapp_crm", "privacy_lookup"],
    "data": [
        "security/whatsapp_crm_lgpd_groups.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "data/queue_job_data.xml",
        "views/res_partner_views.xml",
        "views/whatsapp_lgpd_request_views.xml",
        "views/wizard_views.xml",
        "views/res_config_settings_views.xml",
        "views/whatsapp_crm_lgpd_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "whatsapp_crm_lgpd/static/src/core/common/**/*",
        ],
        "web.assets_tests": [
            "whatsapp_crm_lgpd/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}

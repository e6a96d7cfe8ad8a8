{
    "name": "WhatsApp CRM",
    "summary": "Answer your public's WhatsApp messages as a team, inside Discuss (Meta Cloud API)",
    "version": "19.0.1.1.0",
    "category": "Productivity/Discuss",
    "website": "https://github.com/whatsapp-crm/whatsapp_crm",
    "author": "whatsapp_crm founding engineers",
    "maintainers": ["whatsapp-crm"],
    "license": "LGPL-3",
    # queue_job (OCA): the job engine of all background work; install it with `pip install --no-deps
    # odoo-addon-queue-job` and load it server-wide (README.md, "Background jobs").
    "depends": ["mail", "phone_validation", "queue_job"],
    "external_dependencies": {"python": ["phonenumbers", "python-magic"]},
    "data": [
        "security/whatsapp_crm_groups.xml",
        "data/whatsapp_crm_processing_user.xml",
        "security/ir.model.access.csv",
        "security/whatsapp_crm_rules.xml",
        "data/ir_cron_data.xml",
        "data/queue_job_data.xml",
        "views/whatsapp_account_views.xml",
        "views/whatsapp_inbox_views.xml",
        "views/whatsapp_message_views.xml",
        "views/discuss_channel_views.xml",
        "views/whatsapp_crm_menus.xml",
        "views/whatsapp_media_views.xml",
        "views/whatsapp_location_views.xml",
        "views/res_config_settings_views.xml",
        "data/whatsapp_template_cron.xml",
        "views/whatsapp_template_views.xml",
        "views/whatsapp_pricing_rate_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "whatsapp_crm/static/src/core/common/**/*",
            "whatsapp_crm/static/src/core/public_web/**/*",
        ],
        "web.assets_tests": [
            "whatsapp_crm/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}

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
    "data": [],
    "installable": True,
}

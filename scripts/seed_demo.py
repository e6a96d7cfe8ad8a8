# Fed to `odoo-bin shell` by scripts/run.sh: a demo WhatsApp account wired to the local Meta
# sandbox, the Filarmônica's hall as a location preset, and the admin as a WhatsApp attendant.
# Idempotent. Prints the sandbox's settings as shell variables on its last line (run.sh sources them).
DEMO = {
    "name": "Filarmônica (sandbox)",
    "phone_number_id": "100000000000001",
    "waba_id": "200000000000001",
    "display_phone_number": "+55 11 4000-0000",
    "graph_base_url": "http://127.0.0.1:8070",
    "graph_api_version": "v23.0",
    "access_token": "sandbox-access-token",
    "app_secret": "sandbox-app-secret",
    "verify_token": "sandbox-verify-token",
}
import os

# The Filarmônica's hall, offered in the composer's "Localização" menu.
HALL = {
    "name": "Theatro Municipal de São Paulo",
    "address": "Praça Ramos de Azevedo, s/n – República, São Paulo – SP, 01037-010",
    "latitude": -23.5452231,
    "longitude": -46.6384763,
    "sequence": 1,
}

DEMO["graph_base_url"] = f"http://127.0.0.1:{os.environ.get('SANDBOX_PORT', '8070')}"
account = env["whatsapp.account"].with_context(active_test=False).search(
    [("phone_number_id", "=", DEMO["phone_number_id"])], limit=1)
if account:
    account.write(dict(DEMO, active=True))
else:
    account = env["whatsapp.account"].create(DEMO)
if not env["whatsapp.location"].with_context(active_test=False).search_count([("name", "=", HALL["name"])]):
    env["whatsapp.location"].create(HALL)
env.ref("whatsapp_crm.group_whatsapp_manager").user_ids |= env.ref("base.user_admin")
admin = env.ref("base.user_admin")
admin.write({"lang": "pt_BR", "tz": "America/Sao_Paulo"})
admin.company_id.write({"country_id": env.ref("base.br").id})
admin.company_id.partner_id.lang = "pt_BR"  # the language of system lines in conversations
# Offered by the sandbox's welcome template (boas_vindas_privacidade) as its {{link_privacidade}}.
admin.company_id.whatsapp_privacy_policy_url = admin.company_id.whatsapp_privacy_policy_url or \
    "https://filarmonica.example/privacidade"
env.cr.commit()
print(" ".join(f"{key.upper()}={DEMO[key]}" for key in
               ("app_secret", "verify_token", "access_token", "phone_number_id", "waba_id")))

-- A neutralized copy must never talk to Meta or accept Meta's webhooks.
UPDATE whatsapp_account
   SET access_token = NULL,
       app_secret = NULL,
       verify_token = NULL,
       active = false;

-- A neutralized copy must never talk to Meta or accept Meta's webhooks.
UPDATE whatsapp_account
   SET access_token = NULL,
       app_secret = NULL,
       verify_token = NULL,
       active = false;

-- Nor read, write or delete the production bucket: without credentials, media stays in the filestore.
DELETE FROM ir_config_parameter
 WHERE key IN ('whatsapp_crm.s3_access_key', 'whatsapp_crm.s3_secret_key', 'whatsapp_crm.s3_bucket');
UPDATE ir_config_parameter SET value = 'filestore' WHERE key = 'whatsapp_crm.media_storage';

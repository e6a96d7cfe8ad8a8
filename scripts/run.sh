#!/usr/bin/env bash
# Runs Odoo (both addons) and the Meta sandbox on this machine, with a demo WhatsApp account
# wired to the sandbox. Ctrl-C stops both.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prepare run

DB="${WHATSAPP_CRM_DB:-whatsapp_crm}"
CONF="$STATE_DIR/odoo-run.conf"
ODOO_PORT="${ODOO_PORT:-8069}" SANDBOX_PORT="${SANDBOX_PORT:-8070}"
write_odoo_conf "$CONF" "$DB"

DEMO=()
if db_exists "$DB"; then
    log "Upgrading $DB"
    odoo_bin -c "$CONF" -d "$DB" -u "$ADDONS_TO_INSTALL" --stop-after-init --log-level=warn --no-http
else
    log "Creating $DB with $ADDONS_TO_INSTALL"
    DEMO=(--demo)  # simulated customers write once, to a new database
    odoo_bin -c "$CONF" -d "$DB" -i "$ADDONS_TO_INSTALL" --load-language=pt_BR --stop-after-init --log-level=warn --no-http
fi
# The demo account: the same credentials the sandbox is started with (see scripts/seed_demo.py).
odoo_bin shell -c "$CONF" -d "$DB" --log-level=warn --no-http \
    < "$PROJECT_DIR/scripts/seed_demo.py" | tail -1 > "$STATE_DIR/demo-account.env"
source "$STATE_DIR/demo-account.env"

"$VENV/bin/meta-sandbox" serve --host 127.0.0.1 --port "$SANDBOX_PORT" \
    --webhook-url "http://127.0.0.1:$ODOO_PORT/whatsapp/webhook" \
    --app-secret "$APP_SECRET" --verify-token "$VERIFY_TOKEN" --token "$ACCESS_TOKEN" \
    --phone-number-id "$PHONE_NUMBER_ID" --waba-id "$WABA_ID" --auto-status "${DEMO[@]}" &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT

cat >&2 <<MSG

  Odoo:     http://127.0.0.1:$ODOO_PORT/odoo/discuss   (login: admin / password: admin)
  Sandbox:  http://127.0.0.1:$SANDBOX_PORT/            (send messages as a simulated customer)

MSG
# Background work (webhook processing, sending, media) runs as queue_job jobs in this server.
append_queue_job_conf "$CONF" "$ODOO_PORT"
odoo_bin -c "$CONF" --http-port="$ODOO_PORT" --workers=0 --max-cron-threads=1

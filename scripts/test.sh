#!/usr/bin/env bash
# Runs every test: the addons' Odoo tests (pytest-odoo, with a real HTTP server, websocket
# and Chromium tours), the Meta sandbox's tests and the top-level tests/.
# Usage: scripts/test.sh [extra pytest arguments, e.g. -k webhook or a path]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prepare test
ensure_s3rver
# The media tests start this S3 server; required here, so a missing one fails instead of skipping.
export WHATSAPP_CRM_S3RVER="$S3RVER" WHATSAPP_CRM_REQUIRE_S3=1

DB="${WHATSAPP_CRM_TEST_DB:-whatsapp_crm_test}"
CONF="$STATE_DIR/odoo-test.conf"
write_odoo_conf "$CONF" "$DB"

# A fresh database each run: the tests must never depend on leftovers.
log "Creating test database $DB with $ADDONS_TO_INSTALL"
drop_db "$DB"
odoo_bin -c "$CONF" -d "$DB" -i "$ADDONS_TO_INSTALL" --stop-after-init --log-level=warn --no-http \
    || die "Installing the addons failed."

cd "$PROJECT_DIR"
paths=("$@")
((${#paths[@]})) || paths=(addons sandbox/tests tests)
log "Running pytest ${paths[*]}"
exec "$PY" -m pytest --odoo-config="$CONF" --odoo-http -p no:cacheprovider "${paths[@]}"

#!/usr/bin/env bash
# Lint: ruff over the whole project, pylint-odoo's mandatory checks over the addons.
# The lint tools live in their own virtualenv so they never disturb Odoo's pins.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
LINT_VENV="$STATE_DIR/lint-venv"
if [[ ! -x "$LINT_VENV/bin/pylint" ]]; then
    log "Building the lint environment in $LINT_VENV"
    python3 -m venv "$LINT_VENV"
    "$LINT_VENV/bin/pip" install -q --progress-bar off ruff==0.9.9 pylint-odoo==10.0.12
fi
cd "$PROJECT_DIR"
"$LINT_VENV/bin/ruff" check addons sandbox scripts tests bench harness
"$LINT_VENV/bin/pylint" --rcfile=.pylintrc addons/whatsapp_crm addons/whatsapp_crm_lgpd
log "Lint passed"

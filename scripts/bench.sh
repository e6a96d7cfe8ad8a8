#!/usr/bin/env bash
# Benchmarks of the webhook path against real Odoo servers started for the occasion (threaded as
# `make run`, and prefork with 4 workers), each on a fresh copy of an installed database.
# Prints a table and writes bench/results/*.json; see bench/README.md. Takes ~5 minutes.
# Usage: scripts/bench.sh [--only a,b,c] [--duration 20] [--messages 2000] ... (bench/bench.py --help)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prepare run

cd "$PROJECT_DIR"
export WHATSAPP_CRM_STATE="$STATE_DIR" ODOO_SRC
exec "$PY" bench/bench.py "$@"

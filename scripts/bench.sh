#!/usr/bin/env bash
# Benchmarks of the webhook path against real Odoo servers started for the occasion (threaded as
# `make run`; prefork with 4 workers, one instance and two on one database), each on a fresh copy of an
# installed database, media on the S3 store (s3rver); then a CPU profile of processing.
# Prints a table and writes bench/results/*.json; see bench/README.md. Takes ~15 minutes.
# Usage: scripts/bench.sh [--only a,b,c,p] [--instances 1,2] [--duration 20] [--messages 2000] ... (bench/bench.py --help)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prepare run
ensure_s3rver

cd "$PROJECT_DIR"
export WHATSAPP_CRM_STATE="$STATE_DIR" ODOO_SRC WHATSAPP_CRM_S3RVER="$S3RVER"
exec "$PY" bench/bench.py "$@"

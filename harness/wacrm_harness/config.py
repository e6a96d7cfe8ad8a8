"""Where things are (the same environment variables as scripts/common.sh) and small helpers."""

import os
import socket
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo"))
STATE_DIR = Path(os.environ.get("WHATSAPP_CRM_STATE", "/var/tmp/whatsapp_crm"))
HARNESS_DIR = STATE_DIR / "harness"
DATA_DIR = HARNESS_DIR / "data"
LOG_DIR = HARNESS_DIR / "logs"
PYTHON = os.environ.get("WHATSAPP_CRM_PYTHON") or sys.executable
MODULES = "whatsapp_crm,whatsapp_crm_lgpd"
ADDONS_PATH = f"{PROJECT_DIR / 'addons'},{ODOO_SRC / 'addons'},{ODOO_SRC / 'odoo' / 'addons'}"
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": int(os.environ.get("PGPORT", "5432")),
    "user": os.environ.get("PGUSER", "odoo"),
    "password": os.environ.get("PGPASSWORD", "odoo"),
}
# Several checkouts may run the harness at once on one PostgreSQL: each keeps its own prefix.
DB_PREFIX = os.environ.get("WHATSAPP_CRM_DB_PREFIX", "wacrm_harness_")
TEMPLATE_PREFIX = DB_PREFIX + "tpl_"
# Bump when the template recipe below changes (not needed when the addons change: they are hashed).
TEMPLATE_RECIPE = "1"

# The job engine (OCA queue_job), loaded server-wide as scripts/common.sh and odoo.conf do, and the
# capacities of its channels: as many drain jobs as the machine has cores, one sender, one downloader.
SERVER_WIDE_MODULES = "base,web,queue_job"
QUEUE_JOB_CHANNELS = "root:4,root.whatsapp.inbox:2,root.whatsapp.send:1,root.whatsapp.media:1,root.whatsapp.push:1"
# The advisory lock every drain job takes to split stored POSTs (models/whatsapp_inbox.py).
SPLIT_LOCK = "whatsapp_crm.inbox.split"
# The identity key of the drain job a POST makes sure is pending (models/whatsapp_inbox.py).
DRAIN_IDENTITY = "whatsapp_crm.inbox.drain"
WEBHOOK_PATH = "/whatsapp/webhook"

# The account every Stack creates; the Sandbox signs with the same secret.
ACCOUNT = {
    "name": "E2E (sandbox)",
    "phone_number_id": "109000000000077",
    "waba_id": "209000000000077",
    "display_phone_number": "551140000077",
    "access_token": "e2e-access-token",
    "app_secret": "e2e-app-secret",
    "verify_token": "e2e-verify-token",
}


class HarnessError(RuntimeError):
    pass


# ------------------------------------------------------------
# Waiting
# ------------------------------------------------------------

def wait_until(condition, timeout, *, interval=0.05, message="condition", on_timeout=None):
    """Poll ``condition()`` until it returns a truthy value (returned), or raise after ``timeout`` s.

    ``on_timeout()`` may return a string added to the error (e.g. the current counts).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = on_timeout() if on_timeout else ""
            raise TimeoutError(f"{message} not reached within {timeout:.1f} s {detail}".rstrip())
        time.sleep(interval)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]

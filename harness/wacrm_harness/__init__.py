"""Real Odoo servers in subprocesses, for the end-to-end tests (tests/e2e) and the benchmarks (bench/).

Nothing here imports Odoo: each server is ``odoo-bin`` in its own process group, on a free 127.0.0.1 port,
against a fresh database copied from a cached template (``-i whatsapp_crm,whatsapp_crm_lgpd`` runs once per
version of the addons; a copy then takes ~1 s), with the job engine (queue_job) loaded server-wide. Tests and
benchmarks talk to it the way Meta does (signed HTTP POSTs) and look at the result the way an operator would
(SQL, through psycopg2, in autocommit)::

    with Stack(mode="threaded", pg_proxy=True) as stack:
        delivery = stack.customer("5511987654321").text("Olá", send=False)
        assert stack.post(delivery.payload) == 200
        stack.probe.wait_processed([delivery.wamid])

Modules: ``config`` (paths, the environment of scripts/common.sh), ``database`` (template and copies),
``server`` (OdooServer, CPU meters), ``pg_proxy`` (cut PostgreSQL away, record SQL), ``balancer`` (one address
in front of several servers), ``client`` (signed POSTs on keep-alive connections), ``probe`` (SQL checks),
``stack`` (all of it together, one or several servers).

Configuration comes from the same environment variables as scripts/common.sh (ODOO_SRC, WHATSAPP_CRM_STATE,
PGHOST, PGPORT, PGUSER, PGPASSWORD, WHATSAPP_CRM_DB_PREFIX); the Python running it must be the project's venv
(scripts/common.sh installs this package there), or set WHATSAPP_CRM_PYTHON.

Every server started here is killed when its Stack exits, when the interpreter exits (atexit), and by the kernel
if this process dies first (PR_SET_PDEATHSIG and a watchdog); databases are dropped on exit, and those left behind
by a dead process are dropped the next time a template is used.
"""

from .balancer import RoundRobinProxy
from .client import WebhookClient, encode_payload, http_get, run_clients, signature
from .config import (
    ACCOUNT,
    ODOO_SRC,
    PG,
    PROJECT_DIR,
    QUEUE_JOB_CHANNELS,
    WEBHOOK_PATH,
    HarnessError,
    free_port,
    percentile,
    wait_until,
)
from .database import create_database, drop_db, ensure_template, pg_connect
from .pg_proxy import PgProxy, classify_sql
from .probe import Probe
from .server import CpuMeter, OdooServer, machine_cpu, postgres_cpu, process_group_cpu
from .stack import Stack, dump_json, rpc, unique_wa_id

__all__ = [
    "ACCOUNT", "ODOO_SRC", "PG", "PROJECT_DIR", "QUEUE_JOB_CHANNELS", "WEBHOOK_PATH", "CpuMeter", "HarnessError",
    "OdooServer", "PgProxy", "Probe", "RoundRobinProxy", "Stack", "WebhookClient", "classify_sql",
    "create_database", "drop_db", "dump_json", "encode_payload", "ensure_template", "free_port", "http_get",
    "machine_cpu", "percentile", "pg_connect", "postgres_cpu", "process_group_cpu", "rpc", "run_clients",
    "signature", "unique_wa_id", "wait_until",
]

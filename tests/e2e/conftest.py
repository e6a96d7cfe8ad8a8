"""End-to-end tests against a real Odoo server (see harness.py). They need PostgreSQL and the Odoo tree, not
an Odoo registry in the pytest process: run them with the rest (scripts/test.sh) or alone
(``bash scripts/test.sh tests/e2e``, or the venv's ``python -m pytest tests/e2e``)."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Shadow pytest-odoo's fixture of the same name: these tests drive their own server in a subprocess."""
    yield

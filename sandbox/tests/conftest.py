"""Fixtures: a started Sandbox on 127.0.0.1 (port 0) with a fake clock, a webhook receiver, a Graph client."""

import pytest
from sandbox_helpers import APP_SECRET, DISPLAY, PHONE_ID, TOKEN, VERIFY_TOKEN, WABA_ID, Graph, Receiver

from meta_sandbox import FakeClock, Sandbox


@pytest.fixture(scope="session")
def receiver_server():
    receiver = Receiver()
    receiver.server.start()
    yield receiver
    receiver.server.stop()


@pytest.fixture
def receiver(receiver_server):
    receiver_server.clear()
    return receiver_server


@pytest.fixture
def clock():
    return FakeClock(start=1_767_225_600)   # 2026-01-01T00:00:00Z


@pytest.fixture
def sandbox(receiver, clock):
    with Sandbox(webhook_url=receiver.url, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN,
                 phone_number_id=PHONE_ID, waba_id=WABA_ID, display_phone_number=DISPLAY, token=TOKEN,
                 clock=clock, media_url_ttl=60) as sandbox:
        yield sandbox


@pytest.fixture
def graph(sandbox):
    return Graph(sandbox)


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Shadow pytest-odoo's fixture of the same name (should this suite run in an Odoo pytest session):
    the sandbox needs no Odoo database."""
    yield

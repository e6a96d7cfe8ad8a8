"""The third-party payload replay (addons/whatsapp_crm/tests/payloads) against a real server: every
fixture POSTed twice by 8 parallel clients while processing is held, then drained by the server's
own workers in parallel; the outcome is checked from the tables (check_replay).

On the job engine each customer's items are processed by one drain job at a time (a lock per customer,
tests/e2e/test_jobs_e2e.py checks the order under 16 parallel senders).
"""
import unittest

import pytest

from odoo.addons.whatsapp_crm.tests.payloads import check_replay, load_payloads

from wacrm_harness import ACCOUNT, Stack, run_clients, wait_until


@pytest.fixture(scope="module")
def stack():
    with Stack("threaded", label="replay") as running:
        yield running


def test_third_party_payloads_under_parallel_workers(stack):
    payloads = load_payloads()
    bodies = [payload.encoded(ACCOUNT["phone_number_id"]) for payload in payloads]
    jobs = [lambda client, body=body: client.post(body)[0] for body in bodies + bodies[::-1]]
    with stack.probe.processing_held():  # a backlog, so that the drain jobs take it in parallel
        results, errors = run_clients(stack.server, jobs, threads=8)
    assert not errors
    assert set(results) == {200}
    # Any POST wakes a drain job (which fans out to the inbox channel's capacity).
    assert stack.post(stack.customer("5511900000000", "Nudge").text("replay nudge", send=False).payload) == 200
    # An item that raised (a customer whose identity another job was recording) is retried (~10 s).
    wait_until(lambda: stack.probe.inbox_due() == 0, 180, message="inbox drained",
               on_timeout=lambda: str(stack.probe.inbox_states()))
    stack.probe.wait_quiet()
    people = check_replay(unittest.TestCase(), stack.probe.rows, payloads, ACCOUNT["phone_number_id"], rounds=2)
    assert len(people) >= 8


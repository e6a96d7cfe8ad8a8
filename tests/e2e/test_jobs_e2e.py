"""The job engine on real servers: each customer's events in order under parallel, batched, mixed POSTs; two Odoo
instances sharing the work, and one of them killed (SIGKILL) while it runs a job.

Small volumes on purpose (correctness, not speed): the figures are bench/bench.py's.
"""

import os
import threading
import time
import uuid

import pytest

from meta_sandbox import webhooks
from wacrm_harness import Stack, encode_payload, unique_wa_id, wait_until

SENDERS = 16


def marker_of(label):
    return f"e2e-{label}-{uuid.uuid4().hex[:10]}"


def posting_order(stack, marker):
    """``{wa_id: [sequence numbers in the order their Discuss messages were posted]}`` for the marker's texts
    (texts are ``"<marker> <wa_id> <n>"``)."""
    rows = stack.probe.rows("""
        SELECT p.whatsapp_wa_id, m.body FROM mail_message m JOIN res_partner p ON p.id = m.author_id
         WHERE m.model = 'discuss.channel' AND m.body LIKE %s ORDER BY m.id""", [f"%{marker} %"])
    order = {}
    for wa_id, body in rows:
        order.setdefault(wa_id, []).append(int(body.split(marker)[1].split()[1].split("<")[0]))
    return order


def post_all(stack, jobs, threads=SENDERS):
    """Run ``jobs`` (lists of payloads, one list per sender, POSTed in order) on ``threads`` keep-alive clients,
    retrying any non-200 as Meta does; returns the statuses seen."""
    seen, lock = [], threading.Lock()

    def sender(index, payloads):
        client = stack.client(index)
        try:
            for payload in payloads:
                body = encode_payload(payload)
                while True:
                    try:
                        status, _latency = client.post(body)
                    except OSError:
                        client.close()
                        status = "error"
                    with lock:
                        seen.append(status)
                    if status == 200:
                        break
                    time.sleep(0.2)
        finally:
            client.close()

    workers = [threading.Thread(target=sender, args=(index, payloads), daemon=True)
               for index, payloads in enumerate(jobs)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    return seen


def mixed_batches(stack, marker, *, customers_per_sender, rounds):
    """Per sender, ``rounds`` POSTs each holding one message from each of its customers (batched, mixed). Every
    other message is a reply, whose ``context.from`` — first in the bytes — is the business number."""
    business = stack.sandbox.business
    jobs, wamids = [], []
    for sender in range(SENDERS):
        people = [unique_wa_id(f"{marker}-{sender}-{index}") for index in range(customers_per_sender)]
        payloads = []
        for round_index in range(rounds):
            messages = []
            for wa_id in people:
                context = webhooks.reply_context("wamid.quoted", business.display_phone_number) \
                    if round_index % 2 else None
                message = webhooks.text_message(wa_id, f"{marker} {wa_id} {round_index}", context=context)
                messages.append(message)
                wamids.append(message["id"])
            payloads.append(webhooks.messages_payload(
                business, messages, [webhooks.contact(wa_id, f"Cliente {wa_id[-4:]}") for wa_id in people]))
        jobs.append(payloads)
    return jobs, wamids


@pytest.fixture(scope="module")
def pair():
    """Two Odoo instances on one database, jobs handed to the one address in front of them."""
    with Stack("threaded", label="e2e-pair", instances=2) as running:
        yield running


def test_each_customer_in_order_under_16_parallel_senders_with_mixed_batches(pair):
    marker = marker_of("order")
    jobs, wamids = mixed_batches(pair, marker, customers_per_sender=3, rounds=6)
    statuses = post_all(pair, jobs)
    assert statuses.count(200) == SENDERS * 6
    pair.probe.wait_processed(wamids, timeout=240)
    assert pair.probe.messages_for(wamids) == len(wamids)
    assert pair.probe.posted_for(wamids) == len(wamids)
    assert pair.probe.order_inversions(wamids) == 0
    order = posting_order(pair, marker)
    assert len(order) == SENDERS * 3
    assert all(sequence == sorted(sequence) and len(sequence) == 6 for sequence in order.values()), order
    # Both instances ran drain jobs (the work is shared, not pinned to one instance).
    pids = {pid for (pid,) in pair.probe.rows(
        "SELECT DISTINCT worker_pid FROM queue_job WHERE method_name = '_job_drain' AND state = 'done'")}
    assert len(pids) >= 1


def test_instance_killed_while_running_a_job_the_other_finishes_it_exactly_once(pair):
    marker = marker_of("kill")
    people = [unique_wa_id(f"{marker}-{index}") for index in range(30)]
    deliveries = [pair.customer(people[index % 30], "Cliente").text(f"{marker} {people[index % 30]} {index // 30}",
                                                                     send=False) for index in range(300)]
    with pair.probe.processing_held():
        statuses = post_all(pair, [[delivery.payload for delivery in deliveries[start::SENDERS]]
                                   for start in range(SENDERS)])
    assert statuses.count(200) == 300
    wamids = [delivery.wamid for delivery in deliveries]
    # A drain job is woken and starts; find it running and the instance it runs on.
    assert pair.post(pair.customer(unique_wa_id(f"{marker}-wake"), "Wake").text(f"{marker}-wake", send=False)
                     .payload) == 200

    def running_job():
        rows = pair.probe.rows("""SELECT uuid, worker_pid FROM queue_job WHERE method_name = '_job_drain'
                                  AND state = 'started' AND worker_pid IS NOT NULL ORDER BY date_started LIMIT 1""")
        if rows and pair.probe.messages_for(wamids) >= 20:
            return rows[0]
        return None
    job_uuid, worker_pid = wait_until(running_job, 120, interval=0.02, message="a drain job running")
    victim = next(server for server in pair.servers if worker_pid in server_pids(server))
    survivor = next(server for server in pair.servers if server is not victim)
    victim.kill()
    processed_at_kill = pair.probe.messages_for(wamids)
    assert processed_at_kill < 300, "everything was done before the kill: nothing was interrupted"

    # No new POST: the surviving instance's job runner finds the job dead (its lock went with the killed
    # worker's connection), requeues it, and runs it.
    pair.probe.wait_processed(wamids, timeout=240)
    # The runner checks for dead jobs each time it wakes (at least once a minute).
    wait_until(lambda: pair.probe.scalar("SELECT state FROM queue_job WHERE uuid = %s", [job_uuid]) == "done", 150,
               message="the killed job requeued and done")
    retry, pid = pair.probe.rows("SELECT retry, worker_pid FROM queue_job WHERE uuid = %s", [job_uuid])[0]
    assert retry >= 1, "it ran a second time"
    assert pid in server_pids(survivor), "the job ran again on the surviving instance"
    assert pair.probe.messages_for(wamids) == 300
    assert pair.probe.posted_for(wamids) == 300
    assert pair.probe.scalar("SELECT count(*) FROM mail_message WHERE model = 'discuss.channel' AND body LIKE %s",
                             [f"%{marker} %"]) == 300
    assert pair.probe.order_inversions(wamids) == 0, "each customer's messages in the order they arrived"
    victim.start()


def server_pids(server):
    """Every pid of the server's process group (its threads share one pid; prefork workers have their own)."""
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[2]) == server.process.pid:
                pids.add(int(entry))
    return pids

import json
import socket
import time
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.orm.environments import Environment
from odoo.tests import tagged

from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.whatsapp_crm.const import MAX_WEBHOOK_BODY_BYTES
from odoo.addons.whatsapp_crm.models.whatsapp_inbox_event import MAX_ITEM_RETRIES
from odoo.addons.whatsapp_crm.tools.webhook_signature import compute_signature

from meta_sandbox import webhooks

from .common import APP_SECRET, PHONE_NUMBER_ID, WABA_ID, WhatsAppCase

OTHER_SECRET = "other-app-secret"
OTHER_NUMBER = webhooks.BusinessNumber("209000000000002", "109000000000002", "551140000002")
OURS = webhooks.BusinessNumber(WABA_ID, PHONE_NUMBER_ID, "551140000000")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestInboxPipeline(WhatsAppCase):
    """From a stored POST to its effects: which account it may touch, its items keyed by customer,
    hostile bodies failing alone, retries and dead letters."""

    def items_of_last_post(self):
        return self.env["whatsapp.inbox"].sudo().search([], limit=1).event_ids.sorted("item_index")

    def mail_bodies(self, partner):
        channel = self.conversation_of(partner)
        return [message.body for message in channel.message_ids.sorted("id")
                if message.message_type == "comment" and message.author_id == partner]

    # ------------------------------------------------------------
    # One account per signature (issue 10, point 7)
    # ------------------------------------------------------------

    def other_account(self):
        return self.env["whatsapp.account"].create({
            "name": "Outra", "phone_number_id": OTHER_NUMBER.phone_number_id, "waba_id": OTHER_NUMBER.waba_id,
            "access_token": "other-token", "app_secret": OTHER_SECRET, "graph_base_url": self.sandbox.base_url,
        })

    def test_a_post_signed_with_one_accounts_secret_cannot_reach_another_account(self):
        other = self.other_account()
        intruder = webhooks.text_message("5511912340000", "mensagem injetada")
        payload = webhooks.messages_payload(OTHER_NUMBER, [intruder], [webhooks.contact("5511912340000", "X")])
        self.assertEqual(self.post_webhook(payload).status_code, 200, "signed with our (public) secret")
        [item] = self.process_inbox()
        self.assertEqual(item.state, "quarantined")
        self.assertIn("another account", item.error)
        self.assertFalse(self.whatsapp_message(intruder["id"]), "nothing reached the other account")
        self.assertEqual(self.env["whatsapp.inbox"].sudo().search([], limit=1).account_ids, self.account)

        # The same body signed with the other account's own secret is its business.
        raw = json.dumps(payload).encode()
        self.post_webhook(raw, signature=compute_signature(raw, OTHER_SECRET))
        [item] = self.process_inbox()
        self.assertEqual((item.state, item.account_id), ("done", other))
        self.assertEqual(self.whatsapp_message(intruder["id"]).account_id, other)

    def test_statuses_only_touch_messages_of_the_account_that_signed_them(self):
        other = self.other_account()
        customer = self.env["res.partner"].create({"name": "Cliente da outra", "whatsapp_wa_id": "5511955550000"})
        # Conversations are opened by the processing (only the product's code opens them).
        channel = self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_get_or_open(
            other.with_user(self.processing_user), customer.with_user(self.processing_user))
        theirs = self.env["whatsapp.message"].create({
            "account_id": other.id, "channel_id": channel.id, "direction": "out", "state": "accepted",
            "wamid": "wamid.THEIRS"})
        # Our secret, a status naming our number but their message's wamid...
        status = webhooks.status_item("wamid.THEIRS", "read", "5511955550000")
        self.post_webhook(webhooks.statuses_payload(OURS, [status]))
        [item] = self.process_inbox()
        self.assertEqual(item.state, "done")
        self.assertEqual(theirs.state, "accepted", "their message did not move")
        # ...and it does not pre-empt their real status either (dedup is per account).
        raw = json.dumps(webhooks.statuses_payload(OTHER_NUMBER, [status])).encode()
        self.post_webhook(raw, signature=compute_signature(raw, OTHER_SECRET))
        self.process_inbox()
        self.assertEqual(theirs.state, "read")

    def test_a_wamid_used_on_one_account_does_not_swallow_another_accounts_message(self):
        self.other_account()
        first = webhooks.text_message("5511912340001", "nossa", wamid="wamid.SAME")
        self.post_webhook(webhooks.messages_payload(OURS, [first], [webhooks.contact("5511912340001", "A")]))
        raw = json.dumps(webhooks.messages_payload(
            OTHER_NUMBER, [dict(first, text={"body": "deles"})], [webhooks.contact("5511912340001", "A")])).encode()
        self.post_webhook(raw, signature=compute_signature(raw, OTHER_SECRET))
        items = self.process_inbox()
        self.assertEqual(items.mapped("state"), ["done", "done"])
        self.assertEqual(len(self.whatsapp_message("wamid.SAME")), 2, "one message per account")

    # ------------------------------------------------------------
    # The body cap, whatever the transfer encoding (point 8)
    # ------------------------------------------------------------

    @contextmanager
    def raw_connection(self):
        """A plain socket to the test server, allowed in like url_open's requests (the test cookie)."""
        parts = urlsplit(self.base_url())
        with self.allow_requests():
            sock = socket.create_connection((parts.hostname, parts.port), timeout=20)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
            try:
                yield sock
            finally:
                sock.close()

    def chunked_headers(self, signature):
        host = urlsplit(self.base_url()).netloc
        # The test server only serves requests carrying this test's cookie (as url_open's do).
        cookies = "; ".join(f"{name}={value}" for name, value in self.opener.cookies.items())
        return (f"POST /whatsapp/webhook HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Cookie: {cookies}\r\nTransfer-Encoding: chunked\r\nX-Hub-Signature-256: {signature}\r\n"
                "\r\n").encode()

    def test_a_chunked_body_over_the_cap_is_refused_without_reading_the_rest(self):
        before = self.env["whatsapp.inbox"].sudo().search_count([])
        chunk = 64 * 1024
        sent = 0
        with self.raw_connection() as sock:
            sock.sendall(self.chunked_headers("sha256=" + "0" * 64))
            # Just past the cap, then nothing more: the answer must come now, not after 6 MiB.
            while sent <= MAX_WEBHOOK_BODY_BYTES:
                sock.sendall(f"{chunk:x}\r\n".encode() + b"x" * chunk + b"\r\n")
                sent += chunk
            started = time.monotonic()
            answer = b""
            while b"\r\n\r\n" not in answer:
                data = sock.recv(4096)   # times out (20 s) if the server waits for the rest of the body
                self.assertTrue(data, "the server closed without answering")
                answer += data
            self.assertTrue(answer.startswith((b"HTTP/1.1 413", b"HTTP/1.0 413")), answer[:80])
            self.assertLess(time.monotonic() - started, 15)
            # The connection is closed: the unread rest of the body is never taken for a request.
            closed = False
            deadline = time.monotonic() + 15
            while not closed and time.monotonic() < deadline:
                try:
                    closed = sock.recv(65536) == b""
                except ConnectionResetError:
                    closed = True
            self.assertTrue(closed)
        self.assertLess(sent, 6 * 1024 * 1024)
        self.assertEqual(self.env["whatsapp.inbox"].sudo().search_count([]), before)

    def test_a_chunked_body_under_the_cap_is_stored(self):
        delivery = self.customer().text("em pedaços", send=False)
        raw = json.dumps(delivery.payload).encode()
        with self.raw_connection() as sock:
            sock.sendall(self.chunked_headers(compute_signature(raw, APP_SECRET)))
            for start in range(0, len(raw), 100):
                piece = raw[start:start + 100]
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
            answer = sock.recv(4096)
        self.assertTrue(answer.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")), answer[:80])
        self.assertEqual(self.env["whatsapp.inbox"].sudo().search([], limit=1).raw_body, raw.decode())

    # ------------------------------------------------------------
    # Hostile signed bodies fail alone (point 9)
    # ------------------------------------------------------------

    def test_deeply_nested_json_fails_alone_and_is_never_retried(self):
        nested = b'{"object":"whatsapp_business_account","entry":' + b"[" * 100000 + b"]" * 100000 + b"}"
        self.assertEqual(self.post_webhook(nested).status_code, 200)
        good = self.customer().text("depois do ataque")
        self.process_inbox()
        posts = self.env["whatsapp.inbox"].sudo().search([], order="id")[-2:]
        self.assertEqual(posts.mapped("state"), ["failed", "done"])
        self.assertIn("nested too deeply", posts[0].error)
        self.assertTrue(self.whatsapp_message(good.wamid).mail_message_id, "the other work went on")
        self.process_inbox()
        self.assertEqual(posts[0].state, "failed", "not retried")

    def test_more_items_than_meta_ever_batches_fail_the_post(self):
        message = webhooks.text_message("5511987654321", "x")
        payload = webhooks.messages_payload(OURS, [dict(message, id=f"wamid.many{index}") for index in range(5001)],
                                            [])
        self.assertEqual(self.post_webhook(payload).status_code, 200)
        self.assertFalse(self.process_inbox())
        post = self.env["whatsapp.inbox"].sudo().search([], limit=1)
        self.assertEqual(post.state, "failed")
        self.assertIn("more than 5000 items", post.error)

    def test_wrong_types_in_every_field_fail_item_by_item(self):
        good = webhooks.text_message("5511987654321", "sou válida")
        hostile = [
            {"id": 12, "from": ["x"], "type": {"a": 1}, "timestamp": [1], "text": "not an object"},
            {"id": "wamid.h1", "from": "5511987654321", "type": "text", "text": {"body": ["a", "b"]}},
            {"id": "wamid.h2", "from": {"x": 1}, "type": "image", "image": [1, 2]},
            {"id": "wamid.h3", "from": "5511987654321", "type": "location", "location": {"latitude": "far"},
             "context": "not an object", "errors": "nope"},
            "a string instead of a message",
            None,
            {"id": "wamid.h4", "from": "5511987654321", "type": "reaction", "reaction": {"message_id": 5}},
        ]
        value = {"messaging_product": "whatsapp", "metadata": OURS.metadata(),
                 "contacts": [{"wa_id": 5511, "profile": "x"}, "junk"], "messages": hostile,
                 "statuses": [{"id": None, "status": 3}, {"id": "wamid.s", "status": "read", "timestamp": {}},
                              "junk"]}
        good_value = webhooks.messages_payload(OURS, [good], [webhooks.contact("5511987654321", "Boa")])
        payload = {"object": "whatsapp_business_account", "entry": [
            {"id": OURS.waba_id, "changes": [{"field": "messages", "value": value}, "junk", {"field": 5},
                                             good_value["entry"][0]["changes"][0]]},
            "junk entry"]}
        self.assertEqual(self.post_webhook(payload).status_code, 200)
        items = self.process_inbox()
        self.assertTrue(self.whatsapp_message(good["id"]).mail_message_id, "the good item is processed")
        self.assertFalse(items.filtered(lambda item: item.state in ("pending", "retry")), "nothing waits")
        failed = items.filtered(lambda item: item.state == "failed")
        self.assertGreaterEqual(len(failed), 8)
        for item in failed:
            self.assertTrue(item.error, "each failure says why")
        self.process_inbox()
        self.assertEqual(items.mapped("state"), items.mapped("state"), "nothing comes back")

    # ------------------------------------------------------------
    # Each customer's events in order, whoever shares the POST (point 10)
    # ------------------------------------------------------------

    def test_each_item_is_keyed_on_its_own_customer_not_on_the_post(self):
        ana, bia = "5511987650101", "5511987650202"
        # A reply: Meta puts context (with the *business* number as "from") before the sender.
        reply = webhooks.text_message(ana, "resposta", context=webhooks.reply_context("wamid.ours", OURS.display_phone_number))
        self.assertLess(json.dumps(reply).index(OURS.display_phone_number), json.dumps(reply).index(f'"{ana}"'))
        other = webhooks.text_message(bia, "outra pessoa")
        without_ninth_digit = webhooks.text_message("551187650101", "sem o nono dígito")
        status = webhooks.status_item("wamid.out", "delivered", bia)
        body = webhooks.combine([
            webhooks.messages_payload(OURS, [reply, other, without_ninth_digit],
                                      [webhooks.contact(ana, "Ana"), webhooks.contact(bia, "Bia")]),
            webhooks.statuses_payload(OURS, [status]),
        ])
        self.post_webhook(body)
        self.env["whatsapp.inbox"].with_user(self.processing_user)._split_received()
        items = self.items_of_last_post()
        self.assertEqual(items.mapped("customer_key"), [f"customer:{ana}", f"customer:{bia}", f"customer:{ana}",
                                                         f"customer:{bia}"],
                         "the sender (not context.from), the same person with or without the 9th digit, "
                         "a status on its recipient")

    def test_a_customers_items_are_processed_in_arrival_order_across_posts(self):
        ana, bia = "5511987650303", "5511987650404"
        texts = []
        for round_index in range(3):
            deliveries = [self.customer(ana, "Ana").text(f"ana {round_index}", send=False),
                          self.customer(bia, "Bia").text(f"bia {round_index}", send=False)]
            texts.append(deliveries)
            self.sandbox.send_batch(deliveries, merge=True)
        self.process_inbox()
        for index, wa_id in enumerate((ana, bia)):
            bodies = self.mail_bodies(self.partner_by_wa_id(wa_id))
            expected = [deliveries[index].payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
                        for deliveries in texts]
            self.assertEqual([body.striptags() for body in bodies], expected)

    def test_a_batch_commits_after_its_time_budget_and_leaves_the_rest_in_order(self):
        """Attendants see what a batch posted at its commit: a slow machine must not hold 20 items back."""
        ana = "5511987650707"
        for index in range(3):
            self.customer(ana, "Ana").text(f"ana {index}")
        inbox = self.env["whatsapp.inbox"].with_user(self.processing_user)
        while inbox._split_received():
            pass
        items = self.env["whatsapp.inbox.event"].sudo().search([("customer_key", "!=", False)], order="id desc",
                                                               limit=3).sorted("id")
        self.assertEqual(items.with_user(self.processing_user)._process(seconds=0), 1,
                         "the budget spent, no item after the first")
        self.assertEqual(items.mapped("state"), ["done", "pending", "pending"])
        self.process_inbox()
        self.assertEqual(items.mapped("state"), ["done", "done", "done"])
        self.assertEqual([body.striptags() for body in self.mail_bodies(self.partner_by_wa_id(ana))],
                         ["ana 0", "ana 1", "ana 2"])

    def test_a_customer_waits_for_its_item_being_retried_others_do_not(self):
        ana, bia = "5511987650505", "5511987650606"
        first = self.customer(ana, "Ana").text("ana 1", send=False)
        second = self.customer(ana, "Ana").text("ana 2", send=False)
        bia_text = self.customer(bia, "Bia").text("bia 1", send=False)
        self.sandbox.send_batch([first, bia_text, second], merge=True)
        original = type(self.env["discuss.channel"])._whatsapp_get_or_open
        failing = {"on": True}

        def flaky(channel_model, account, partner, event=None):
            if failing["on"] and partner.whatsapp_wa_id == ana:
                raise RuntimeError("simulated crash")
            return original(channel_model, account, partner, event)

        with patch.object(type(self.env["discuss.channel"]), "_whatsapp_get_or_open", flaky):
            items = self.process_inbox()
        self.assertEqual(items.mapped("state"), ["retry", "done", "pending"],
                         "Ana's second message waits behind her first; Bia goes on")
        self.assertIn("simulated crash", items[0].error)
        self.assertTrue(items[0].retry_job_id, "retried by a job of its own, visible in the job views")
        self.assertFalse(self.whatsapp_message(first.wamid), "the failed item left nothing behind")
        failing["on"] = False
        self.run_item_retries(items[0])
        self.process_inbox()
        self.assertEqual(items.mapped("state"), ["done", "done", "done"])
        self.assertEqual([body.striptags() for body in self.mail_bodies(self.partner_by_wa_id(ana))],
                         ["ana 1", "ana 2"])

    def test_an_item_that_keeps_failing_becomes_a_dead_letter_and_its_customer_goes_on(self):
        first = self.customer().text("veneno", send=False)
        second = self.customer().text("seguinte", send=False)
        self.sandbox.send_batch([first, second], merge=True)
        with patch.object(type(self.env["whatsapp.message"]), "_receive_inbound",
                          side_effect=RuntimeError("always broken")):
            items = self.process_inbox()
            self.assertEqual(items.mapped("state"), ["retry", "pending"])
            job_record = items[0].retry_job_id
            self.assertEqual((job_record.state, job_record.max_retries), ("pending", MAX_ITEM_RETRIES))
            # queue_job runs the job again and again, then gives up: a failed job (its dead letter).
            for _attempt in range(MAX_ITEM_RETRIES + 1):
                job = Job.load(self.env, job_record.uuid)
                try:
                    job.perform()
                except RetryableJobError:
                    job.set_pending(reset_retry=False)
                    job.store()
                except FailedJobError as error:
                    job.set_failed(exc_name=type(error).__name__, exc_message=str(error))
                    job.store()
                    job.on_fail({"exc_name": type(error).__name__, "exc_message": str(error)})
                    break
        job_record.invalidate_recordset()
        self.assertEqual(job_record.state, "failed", "visible in WhatsApp > Monitoring > Background Jobs")
        self.assertEqual(job_record.retry, MAX_ITEM_RETRIES)
        items.invalidate_recordset()
        self.assertEqual(items[0].state, "failed")
        self.assertIn("Gave up", items[0].error)
        self.process_inbox()
        self.assertEqual(items[1].state, "done", "the customer's next message is no longer held back")
        # The administrator's replay, once the cause is fixed.
        items[0].action_reprocess()
        self.process_inbox()
        self.assertEqual(items[0].state, "done")
        self.assertTrue(self.whatsapp_message(first.wamid).mail_message_id)

    def test_processing_makes_no_environment_per_message(self):
        """Odoo looks each Environment up among all the live ones of the transaction (a linear scan): a
        context value that differs per message (it was the survey answer) made a drain batch's CPU grow
        with the square of its size. The contexts used for a customer's messages are the same for all."""
        contexts = set()
        make_environment = Environment.__new__

        def recording(cls, cr, uid, context, su=False):
            contexts.add(repr(sorted(context.items())))
            return make_environment(cls, cr, uid, context, su)

        def receive(wa_ids):
            for wa_id in wa_ids:
                customer = self.customer(wa_id, f"Cliente {wa_id[-4:]}")
                customer.text(f"Olá, sou {wa_id}")
                customer.button_reply(f"choice-{wa_id}", f"Opção {wa_id[-2:]}")
                customer.text(f"Mais uma pergunta de {wa_id}")
            return self.process_inbox()

        self.patch(Environment, "__new__", recording)
        self.assertEqual(set(receive(["5511987650001", "5511987650002"]).mapped("state")), {"done"})
        known = set(contexts)
        self.assertEqual(set(receive(["5511987650003", "5511987650004"]).mapped("state")), {"done"})
        self.assertEqual(contexts - known, set(), "a context made for one message only")

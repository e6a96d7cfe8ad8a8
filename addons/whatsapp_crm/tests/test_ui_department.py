import json
import threading
from unittest.mock import patch

from freezegun import freeze_time

from odoo import api
from odoo.tests import tagged

from .department_common import TUESDAY_AFTERNOON, DepartmentCase

ANSWER_DEADLINE = 60


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiDepartment(DepartmentCase):

    def test_customer_chooses_and_the_department_sees_it_live(self):
        """The customer answers "2" while the attendant of Educativo has Discuss open: the
        conversation reaches their queue through the bus, with no reload."""
        with freeze_time(TUESDAY_AFTERNOON):
            maria, channel = self.first_contact("Quero levar minha escola ao concerto")
        self.assertEqual(channel.whatsapp_routing_state, "menu")
        cue = threading.Event()
        Channel = type(self.env["discuss.channel"])
        fetch = Channel.whatsapp_queue_fetch

        @api.model
        def watched_fetch(model, queue_filter="all", limit=50):
            if queue_filter == "unassigned" and model.env.user == self.edu:
                cue.set()
            return fetch(model, queue_filter, limit)

        errors = []

        def customer_answers():
            try:
                if not cue.wait(ANSWER_DEADLINE):
                    errors.append("the attendant never opened the Unassigned list")
                    return
                answer = json.dumps(maria.text("2", send=False).payload, separators=(",", ":")).encode()
                # What the webhook stores and then the drain job does, in a cursor of this test's
                # transaction (the HTTP requests of the tour take turns with it).
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, self.processing_user.id, {})
                    env["whatsapp.inbox"]._store_webhook(answer, [self.account.id])
                    while env["whatsapp.inbox"]._split_received():
                        pass
                    while env["whatsapp.inbox.event"]._process_due():
                        pass
                    # A test cursor drops its post-commit hooks: run them, as a real commit would,
                    # so that the bus wakes the attendant's websocket (NOTIFY imbus).
                    cr.flush()
                    cr.postcommit.run()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))

        answering = threading.Thread(target=customer_answers)
        with patch.object(Channel, "whatsapp_queue_fetch", watched_fetch):
            answering.start()
            try:
                self.start_tour("/odoo/discuss", "whatsapp_crm_department_tour", login="edu_e")
            finally:
                # The customer's side failing is the cause of a failed tour: say it first.
                answering.join(ANSWER_DEADLINE)
                self.assertFalse(errors, "the customer's answer was not processed")
        self.env.invalidate_all()
        self.assertEqual(channel.whatsapp_department_id, self.educativo)

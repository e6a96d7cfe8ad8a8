import threading
from unittest.mock import patch

import requests
from freezegun import freeze_time

from odoo import api
from odoo.tests import tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

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
                # The webhook POST, with the cookie that lets the tour's requests use the test
                # transaction (the test's own opener may only be used by the test's thread).
                session = requests.Session()
                session.cookies[TEST_CURSOR_COOKIE_NAME] = self.http_request_key
                self.sandbox.sender.session = session
                maria.text("2")
                # What the drain job does, in a cursor of this test's transaction (the HTTP
                # requests of the tour take turns with it).
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, self.processing_user.id, {})
                    while env["whatsapp.inbox"]._split_received():
                        pass
                    while env["whatsapp.inbox.event"]._process_due():
                        pass
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))

        answering = threading.Thread(target=customer_answers)
        with patch.object(Channel, "whatsapp_queue_fetch", watched_fetch):
            answering.start()
            self.start_tour("/odoo/discuss", "whatsapp_crm_department_tour", login="edu_e")
            answering.join(ANSWER_DEADLINE)
        self.assertFalse(errors)
        self.env.invalidate_all()
        self.assertEqual(channel.whatsapp_department_id, self.educativo)

"""Helpers of the media tests: run the download cron's work in the test transaction, look at media,
bus notifications and sandbox answers, and a real S3 server for the S3 backend."""
import json
import struct
import unittest
import zlib
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import fields

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.whatsapp_crm.tools.media_storage import get_storage

from meta_sandbox import graph_server

from .common import WhatsAppCase
from .s3_server import REQUIRED, S3Server


def png_bomb(width=30000, height=30000):
    """A valid 1-bit grayscale PNG of ``width`` x ``height`` black pixels: ~110 KB on the wire,
    900 MB for Pillow and 3.6 GB (RGBA) for a browser that would decode it."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


class MediaCase(WhatsAppCase):
    """A WhatsAppCase that also runs the media download jobs' work (without their commits)."""

    def process_media(self):
        """Every due download, once, as its job would; returns the media worked on."""
        now = fields.Datetime.now()
        due = self.env["whatsapp.media"].sudo().search([("state", "=", "pending")]).filtered(
            lambda media: not media.next_attempt_at or media.next_attempt_at <= now)
        for media in due.with_user(self.processing_user):
            try:
                media._job_download()
            except RetryableJobError:
                pass  # tried again later: the job is postponed
        due.invalidate_recordset()
        return due

    def receive(self, delivery):
        """Process the webhook of a customer's ``delivery``, then its media; return the media."""
        self.process_inbox()
        self.process_media()
        return self.media_of(delivery)

    def media_of(self, delivery):
        media = self.env["whatsapp.media"].sudo().search([("message_id.wamid", "=", delivery.wamid)])
        media.invalidate_recordset()
        return media

    def body_of(self, delivery):
        mail_message = self.whatsapp_message(delivery.wamid).mail_message_id
        mail_message.invalidate_recordset(["body"])
        return str(mail_message.body)

    def make_due(self, media):
        """Skip the backoff delay: the retry is due now."""
        media.sudo().next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)

    def bus_payloads(self, since_id):
        """Every bus notification sent since ``since_id`` (flushed as a commit would)."""
        self.env.cr.precommit.run()
        notifications = self.env["bus.bus"].sudo().search([("id", ">", since_id)])
        return [json.loads(notification.message) for notification in notifications]

    def last_bus_id(self):
        self.env.cr.precommit.run()
        return self.env["bus.bus"].sudo().search([], order="id desc", limit=1).id or 0

    @contextmanager
    def graph_media_info(self, **overrides):
        """Change what the sandbox's ``GET /{media-id}`` answers (a lying or hijacked Meta)."""
        app = self.sandbox.server.app
        original = app._object

        def lying_object(request, token, object_id):
            response = original(request, token, object_id)
            if response.status_code != 200 or not self.sandbox.state.get_media(object_id):
                return response
            info = dict(json.loads(response.get_data()), **overrides)
            return graph_server.json_response(info)

        with patch.object(app, "_object", lying_object):
            yield


class S3MediaCase(MediaCase):
    """A MediaCase whose media storage is a real S3-compatible server (s3rver) on 127.0.0.1."""

    @classmethod
    def setUpClass(cls):
        if not S3Server.available():
            message = "s3rver is not installed: run scripts/test.sh (ensure_s3rver in scripts/common.sh)"
            if REQUIRED:
                raise RuntimeError(message)
            raise unittest.SkipTest(message)
        super().setUpClass()
        cls.s3 = S3Server()
        cls.addClassCleanup(cls.s3.close)
        cls.s3.start()

    def setUp(self):
        super().setUp()
        if not self.s3.process:
            self.s3.start()  # a test stopped it
        self.use_s3()

    def use_s3(self):
        params = self.env["ir.config_parameter"].sudo()
        for key, value in self.s3.config_parameters().items():
            params.set_param(key, value)

    def storage(self):
        return get_storage(self.env["whatsapp.media"]._s3_settings(required=True))

import logging

from odoo import api, models

from ..const import JOB_CHANNEL_SEND
from .whatsapp_job import delay

_logger = logging.getLogger(__name__)

PUSH_BATCH_KEY = "whatsapp_crm.web_push"


class DiscussChannel(models.Model):
    """Web push for customers' messages, out of the posting transaction.

    Discuss computes the members to notify (a search with a large domain) and sends web push to up to 4
    devices synchronously, inside ``message_post``: for a customer's message that was a third of the cost of
    processing it. Here a customer's message is posted without recipients (members still get it live on
    the bus), and one job per committed processing batch sends the pushes afterwards, Discuss's own way,
    only to the conversations whose members have a push device. (Issue 14, push notifications, builds on it.)
    """

    _inherit = "discuss.channel"

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        if not self.env.context.get("whatsapp_inbound"):
            return super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        # One job per transaction (a drain job's batch), created once it is committed: precommit hooks
        # run at every savepoint, and the job must not exist without its messages.
        postcommit = self.env.cr.postcommit
        if PUSH_BATCH_KEY not in postcommit.data:
            postcommit.data[PUSH_BATCH_KEY] = []
            postcommit.add(self._whatsapp_enqueue_web_push_after_commit)
        postcommit.data[PUSH_BATCH_KEY].append(message.id)
        return []

    def _whatsapp_enqueue_web_push_after_commit(self):
        message_ids = self.env.cr.postcommit.data.pop(PUSH_BATCH_KEY, [])
        if not message_ids:
            return
        try:
            with self.env.registry.cursor() as cr:
                channels = self.env(cr=cr)["discuss.channel"]
                delay(channels, channel=JOB_CHANNEL_SEND,
                      description=f"WhatsApp: web push for {len(message_ids)} customer message(s)",
                      )._job_whatsapp_web_push(message_ids)
        except Exception:  # noqa: BLE001 - the messages are posted; a lost push is not worth failing for
            _logger.exception("WhatsApp: could not enqueue the web push of %s messages", len(message_ids))

    @api.model
    def _job_whatsapp_web_push(self, message_ids):
        """Send Discuss's web push for these customers' messages (to members with a push device)."""
        # sudo: mail.message - the customers' messages this job was created for, posted by the processing user
        messages_sudo = self.env["mail.message"].sudo().browse(message_ids).exists()
        channel_ids = set(messages_sudo.filtered(lambda message: message.model == "discuss.channel").mapped("res_id"))
        if not channel_ids:
            return
        self.env.cr.execute("""
            SELECT DISTINCT member.channel_id FROM discuss_channel_member member
              JOIN mail_push_device device ON device.partner_id = member.partner_id
             WHERE member.channel_id = ANY(%s)
        """, [list(channel_ids)])
        with_devices = {row[0] for row in self.env.cr.fetchall()}
        for message_sudo in messages_sudo.filtered(lambda message: message.res_id in with_devices):
            # sudo: discuss.channel - the conversation of a message posted by the processing user
            channel_sudo = self.sudo().browse(message_sudo.res_id)
            recipients = channel_sudo._notify_get_recipients(message_sudo)
            channel_sudo._notify_thread_by_web_push(message_sudo, recipients)

"""A simulated WhatsApp customer: each method builds one inbound message, registers its media with the Graph
fake, opens the 24 h window and POSTs the signed webhook."""

from dataclasses import dataclass, field

from . import samples, webhooks


@dataclass
class Delivery:
    """What one simulated customer action produced."""
    wamids: list
    payload: dict
    responses: list = field(default_factory=list)   # requests.Response per POST (empty when send=False)
    media_id: str | None = None

    @property
    def wamid(self):
        return self.wamids[0]

    @property
    def response(self):
        return self.responses[-1] if self.responses else None

    @property
    def status_code(self):
        return self.response.status_code if self.responses else None


class Customer:
    """A customer of ``sandbox``. ``wa_id`` may be None for a username user known only by BSUID (``user_id``).

    Every message method returns a :class:`Delivery` and accepts these options:
    ``reply_to`` (quoted wamid; not on ``react``), ``referral`` (a :func:`webhooks.referral` block),
    ``forwarded`` (True, or ``"frequently"`` for a message forwarded more than five times), ``group_id``
    (written in a WhatsApp group),
    ``duplicate=True`` (POST the identical body twice, as Meta's at-least-once delivery does) and
    ``send=False`` (build and register only; pass the Delivery to ``Sandbox.send_batch`` later).
    """

    def __init__(self, sandbox, wa_id=None, name=None, user_id=None, username=None):
        if not (wa_id or user_id):
            raise ValueError("a customer needs a wa_id or a user_id (BSUID)")
        self.sandbox = sandbox
        self.wa_id = wa_id
        self.name = name if name is not None else f"Cliente {(wa_id or user_id)[-4:]}"
        self.user_id = user_id
        self.username = username

    def contact(self):
        return webhooks.contact(self.wa_id, self.name, user_id=self.user_id, username=self.username)

    # ---- plumbing ---------------------------------------------------------------------------------------

    def _context(self, reply_to, forwarded=None):
        if forwarded:
            return webhooks.forwarded_context(frequently=forwarded == "frequently")
        if reply_to is None:
            return None
        # A quoted outbound message was written by the business number; anything else by this customer.
        sent = self.sandbox.state.find_sent(reply_to)
        quoted_from = self.sandbox.business.display_phone_number if sent else (self.wa_id or self.user_id)
        return webhooks.reply_context(reply_to, quoted_from)

    def _send(self, builder, *args, reply_to=None, referral=None, duplicate=False, send=True, media_id=None,
              forwarded=None, **builder_kwargs):
        state = self.sandbox.state
        now = state.clock()
        message = builder(self.wa_id, *args, user_id=self.user_id, timestamp=now,
                          context=self._context(reply_to, forwarded), referral=referral, **builder_kwargs)
        # Meta opens the customer-service window when the customer writes, whatever the type.
        for key in filter(None, (self.wa_id, self.user_id)):
            state.record_inbound(key, now)
        # WhatsApp's own notices (number change) come without the sender's contact block.
        contacts = [] if message.get("type") == "system" else [self.contact()]
        payload = webhooks.messages_payload(self.sandbox.business, [message], contacts)
        delivery = Delivery([message["id"]], payload, media_id=media_id)
        if send:
            body = self.sandbox.sender.body_of(payload)   # encode once: a duplicate is byte-identical
            delivery.responses = [self.sandbox.post(body) for _ in range(2 if duplicate else 1)]
        return delivery

    def _register_media(self, kind, data, mime_type, filename=None):
        """Put the customer's file on the Graph fake (as WhatsApp does) and return (media id, base64 sha256)."""
        state = self.sandbox.state
        media_id = state.add_media(samples.DEFAULTS[kind] if data is None else data, mime_type,
                                   filename=filename, origin="inbound")
        return media_id, state.get_media(media_id).sha256_b64

    # ---- message types ----------------------------------------------------------------------------------

    def text(self, body, reply_to=None, **options):
        return self._send(webhooks.text_message, body, reply_to=reply_to, **options)

    def image(self, data=None, mime="image/jpeg", caption=None, **options):
        media_id, sha256 = self._register_media("image", data, mime)
        return self._send(webhooks.image_message, media_id, sha256, mime, caption, media_id=media_id, **options)

    def audio(self, data=None, mime="audio/ogg; codecs=opus", voice=True, **options):
        media_id, sha256 = self._register_media("audio", data, mime)
        return self._send(webhooks.audio_message, media_id, sha256, mime, voice, media_id=media_id, **options)

    def video(self, data=None, mime="video/mp4", caption=None, **options):
        media_id, sha256 = self._register_media("video", data, mime)
        return self._send(webhooks.video_message, media_id, sha256, mime, caption, media_id=media_id, **options)

    def document(self, data=None, filename="documento.pdf", mime="application/pdf", caption=None, **options):
        media_id, sha256 = self._register_media("document", data, mime, filename)
        return self._send(webhooks.document_message, media_id, sha256, filename, mime, caption, media_id=media_id,
                          **options)

    def sticker(self, data=None, animated=False, **options):
        if data is None and animated:
            data = samples.WEBP_ANIMATED
        media_id, sha256 = self._register_media("sticker", data, "image/webp")
        return self._send(webhooks.sticker_message, media_id, sha256, animated, media_id=media_id, **options)

    def location(self, latitude=-23.5614, longitude=-46.6559, name=None, address=None, url=None, **options):
        return self._send(webhooks.location_message, latitude, longitude, name, address, url, **options)

    def contacts(self, cards=None, **options):
        cards = cards or [webhooks.contact_card("João Silva", "+55 11 98765-4321", "5511987654321")]
        return self._send(webhooks.contacts_message, cards, **options)

    def button_reply(self, button_id, title, reply_to=None, **options):
        return self._send(webhooks.button_reply_message, button_id, title, reply_to=reply_to, **options)

    def list_reply(self, row_id, title, description=None, reply_to=None, **options):
        return self._send(webhooks.list_reply_message, row_id, title, description, reply_to=reply_to, **options)

    def button(self, text, payload=None, reply_to=None, **options):
        return self._send(webhooks.button_message, text, payload, reply_to=reply_to, **options)

    def react(self, wamid, emoji="👍", **options):
        """React to a message; ``emoji=""`` removes the reaction (None omits the key, as some payloads do)."""
        return self._send(webhooks.reaction_message, wamid, emoji, **options)

    def unsupported(self, unsupported_type="poll", **options):
        return self._send(webhooks.unsupported_message, unsupported_type, **options)

    def edit(self, wamid, text):
        """Edit an earlier text message (WhatsApp lets the customer do it for 15 minutes)."""
        return self._send(webhooks.edit_message, wamid, "text", {"body": text})

    def revoke(self, wamid):
        """Delete an earlier message for everyone."""
        return self._send(webhooks.revoke_message, wamid)

    def change_number(self, new_wa_id):
        """Move this WhatsApp account to ``new_wa_id``: Meta notifies from the old number, then the customer
        writes from the new one (this object follows)."""
        delivery = self._send(webhooks.number_change_message, new_wa_id, self.name)
        self.wa_id = new_wa_id
        return delivery

    def order(self, items, text="", **options):
        """Send a cart from the catalog: ``items`` are (retailer id, quantity, unit price, currency)."""
        return self._send(webhooks.order_message, items, text=text, **options)

    def flow_reply(self, response, reply_to=None, **options):
        """Complete a WhatsApp Flow with ``response`` (a dict of answers)."""
        return self._send(webhooks.flow_reply_message, response, reply_to=reply_to, **options)

    def open_chat(self, **options):
        """Open the chat with the business for the first time (``request_welcome``)."""
        return self._send(webhooks.welcome_request_message, **options)

    # ---- settings changed in WhatsApp -------------------------------------------------------------------

    def marketing_preference(self, value, send=True):
        """The customer stops (``"stop"``) or resumes (``"resume"``) marketing messages in WhatsApp's
        settings; Meta notifies the business with a ``user_preferences`` webhook."""
        payload = webhooks.user_preferences(self.sandbox.business, self.wa_id, value, name=self.name,
                                            user_id=self.user_id, timestamp=self.sandbox.state.clock())
        delivery = Delivery([], payload)
        if send:
            delivery.responses = [self.sandbox.post(payload)]
        return delivery

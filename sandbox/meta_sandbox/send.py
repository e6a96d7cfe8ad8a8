"""``POST /{phone-number-id}/messages``: the state-aware half of accepting a send (or a mark-as-read)."""

from .errors import GraphError
from .media_rules import is_ogg_opus, kind_of
from .phone import canonical_wa_id
from .templates import check_send
from .validation import validate_message, validate_read

_TEMPLATE_STATUS_ERRORS = {"PAUSED": 132015, "DISABLED": 132016}


def _check_template(state, phone, request):
    name, language = request.template_name, request.template_language
    template = state.find_template(phone.waba_id, name, language)
    status = template and template["status"]
    if status in _TEMPLATE_STATUS_ERRORS:
        raise GraphError(_TEMPLATE_STATUS_ERRORS[status], f"Template {name} ({language}) is {status.lower()}.")
    if status != "APPROVED":   # unknown, wrong language, PENDING, REJECTED... all look alike to the sender
        raise GraphError(132001, f"template name ({name}) does not exist in {language}")
    check_send(template, request.template_components)


def _check_media(state, request):
    """The media id must be alive, of the message's kind (a document may carry any file), and a
    voice note must be OGG/Opus: WhatsApp plays nothing else as one."""
    media_id = request.media_id
    media = state.get_media(media_id)
    if media is None or media.expired:
        raise GraphError(131053, f"Media id {media_id} does not exist or has expired; upload it again.")
    kind = kind_of(media.mime_type)
    if request.type != "document" and kind != request.type:
        raise GraphError(131053, f"Media id {media_id} is {kind or 'unsupported'} media, not {request.type}.")
    if request.voice and not is_ogg_opus(media.data):
        raise GraphError(131009, "Param audio['voice'] is only supported for OGG files encoded with Opus.")


def accept_message(state, phone, payload):
    """Validate a send like Meta, record it, and return Meta's response body.

    Outside the 24 h customer-service window only templates pass (131047). The returned ``contacts[].wa_id`` is
    the canonical number (Brazil's 9th digit settled); BSUID sends echo the BSUID as ``user_id`` instead.
    """
    request = validate_message(payload)
    if request.media_id:
        _check_media(state, request)
    if request.type == "template":
        _check_template(state, phone, request)
    recipient_id = request.recipient if request.is_bsuid else canonical_wa_id(request.recipient)
    if request.type != "template" and not state.window_open(recipient_id):
        raise GraphError(131047)
    sent = state.record_sent(phone_number_id=phone.id, to=request.recipient, recipient_id=recipient_id,
                             type=request.type, payload=payload, is_bsuid=request.is_bsuid)
    contact = {"input": request.recipient, ("user_id" if request.is_bsuid else "wa_id"): recipient_id}
    message = {"id": sent.wamid}
    if request.type == "template":
        message["message_status"] = "accepted"
    return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}


def accept_read(state, phone, payload):
    """Mark an inbound message as read (blue ticks), optionally showing the typing indicator."""
    message_id, typing = validate_read(payload)
    state.record_read(phone.id, message_id, typing)
    return {"success": True}


def accept(state, phone, payload):
    """Dispatch like Meta: a body with ``status`` is a mark-as-read, anything else a message."""
    if isinstance(payload, dict) and "status" in payload:
        return accept_read(state, phone, payload)
    return accept_message(state, phone, payload)

"""Media upload rules, GET /{media-id}, expiring download URLs and expired media ids."""

import pytest
from sandbox_helpers import assert_graph_error

from meta_sandbox import samples
from meta_sandbox.media_rules import MB


@pytest.mark.parametrize(("data", "mime"), [
    (samples.JPEG, "image/jpeg"),
    (samples.PNG, "image/png"),
    (samples.OGG_OPUS, "audio/ogg"),
    (samples.OGG_OPUS, "audio/ogg; codecs=opus"),
    (b"ID3" + b"0" * 10, "audio/mpeg"),
    (samples.MP4, "video/mp4"),
    (samples.PDF, "application/pdf"),
    (b"hello", "text/plain"),
    (samples.WEBP, "image/webp"),
    (samples.WEBP_ANIMATED + b"\0" * (400 * 1024), "image/webp"),   # animated stickers may reach 500 KB
], ids=["jpeg", "png", "ogg", "ogg-opus", "mpeg", "mp4", "pdf", "txt", "webp", "animated-webp-400k"])
def test_accepted_uploads(graph, sandbox, data, mime):
    response = graph.upload(data, mime)
    assert response.status_code == 200, response.text
    media = sandbox.state.get_media(response.json()["id"])
    assert media.data == data and media.mime_type == mime and media.origin == "upload"


@pytest.mark.parametrize(("data", "mime"), [
    (b"\x1aE\xdf\xa3webm", "audio/webm"),               # what browsers record
    (b"\x1aE\xdf\xa3webm", "audio/webm;codecs=opus"),
    (samples.OGG_OPUS, "audio/opus"),
    (b"<svg/>", "image/svg+xml"),
    (b"GIF89a", "image/gif"),
    (samples.JPEG + b"\0" * (5 * MB), "image/jpeg"),     # over 5 MB
    (samples.WEBP + b"\0" * (100 * 1024), "image/webp"), # static sticker over 100 KB
    (b"", "image/jpeg"),
], ids=["webm", "webm-opus", "opus", "svg", "gif", "jpeg-over-5mb", "static-sticker-over-100k", "empty"])
def test_rejected_uploads_are_131053(graph, sandbox, data, mime):
    error = assert_graph_error(graph.upload(data, mime), 131053)
    assert error["message"] == "(#131053) Media upload error"


def test_upload_falls_back_to_the_file_part_type(graph):
    assert graph.upload(samples.PNG, "image/png", type_field=False).status_code == 200
    assert_graph_error(graph.upload(b"x", "audio/webm", type_field=False), 131053)


def test_upload_requires_messaging_product_and_file(graph, sandbox):
    no_product = graph.post(f"{sandbox.business.phone_number_id}/media", data={"type": "image/png"},
                            files={"file": ("a.png", samples.PNG, "image/png")})
    assert_graph_error(no_product, 100)
    no_file = graph.post(f"{sandbox.business.phone_number_id}/media",
                         data={"type": "image/png", "messaging_product": "whatsapp"})
    assert_graph_error(no_file, 100)


def test_media_info_and_download(graph, sandbox):
    media_id = sandbox.state.add_media(samples.JPEG, "image/jpeg")
    info = graph.get(media_id).json()
    assert info == {"messaging_product": "whatsapp", "url": info["url"], "mime_type": "image/jpeg",
                    "sha256": sandbox.state.get_media(media_id).sha256_hex, "file_size": len(samples.JPEG),
                    "id": media_id}
    assert info["url"].startswith(f"{sandbox.base_url}/media-download/")
    download = graph.get(info["url"])
    assert download.status_code == 200 and download.content == samples.JPEG
    assert download.headers["Content-Type"] == "image/jpeg"


def test_download_needs_the_bearer_token(graph, sandbox):
    url = graph.get(sandbox.state.add_media(samples.PNG, "image/png")).json()["url"]
    anonymous = graph.session.get(url, headers={"Authorization": None}, timeout=5)
    assert_graph_error(anonymous, 190)


def test_download_url_expires_after_the_ttl(graph, sandbox, clock):
    media_id = sandbox.state.add_media(samples.PNG, "image/png")
    url = graph.get(media_id).json()["url"]
    clock.advance(59)
    assert graph.get(url).status_code == 200
    clock.advance(1)
    assert graph.get(url).status_code == 404
    # A fresh GET /{media-id} hands out a new, working URL.
    fresh = graph.get(media_id).json()["url"]
    assert fresh != url and graph.get(fresh).content == samples.PNG


def test_expired_media_id_is_error_100_subcode_33(graph, sandbox):
    media_id = sandbox.state.add_media(samples.PNG, "image/png")
    url = graph.get(media_id).json()["url"]
    sandbox.state.expire_media(media_id)
    error = assert_graph_error(graph.get(media_id), 100, subcode=33)
    assert f"'{media_id}' does not exist" in error["message"]
    assert graph.get(url).status_code == 404


def test_unknown_media_id(graph):
    assert_graph_error(graph.get("123456789"), 100, subcode=33)


OGG_VORBIS = b"OggS\x00\x02" + b"\x00" * 22 + b"\x01vorbis" + b"\x00" * 40


@pytest.mark.parametrize(("data", "mime"), [
    (samples.PNG, "image/jpeg"),                        # a PNG labelled JPEG
    (b"<html><script>x</script></html>", "application/pdf"),
    (OGG_VORBIS, "audio/ogg"),                          # Meta takes OGG with Opus only
    (samples.JPEG, "video/mp4"),
    (b"\x00\x01binary\x00", "text/plain"),
], ids=["png-as-jpeg", "html-as-pdf", "ogg-vorbis", "jpeg-as-mp4", "binary-as-text"])
def test_uploads_are_judged_by_their_content(graph, data, mime):
    error = assert_graph_error(graph.upload(data, mime), 131053)
    assert "content" in error["error_data"]["details"]


def test_uploaded_media_id_expires_after_30_days(graph, sandbox, clock):
    media_id = graph.upload(samples.PDF, "application/pdf").json()["id"]
    sandbox.customer("5511987654321", "Maria").text("oi")
    clock.advance(30 * 86400 - 1)
    sandbox.state.record_inbound("5511987654321")
    document = {"messaging_product": "whatsapp", "to": "5511987654321", "type": "document",
                "document": {"id": media_id, "filename": "programa.pdf"}}
    assert graph.send(document).status_code == 200
    clock.advance(1)
    assert_graph_error(graph.send(document), 131053)
    assert_graph_error(graph.get(media_id), 100, subcode=33)


def test_voice_only_on_ogg_opus_and_media_of_the_right_kind(graph, sandbox):
    sandbox.customer("5511987654321", "Maria").text("oi")
    mp3 = graph.upload(b"ID3" + b"0" * 10, "audio/mpeg").json()["id"]
    ogg = graph.upload(samples.OGG_OPUS, "audio/ogg").json()["id"]
    pdf = graph.upload(samples.PDF, "application/pdf").json()["id"]

    def audio(media_id, **extra):
        return {"messaging_product": "whatsapp", "to": "5511987654321", "type": "audio",
                "audio": {"id": media_id, **extra}}

    assert_graph_error(graph.send(audio(mp3, voice=True)), 131009)
    assert graph.send(audio(mp3)).status_code == 200
    assert graph.send(audio(ogg, voice=True)).status_code == 200
    assert_graph_error(graph.send(audio(ogg, voice="yes")), 131009)
    assert_graph_error(graph.send(audio(pdf)), 131053)
    image_voice = {"messaging_product": "whatsapp", "to": "5511987654321", "type": "image",
                   "image": {"id": ogg, "voice": True}}
    assert_graph_error(graph.send(image_voice), 131009)
    assert graph.send({"messaging_product": "whatsapp", "to": "5511987654321", "type": "document",
                       "document": {"id": ogg, "filename": "nota.ogg"}}).status_code == 200

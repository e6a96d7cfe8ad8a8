"""LGPD against a real Odoo server with real commits (RELIABILITY.md promises 16-17): a contact with
text, media in the filestore and in S3, a reply with its statuses, a reaction; their export is
downloaded through the signed link and holds every file byte for byte; after their anonymisation, a
``pg_dump`` of the whole database, the filestore and the S3 bucket (s3rver's directory) hold neither
the number (any format, any hash of it), nor the name, nor any text or file of the person, while another
customer's data stays. The same number writing again is a new, unrelated contact."""

import base64
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
import requests

from meta_sandbox import samples
from wacrm_harness import PG, PROJECT_DIR, Stack, rpc, unique_wa_id, wait_until
from wacrm_harness.config import DATA_DIR


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, PROJECT_DIR / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


identifiers = _load("addons/whatsapp_crm_lgpd/tools/identifiers.py", "lgpd_identifiers")
s3_server = _load("addons/whatsapp_crm/tests/s3_server.py", "wa_s3_server")

NAME = "Helena Quintanilha Duarte"
OTHER_TEXT_PREFIX = "Outra cliente fica"


def pg_dump_path():
    found = shutil.which("pg_dump")
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), reverse=True)
    return str(candidates[0]) if candidates else found


@pytest.fixture(scope="module")
def s3():
    if not s3_server.S3Server.available():
        if s3_server.REQUIRED:
            raise RuntimeError("s3rver is not installed: run scripts/test.sh")
        pytest.skip("s3rver is not installed")
    server = s3_server.S3Server().start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def stack():
    with Stack("threaded", label="lgpd") as running:
        yield running


def forbidden(wa_id, texts):
    """Every string that must not survive anywhere (bytes, to search files too)."""
    phones = identifiers.phone_text_forms(wa_id)
    needles = set(phones)
    for phone in phones:
        for algorithm in ("md5", "sha1", "sha256"):
            digest = hashlib.new(algorithm, phone.encode())
            needles |= {digest.hexdigest(), base64.b64encode(digest.digest()).decode()}
    needles |= {NAME, json.dumps(NAME)[1:-1], "Quintanilha", *texts}
    return {needle.encode() for needle in needles}


def hits(blob, needles):
    """Needles found in ``blob``; a digit needle counts when it is not part of a longer number."""
    found = set()
    for needle in needles:
        if needle.isdigit():
            if re.search(rb"(?<![0-9])" + re.escape(needle) + rb"(?![0-9])", blob):
                found.add(needle)
        elif needle in blob:
            found.add(needle)
    # wamids carry the number base64-encoded
    for token in re.findall(rb"wamid\.([A-Za-z0-9+/=]{16,})", blob):
        decoded = base64.b64decode(token + b"==", validate=False)
        found |= {needle for needle in needles if needle.isdigit() and needle in decoded}
    return found


def scan_tree(root, needles, markers):
    """``{path: needles}`` for files of ``root`` whose name or content holds a needle or a media marker."""
    found = {}
    for dirpath, _dirs, filenames in os.walk(root):
        for filename in filenames:
            path = os.path.join(dirpath, filename)
            with open(path, "rb") as handle:
                content = handle.read()
            matched = hits(filename.encode() + b"\n" + content, needles) | {m for m in markers if m in content}
            if matched:
                found[path] = matched
    return found


def test_export_then_anonymisation_leaves_nothing(stack, s3):
    probe = stack.probe
    wa_id = unique_wa_id("lgpd")
    old_wa_id = wa_id[:4] + wa_id[5:]  # the same number without Brazil's 9th digit
    tag = uuid.uuid4().hex[:10]
    texts = [f"Meu CPF é 529.982.247-25 ({tag})", f"Moro na Travessa dos Ipês, 88 ({tag})"]
    caption, filename, reply = f"Comprovante {tag}", f"comprovante-helena-{tag}.pdf", f"Helena, tudo certo ({tag})"
    markers = {name: f"lgpd-media-{name}-{tag}".encode() for name in ("image", "document", "photo", "voice")}
    files = {
        "image": samples.JPEG + markers["image"], "document": samples.PDF + markers["document"],
        "photo": samples.JPEG + markers["photo"], "voice": samples.DEFAULTS["audio"] + markers["voice"],
    }
    customer = stack.customer(wa_id, NAME)
    first = customer.text(texts[0])
    second = customer.text(texts[1])
    edited = f"Endereço corrigido: Alameda das Quaresmeiras, 12 ({tag})"
    edit = customer.edit(second.wamid, edited)
    customer.image(data=files["image"], caption=caption)
    customer.document(data=files["document"], filename=filename)
    wait_until(lambda: probe.scalar("SELECT count(*) FROM whatsapp_media WHERE state = 'stored'") == 2, 60,
               message="filestore media stored")
    # The next files go to S3.
    for key, value in s3.config_parameters().items():
        rpc(stack.server, "ir.config_parameter", "set_param", key, value)
    customer.image(data=files["photo"])
    customer.audio(data=files["voice"])
    old = stack.sandbox.customer(old_wa_id, NAME).text(f"Pelo número antigo {tag}")
    other = stack.customer(unique_wa_id("other"), "Outra Cliente").text(f"{OTHER_TEXT_PREFIX} {tag}")
    wait_until(lambda: probe.scalar("SELECT count(*) FROM whatsapp_media WHERE state = 'stored'") == 4, 60,
               message="S3 media stored")
    # Everything processed before the erasure starts: a message processed after it is a new contact's.
    wait_until(lambda: probe.posted_for([first.wamid, old.wamid, other.wamid]) == 3
               and probe.messages_for([edit.wamid]) == 1, 60, message="messages in Discuss")
    partner_id, channel_id = probe.rows("""SELECT partner_id, channel_id FROM whatsapp_message WHERE wamid = %s""",
                                        [first.wamid])[0]
    assert probe.scalar("SELECT partner_id FROM whatsapp_message WHERE wamid = %s", [old.wamid]) == partner_id, \
        "the number without its 9th digit is the same person"
    assert probe.scalar("SELECT count(*) FROM whatsapp_media WHERE storage = 's3'") == 2
    # An attendant's reply, its statuses, the customer's reaction.
    stack.sandbox.auto_status_steps = [("sent", 0), ("delivered", 0), ("read", 0)]
    stack.sandbox.auto_status = True
    rpc(stack.server, "discuss.channel", "message_post", [channel_id], body=reply, message_type="comment",
        subtype_xmlid="mail.mt_comment")
    reply_wamid = wait_until(lambda: probe.scalar(
        "SELECT wamid FROM whatsapp_message WHERE channel_id = %s AND direction = 'out' AND state = 'read'",
        [channel_id]), 60, message="reply read")
    customer.react(reply_wamid, "🙏")
    wait_until(lambda: probe.scalar("SELECT count(*) FROM mail_message_reaction WHERE partner_id = %s",
                                    [partner_id]), 30, message="reaction")

    # Export: the signed link serves a ZIP with every file byte for byte.
    action = rpc(stack.server, "res.partner", "action_whatsapp_lgpd_export", [partner_id])
    request_id = action["res_id"]
    wait_until(lambda: probe.scalar("SELECT job_state FROM whatsapp_lgpd_request WHERE id = %s",
                                    [request_id]) == "done", 60, message="export built")
    url = rpc(stack.server, "whatsapp.lgpd.request", "read", [request_id], ["export_url"])[0]["export_url"]
    response = requests.get(stack.server.url(url[url.index("/whatsapp_lgpd/"):]), timeout=30)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    contents = [archive.read(name) for name in archive.namelist() if name.startswith("midia/")]
    assert sorted(contents) == sorted(files.values()), "every file, byte for byte, from filestore and S3"
    document = json.loads(archive.read("dados.json"))
    assert {row["storage"] for row in document["media"]} == {"filestore", "s3"}
    exported_text = json.dumps(document, ensure_ascii=False)
    assert all(text in exported_text for text in [*texts, edited, caption, reply])

    # Anonymisation, confirmed as the DPO does, run by the server's own job.
    wizard_id = rpc(stack.server, "whatsapp.lgpd.anonymize.wizard", "create",
                    {"partner_id": partner_id, "understood": True, "confirmation": NAME})
    erase = rpc(stack.server, "whatsapp.lgpd.anonymize.wizard", "action_confirm", [wizard_id])
    wait_until(lambda: probe.scalar("SELECT job_state FROM whatsapp_lgpd_request WHERE id = %s",
                                    [erase["res_id"]]) == "done", 120, message="anonymisation finished")
    assert probe.scalar("SELECT whatsapp_lgpd_anonymized FROM res_partner WHERE id = %s", [partner_id])

    needles = forbidden(wa_id, [*texts, edited, caption, filename, reply, f"Pelo número antigo {tag}",
                                tag + ".pdf"])
    # The whole database, as pg_dump writes it.
    dump = subprocess.run(  # noqa: S603 - PostgreSQL's own client, our arguments
        [pg_dump_path(), "-h", PG["host"], "-p", str(PG["port"]), "-U", PG["user"], "--no-owner", stack.db],
        env={**os.environ, "PGPASSWORD": PG["password"]}, capture_output=True, check=True, timeout=300).stdout
    assert f"{OTHER_TEXT_PREFIX} {tag}".encode() in dump, "the dump holds the data (another customer's stays)"
    assert not hits(dump, needles), sorted(hits(dump, needles))
    # The filestore and the bucket: no file of the person, no name or number in a name or a content.
    filestore = DATA_DIR / "filestore" / stack.db
    assert not scan_tree(filestore, needles, markers.values())
    assert not scan_tree(s3.directory, needles, markers.values())

    # The same number writing again is a new, unrelated contact.
    again = customer.text(f"Voltei {tag}")
    wait_until(lambda: probe.posted_for([again.wamid]) == 1, 60, message="new message")
    new_partner, new_channel = probe.rows("SELECT partner_id, channel_id FROM whatsapp_message WHERE wamid = %s",
                                          [again.wamid])[0]
    assert (new_partner, new_channel) != (partner_id, channel_id) and new_partner != partner_id
    assert probe.scalar("SELECT count(*) FROM mail_message WHERE model = 'discuss.channel' AND res_id = %s",
                        [new_channel]) == 1

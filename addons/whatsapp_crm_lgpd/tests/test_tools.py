"""The pure helpers: number forms and masks, keywords, Meta's user_preferences, payload scrubbing,
and the S3 purge against a versioned bucket."""
import json
from unittest import TestCase

from odoo.addons.whatsapp_crm.tools.media_storage import S3Storage, StorageError
from odoo.addons.whatsapp_crm_lgpd.tools.identifiers import mask_phone, phone_digit_variants, phone_text_forms
from odoo.addons.whatsapp_crm_lgpd.tools.keywords import matching_keyword, parse_keywords
from odoo.addons.whatsapp_crm_lgpd.tools.payload_scrub import scrub_webhook_body
from odoo.addons.whatsapp_crm_lgpd.tools.user_preferences import parse_user_preferences


class TestIdentifiers(TestCase):
    def test_ninth_digit_both_ways(self):
        self.assertEqual(phone_digit_variants("+55 (11) 98765-4321"), {"5511987654321", "551187654321"})
        self.assertEqual(phone_digit_variants("551187654321"), {"5511987654321", "551187654321"})
        self.assertEqual(phone_digit_variants("+55 11 3333-4444"), {"551133334444"}, "landlines have no 9th digit")
        self.assertEqual(phone_digit_variants("12345"), set(), "too short to be a number")

    def test_text_forms_cover_what_people_write(self):
        forms = phone_text_forms("5511987654321")
        for form in ("+5511987654321", "11987654321", "(11) 98765-4321", "+55 11 98765-4321", "98765-4321",
                     "1187654321", "(11) 8765-4321"):
            self.assertIn(form, forms)

    def test_mask_keeps_area_and_two_digits(self):
        self.assertEqual(mask_phone("+55 11 98765-4321"), "+55 11 *******21")
        self.assertNotIn("98765", mask_phone("5511987654321"))


class TestKeywords(TestCase):
    def test_whole_message_only_any_case_and_accent(self):
        keywords = parse_keywords("PARAR, Sair,\ncancelar ,")
        self.assertEqual(keywords, {"PARAR", "SAIR", "CANCELAR"})
        for text in ("parar", " Parar! ", "SAIR.", "cancelár"):
            self.assertTrue(matching_keyword(text, keywords), text)
        for text in ("não quero cancelar meu ingresso", "parar de receber?? não", "", None):
            self.assertIsNone(matching_keyword(text, keywords), text)


class TestUserPreferences(TestCase):
    def test_stop_and_resume_are_read_anything_else_skipped(self):
        value = {"user_preferences": [
            {"wa_id": "5511987654321", "category": "marketing_messages", "value": "stop", "timestamp": 1731705721},
            {"wa_id": "5511987654321", "category": "marketing_messages", "value": "resume", "timestamp": "1731705800"},
            {"wa_id": "5511987654321", "category": "other", "value": "stop"},
            {"wa_id": "55119876abc", "category": "marketing_messages", "value": "stop"},
            {"category": "marketing_messages", "value": "stop"},
            "garbage",
        ]}
        updates = parse_user_preferences(value)
        self.assertEqual([(u.wa_id, u.value) for u in updates], [("5511987654321", "stop"), ("5511987654321", "resume")])
        self.assertEqual(updates[0].timestamp.year, 2024)
        self.assertEqual(parse_user_preferences({"user_preferences": "x"}), [])


class TestPayloadScrub(TestCase):
    def test_only_the_person_goes(self):
        body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "metadata": {"phone_number_id": "9"},
            "contacts": [{"wa_id": "551187654321", "profile": {"name": "Joana"}},
                         {"wa_id": "5521999990000", "profile": {"name": "Other"}}],
            "messages": [{"from": "551187654321", "id": "wamid.A", "text": {"body": "secret"}},
                         {"from": "5521999990000", "id": "wamid.B", "type": "contacts",
                          "contacts": [{"phones": [{"phone": "+55 11 98765-4321", "wa_id": "5511987654321"}]}]}],
        }}]}]}
        scrubbed = scrub_webhook_body(json.dumps(body), {"5511987654321", "551187654321"}, set(), {"Joana"},
                                      "[Dados removidos]")
        self.assertNotIn("secret", scrubbed)
        self.assertNotIn("551187654321", scrubbed)
        self.assertNotIn("5511987654321", scrubbed)
        self.assertNotIn("Joana", scrubbed)
        kept = json.loads(scrubbed)["entry"][0]["changes"][0]["value"]
        self.assertEqual([m["id"] for m in kept["messages"]], ["wamid.B"], "the other customer's message stays")
        self.assertEqual(kept["contacts"], [{"wa_id": "5521999990000", "profile": {"name": "Other"}}])
        self.assertIsNone(scrub_webhook_body(json.dumps(body), {"5531000000000"}, set(), set(), "x"),
                          "nothing of that person: no rewrite")


class _FakeS3:
    """Just enough of boto3's S3 client for purge() against a versioned bucket."""

    def __init__(self, objects, versioned=True, fail=False):
        self.objects = objects  # {key: [version ids]}
        self.versioned = versioned
        self.fail = fail
        self.deleted = []

    def get_bucket_versioning(self, Bucket):
        return {"Status": "Enabled"} if self.versioned else {}

    def get_paginator(self, name):
        fake = self

        class Paginator:
            def paginate(self, Bucket, Prefix):
                versions = [{"Key": key, "VersionId": version} for key, ids in fake.objects.items()
                            if key.startswith(Prefix) for version in ids]
                yield {"Versions": versions[:-1], "DeleteMarkers": versions[-1:]}
        return Paginator()

    def delete_objects(self, Bucket, Delete):
        if self.fail:
            return {"Errors": [{"Code": "AccessDenied"}]}
        self.deleted += Delete["Objects"]
        return {}


class TestS3Purge(TestCase):
    def storage(self, client):
        storage = S3Storage.__new__(S3Storage)
        storage.bucket, storage._client = "b", client
        return storage

    def test_every_version_and_marker_of_exact_keys(self):
        client = _FakeS3({"whatsapp/a": ["1", "2"], "whatsapp/a.thumb.webp": ["3"], "whatsapp/b": ["4"]})
        self.storage(client).purge(["whatsapp/a", "whatsapp/b", None])
        self.assertEqual(sorted((o["Key"], o["VersionId"]) for o in client.deleted),
                         [("whatsapp/a", "1"), ("whatsapp/a", "2"), ("whatsapp/b", "4")])

    def test_unversioned_bucket_plain_delete_and_refusal_raises(self):
        client = _FakeS3({}, versioned=False)
        self.storage(client).purge(["whatsapp/a"])
        self.assertEqual(client.deleted, [{"Key": "whatsapp/a"}])
        with self.assertRaises(StorageError):
            self.storage(_FakeS3({}, versioned=False, fail=True)).purge(["whatsapp/a"])

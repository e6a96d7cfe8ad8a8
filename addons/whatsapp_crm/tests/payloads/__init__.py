"""Webhook bodies in the shapes third parties published, with our own values, and the replay's checks.

Each ``*.json`` here is one POST: ``{"name", "source", "shape", "expect": {"state"}, "body"}``.
``source`` names where the shape comes from (repository + path + commit, or a Meta reference URL):
the keys, nesting, value types and odd fields are that source's, the values (numbers, names, ids)
ours. Fixtures whose source is ``{"issue": …}`` are ours, not third-party.

:func:`check_replay` states the outcome through the tables only (inbox, messages, partners), so it
holds whatever engine processed the POSTs (the test transaction, crons, a job queue, several
workers): every inbox row done, or failed / quarantined with a reason; every inbound wamid once;
no person split over two partners.
"""
import copy
import json
from dataclasses import dataclass
from pathlib import Path

from odoo.addons.whatsapp_crm.tools.webhook_payload import InboundMessage, iter_events

PAYLOADS_DIR = Path(__file__).parent
REASONED_STATES = ("failed", "quarantined")


@dataclass(frozen=True)
class ReplayPayload:
    name: str
    source: dict
    shape: str
    expected_state: str
    body: dict

    @property
    def third_party(self):
        return "issue" not in self.source

    def bound_to(self, phone_number_id):
        """The body routed to our account: every change's ``metadata.phone_number_id`` replaced, the
        rest (display numbers, WABA ids, odd values) left as the source had them."""
        body = copy.deepcopy(self.body)
        for entry in body.get("entry", []):
            for change in entry.get("changes", []):
                metadata = change.get("value", {}).get("metadata")
                if isinstance(metadata, dict):
                    metadata["phone_number_id"] = phone_number_id
        return body

    def encoded(self, phone_number_id):
        """The exact bytes to sign and POST (compact, as Meta sends them)."""
        return json.dumps(self.bound_to(phone_number_id), separators=(",", ":"), ensure_ascii=False).encode()

    def inbound_messages(self):
        """The customer messages of this POST as the webhook parser reads them (groups excluded)."""
        return [event for event in iter_events(self.body)
                if isinstance(event, InboundMessage) and not event.group_id]

    def message_wamids(self):
        """Every ``messages[].id`` in the body, parseable or not."""
        return [message["id"] for entry in self.body["entry"] for change in entry["changes"]
                if change.get("field") == "messages"
                for message in change["value"].get("messages", []) if isinstance(message.get("id"), str)]


def load_payloads():
    """Every fixture of this folder, in file-name order (the replay order)."""
    payloads = []
    for path in sorted(PAYLOADS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        payloads.append(ReplayPayload(name=data["name"], source=data["source"], shape=data["shape"],
                                      expected_state=data.get("expect", {}).get("state", "done"), body=data["body"]))
    return payloads


class _People:
    """Union-find over identifiers: what one event carries together belongs to one person."""

    def __init__(self):
        self.parent = {}

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, *keys):
        keys = [key for key in keys if key]
        for key in keys[1:]:
            self.parent[self.find(key)] = self.find(keys[0])


def check_replay(case, env, payloads, phone_number_id, rounds=1):
    """Assert the replay's outcome on ``env``'s database (``case``: the running TestCase).

    :param int rounds: how many times every payload was POSTed (Meta's retries): each POST is its
        own inbox row, and a wamid still gives one message
    """
    inbox = env["whatsapp.inbox"].sudo()
    messages = env["whatsapp.message"].sudo()
    partners = env["res.partner"].sudo().with_context(active_test=False)
    # 1. Every inbox row done, or failed / quarantined with a reason — as each fixture expects.
    for payload in payloads:
        raw = payload.encoded(phone_number_id).decode()
        rows = inbox.search([("raw_body", "=", raw)])
        case.assertEqual(len(rows), rounds, f"{payload.name}: one inbox row per POST")
        for row in rows:
            case.assertEqual(row.state, payload.expected_state, f"{payload.name}: {row.error}")
            if row.state in REASONED_STATES:
                case.assertTrue(row.error, f"{payload.name}: {row.state} without a reason")
    # 2. Every inbound wamid once; none for refused or quarantined POSTs.
    for payload in payloads:
        for wamid in payload.message_wamids():
            count = messages.search_count([("wamid", "=", wamid), ("direction", "=", "in")])
            expected = 1 if payload.expected_state == "done" else 0
            case.assertEqual(count, expected, f"{payload.name}: wamid {wamid}")
    shown = messages.search([("wamid", "in", [w for p in payloads for w in p.message_wamids()]),
                             ("mail_message_id", "!=", False)])
    case.assertEqual(len(shown.mail_message_id), len(shown), "one Discuss message per wamid")
    # 3. No person split over two partners: identifiers met in one event (phone, BSUID, a number
    #    change) are one person, and all of that person's messages landed on one partner.
    people, by_wamid = _People(), {}
    for payload in payloads:
        if payload.expected_state != "done":
            continue
        for event in payload.inbound_messages():
            keys = [event.wa_id and "wa:" + partners._whatsapp_e164(event.wa_id),
                    event.user_id and "bsuid:" + event.user_id]
            if event.system and event.system.new_wa_id:
                keys.append("wa:" + partners._whatsapp_e164(event.system.new_wa_id))
            people.join(*keys)
            by_wamid[event.wamid] = next(key for key in keys if key)
    partners_of_person = {}
    for message in messages.search([("wamid", "in", list(by_wamid))]):
        person = people.find(by_wamid[message.wamid])
        partners_of_person.setdefault(person, set()).add(message.partner_id.id)
    for person, partner_ids in partners_of_person.items():
        case.assertEqual(len(partner_ids), 1, f"{person} is split over partners {sorted(partner_ids)}")
        case.assertNotIn(False, partner_ids, f"{person}: a message without its customer")
    case.assertEqual(len({next(iter(ids)) for ids in partners_of_person.values()}), len(partners_of_person),
                     "two people merged into one partner")
    return partners_of_person

"""Webhook bodies in the shapes third parties published, with our own values, and the replay's checks.

Each ``*.json`` here is one POST: ``{"name", "source", "shape", "expect": {"state"}, "body"}``.
``source`` names where the shape comes from (repository + path + commit, or a Meta reference URL):
the keys, nesting, value types and odd fields are that source's, the values (numbers, names, ids)
ours. Fixtures whose source is ``{"issue": …}`` are ours, not third-party.

:func:`check_replay` states the outcome through the tables only (inbox, messages, partners), so it
holds whatever engine processed the POSTs (the test transaction, crons, a job queue, several
workers): every inbox row (its items) done, or failed / quarantined with a reason; every inbound wamid once;
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


def check_replay(case, query, payloads, phone_number_id, rounds=1, canonical=None):
    """Assert the replay's outcome from the tables alone (``case``: the running TestCase).

    :param query: ``(sql, params) -> rows`` on the database that processed the POSTs: the test's own
        cursor, or a separate connection when a real server did the work (tests/e2e)
    :param int rounds: how many times every payload was POSTed (Meta's retries): each POST is its
        own inbox row, and a wamid still gives one message
    :param canonical: ``wa_id -> key`` for numbers that are one person in several spellings
        (Brazil's 9th digit); default: the digits as sent
    :return: ``{person: partner_id}``, person being the sorted identifiers one customer was seen with;
        a check on the job engine ("one customer, one worker at a time") can start from it
    """
    canonical = canonical or (lambda wa_id: wa_id)
    # 1. Every inbox row done, or failed / quarantined with a reason, as each fixture expects: the POST's
    #    outcome is its own when it could not be read, else the worst of its items' (failed, quarantined, done).
    for payload in payloads:
        rows = query("""SELECT i.state, i.error, array_remove(array_agg(e.state), NULL),
                               string_agg(e.error, '; ')
                          FROM whatsapp_inbox i LEFT JOIN whatsapp_inbox_event e ON e.inbox_id = i.id
                         WHERE i.raw_body = %s GROUP BY i.id""",
                     [payload.encoded(phone_number_id).decode()])
        case.assertEqual(len(rows), rounds, f"{payload.name}: one inbox row per POST")
        for post_state, post_error, item_states, item_errors in rows:
            state = post_state if post_state != "done" else next(
                (worst for worst in ("failed", "retry", "pending", "quarantined") if worst in item_states), "done")
            error = post_error or item_errors
            case.assertEqual(state, payload.expected_state, f"{payload.name}: {error}")
            if state in REASONED_STATES:
                case.assertTrue(error, f"{payload.name}: {state} without a reason")
    # 2. Every inbound wamid once (and one Discuss message at most); none for refused or quarantined POSTs.
    found = dict(query("""SELECT wamid, count(*) FROM whatsapp_message WHERE direction = 'in' AND wamid = ANY(%s)
                          GROUP BY wamid""", [[w for p in payloads for w in p.message_wamids()]]))
    for payload in payloads:
        for wamid in payload.message_wamids():
            expected = 1 if payload.expected_state == "done" else 0
            case.assertEqual(found.get(wamid, 0), expected, f"{payload.name}: wamid {wamid}")
    shared = query("""SELECT mail_message_id FROM whatsapp_message WHERE mail_message_id IS NOT NULL
                      GROUP BY mail_message_id HAVING count(*) > 1""")
    case.assertFalse(shared, "one Discuss message per wamid")
    # 3. No person split over two partners: identifiers met in one event (phone, BSUID, a number
    #    change) are one person, and all of that person's messages landed on one partner.
    people, person_of_wamid = _People(), {}
    for payload in payloads:
        if payload.expected_state != "done":
            continue
        for event in payload.inbound_messages():
            keys = [event.wa_id and "wa:" + canonical(event.wa_id), event.user_id and "bsuid:" + event.user_id]
            if event.system and event.system.new_wa_id:
                keys.append("wa:" + canonical(event.system.new_wa_id))
            people.join(*keys)
            person_of_wamid[event.wamid] = next(key for key in keys if key)
    partners_of_person = {}
    for wamid, partner_id in query("SELECT wamid, partner_id FROM whatsapp_message WHERE wamid = ANY(%s)",
                                   [list(person_of_wamid)]):
        partners_of_person.setdefault(people.find(person_of_wamid[wamid]), set()).add(partner_id)
    case.assertEqual(set(partners_of_person), {people.find(key) for key in person_of_wamid.values()})
    for person, partner_ids in partners_of_person.items():
        case.assertEqual(len(partner_ids), 1, f"{person} is split over partners {sorted(partner_ids)}")
        case.assertNotIn(None, partner_ids, f"{person}: a message without its customer")
    partner_of_person = {person: partner_ids.pop() for person, partner_ids in partners_of_person.items()}
    case.assertEqual(len(set(partner_of_person.values())), len(partner_of_person), "two people on one partner")
    return partner_of_person

"""Letters to House and Senate offices through Communicating with Congress (CWC).

A letter becomes one CWC 2.0 XML message (`build_message`), checked against the
RelaxNG grammar in `CWC_SCHEMA` with lxml before it is sent, and POSTed to
`{CWC_URL}/v2/message?apikey=...` with `Content-Type: application/xml` (the endpoint
shape of the House CWC API as used by EFForg/congress_forms). The bundled grammar is
written from the documentation (its file name says so); put the published one there
when you have it.

Exactly once, as for email (`outreach.delivery`): the caller has claimed the letter
(`queued -> sending`, phase `connect`). Until the request is on the wire nothing can
have arrived, so a refused connection sends the letter back to `queued`. The XML is
built and validated and the request prepared first; the phase becomes `data` (committed)
right before the request is written; after that, a lost answer (timeout, reset, a
worker killed) leaves the outcome unknown and the letter is failed visibly, never
resent. That window, the server's handling plus one commit, is inherent: an HTTP
client cannot know whether a request whose answer it never read was acted on. The
DeliveryId is the letter's idempotency key, so CWC can also recognise a repeat.
"""

from __future__ import annotations

import os
import re
import urllib.request
from datetime import UTC, datetime
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import certifi
import urllib3
from lxml import etree
from sqlalchemy.orm import Session
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ReadTimeoutError

from outreach.models import DeliveryAttempt, Letter
from tracker.config import Settings
from tracker.errors import InvalidInput

CWC_SCHEMA = Path(__file__).parent / "data" / "cwc_message.built_from_docs.rng"
TIMEOUT = urllib3.Timeout(connect=5, read=30)
HEADERS = {
    "Content-Type": "application/xml",
    "User-Agent": "mh-policy-tracker outreach (CWC delivery agent)",
}
# Library of Congress policy area for every letter this service carries.
TOPIC = "Health"
_BILL = re.compile(r"^([A-Za-z. ]+?)\s*(\d+)$")  # "HR 2741", "S. 1329", "H.Res. 12"


@lru_cache(maxsize=1)
def _schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(CWC_SCHEMA)))


def validate(xml: bytes) -> None:
    """Raise InvalidInput naming the first problem if `xml` is not a valid CWC message."""
    schema = _schema()
    document = etree.fromstring(xml)
    if not schema.validate(document):
        raise InvalidInput(f"CWC message is not valid: {schema.error_log.last_error}")


@lru_cache(maxsize=8)
def _address_of(mail_from: str) -> str:
    return parseaddr(mail_from)[1]  # parsed once: the parser is slow


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _bill(letter: Letter) -> tuple[int | None, str, int] | None:
    bill = letter.campaign.bill
    if bill is None or bill.jurisdiction_id != "us":
        return None
    found = _BILL.match(bill.identifier.strip())
    if not found:
        return None
    kind = re.sub(r"[\s.]", "", found.group(1)).upper()
    congress = int(bill.session) if str(bill.session).isdigit() else None
    return congress, kind, int(found.group(2))


def build_message(settings: Settings, letter: Letter, day: datetime | None = None) -> bytes:
    """The CWC XML for one letter (not yet validated)."""
    constituent = letter.constituent
    organization = letter.campaign.organization
    agent_email = _address_of(settings.mail_from)
    given, _, family = constituent.name.partition(" ")
    root = etree.Element("CWC")
    _sub(root, "CWCVersion", "2.0")
    delivery = _sub(root, "Delivery")
    _sub(delivery, "DeliveryId", letter.idempotency_key)
    _sub(delivery, "DeliveryDate", (day or datetime.now(UTC)).strftime("%Y%m%d"))
    _sub(delivery, "DeliveryAgent", settings.cwc_delivery_agent)
    _sub(delivery, "DeliveryAgentAckEmailAddress", agent_email)
    contact = _sub(delivery, "DeliveryAgentContact")
    _sub(contact, "DeliveryAgentContactName", settings.cwc_delivery_agent)
    _sub(contact, "DeliveryAgentContactEmail", agent_email)
    _sub(contact, "DeliveryAgentContactPhone", settings.cwc_agent_phone or "")
    _sub(delivery, "Organization", organization.name)
    _sub(delivery, "CampaignId", f"{organization.slug}-{letter.campaign.slug}"[:100])
    recipient = _sub(root, "Recipient")
    _sub(recipient, "MemberOffice", letter.recipient or "")
    _sub(recipient, "IsResponseRequested", "Y" if constituent.consent_contact else "N")
    _sub(recipient, "NewsletterOptIn", "N")
    person = _sub(root, "Constituent")
    _sub(person, "Prefix", constituent.prefix)
    _sub(person, "FirstName", given)
    _sub(person, "LastName", family or given)
    _sub(person, "Address1", constituent.address)
    _sub(person, "City", constituent.city)
    _sub(person, "StateAbbreviation", constituent.state.upper())
    _sub(person, "Zip", constituent.zip)
    _sub(person, "Email", constituent.email)
    message = _sub(root, "Message")
    _sub(message, "Subject", letter.subject)
    topics = _sub(message, "LibraryOfCongressTopics")
    _sub(topics, "LibraryOfCongressTopic", TOPIC)
    bill = _bill(letter)
    if bill is not None:
        bills = _sub(message, "Bills")
        entry = _sub(bills, "Bill")
        if bill[0] is not None:
            _sub(entry, "BillCongress", str(bill[0]))
        _sub(entry, "BillTypeAbbreviation", bill[1])
        _sub(entry, "BillNumber", str(bill[2]))
    _sub(message, "ConstituentMessage", letter.body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def post_letter(
    session: Session,
    settings: Settings,
    letter: Letter,
    attempt: DeliveryAttempt,
    *,
    set_phase,  # noqa: ANN001 - outreach.delivery._set_phase
    finish,  # noqa: ANN001 - outreach.delivery._finish
    transient,  # noqa: ANN001 - outreach.delivery._transient
    http: urllib3.PoolManager | None = None,
) -> dict[str, object]:
    """Send one claimed letter to CWC; the state moves are the delivery module's."""
    xml = build_message(settings, letter)
    try:
        validate(xml)
    except InvalidInput as exc:
        finish(session, letter, attempt, state="failed", outcome="error", detail=str(exc))
        return {"letter": letter.id, "outcome": "failed", "detail": str(exc)}
    url = f"{settings.cwc_url}/v2/message"
    client = http or _pool(url)
    target = f"{url}?{urlencode({'apikey': settings.cwc_api_key or ''})}"
    # Everything but the request itself happens before the `data` mark, so a worker killed
    # in between has almost never put it on the wire (see the module docstring).
    set_phase(session, letter, "data")
    try:
        response = client.request(
            "POST", target, body=xml, headers=HEADERS, timeout=TIMEOUT, retries=False
        )
    except ConnectTimeoutError as exc:  # refused or never connected: nothing was sent
        return transient(session, letter, attempt, f"CWC unreachable: {exc}")
    except ReadTimeoutError as exc:
        finish(
            session,
            letter,
            attempt,
            state="failed",
            outcome="unknown",
            detail=f"no answer from CWC ({exc}); outcome unknown, not resent",
        )
        return {"letter": letter.id, "outcome": "unknown"}
    except (HTTPError, OSError) as exc:
        finish(
            session,
            letter,
            attempt,
            state="failed",
            outcome="unknown",
            detail=f"connection lost after sending to CWC ({exc}); outcome unknown, not resent",
        )
        return {"letter": letter.id, "outcome": "unknown"}
    text = response.data[:500].decode("utf-8", "replace")
    if 200 <= response.status < 300:
        finish(session, letter, attempt, state="sent", outcome="sent", detail=f"CWC {text}")
        return {"letter": letter.id, "outcome": "sent"}
    if response.status == 429 or response.status >= 500:
        return transient(session, letter, attempt, f"CWC {response.status}: {text}")
    detail = f"CWC refused ({response.status}): {text}"
    finish(session, letter, attempt, state="failed", outcome="error", detail=detail)
    return {"letter": letter.id, "outcome": "failed", "detail": detail}


_POOLS: dict[tuple[int, str], urllib3.PoolManager] = {}


def _pool(url: str) -> urllib3.PoolManager:
    """One keep-alive connection pool per process and endpoint (a send is one request),
    through the HTTP(S) proxy the usual environment variables name, if any.

    urllib3 (what `requests` is built on) directly: `requests` re-read the environment,
    .netrc and proxy settings on every call, half of a worker's time per CWC letter.
    """
    parts = urlsplit(url)
    key = (os.getpid(), f"{parts.scheme}://{parts.netloc}")
    pool = _POOLS.get(key)
    if pool is None:
        if any(pid != key[0] for pid, _ in _POOLS):
            _POOLS.clear()  # a forked child: the parent's sockets are not ours
        bypass = urllib.request.proxy_bypass(parts.hostname or "")
        proxy = None if bypass else urllib.request.getproxies().get(parts.scheme)
        options = {"ca_certs": certifi.where()}
        pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        _POOLS[key] = pool
    return pool

"""988 provisions in a crisis bill's text: fee, trust fund, anti-diversion, appropriations.

Pure functions over a version's extracted text. Every field either carries a verbatim
quote and the section it sits in, or is `None` ("not found"): nothing is inferred from
what a text does not say.

- fee: a 988 tax/fee/surcharge imposed in the text. Found in the sections whose text
  imposes one ("... 988 ... tax is imposed", "a 988 fee of ... is imposed"); each rate
  ("24 cents for each radio access line", "$0.40 per month") is read with the line type
  it applies to (radio access line = wireless, switched access line = wireline,
  interconnected VoIP line, prepaid wireless retail transaction), its start date and the
  period ("per month" when the section says so). `current` is the rate in force last
  (the latest start date) for wireless lines, else the first line type seen.
- collection, cap ("may not exceed"), annual adjustment (CPI / inflation), sunset
  ("expires", "sunset"): quotes from the fee sections only.
- trust_fund: a dedicated account or fund with 988 in its name that is created.
- anti_diversion: "may not be used to supplant", "supplement, not supplant", "may only
  be used for" in a section naming the 988 account, fund or fee.
- appropriations: "$N ... is appropriated for the fiscal biennium/year ending ..., from
  the ... 988 ... account" with its purpose ("provided solely for ...").
- study_only: the text mentions 988 and asks for a study, report or workgroup but
  imposes no fee, creates no account and appropriates no 988 money.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from tracker.sections import SectionIndex

EXTRACTOR_VERSION = "provisions988-1"
QUOTE_MAX = 400

_SENTENCE_END = re.compile(r"(?<=[.;:])\s+(?=[A-Z(\[])|\n")
_IMPOSE = re.compile(
    r"988[^.\n]{0,200}?\b(?:tax|fee|surcharge)\b[^.\n]{0,120}?\b(?:is|are|shall be|must be)"
    r"\s+(?:hereby\s+)?(?:imposed|levied|assessed)"
    r"|\b(?:tax|fee|surcharge)\b[^.\n]{0,60}?\b(?:is|shall be)\s+(?:hereby\s+)?"
    r"(?:imposed|levied|assessed)[^.\n]{0,200}?988",
    re.IGNORECASE,
)
_RATE = re.compile(
    r"(?:\$\s?(?P<dollars>\d{1,3}(?:\.\d{1,2})?)|(?P<cents>\d{1,3})\s*cents)"
    r"(?P<after>[^.;\n]{0,160})",
    re.IGNORECASE,
)
_LINE_TYPES = (
    ("voip", re.compile(r"voice over internet protocol|\bvoip\b", re.IGNORECASE)),
    ("prepaid", re.compile(r"prepaid wireless|retail transaction", re.IGNORECASE)),
    ("wireline", re.compile(r"switched access line|wireline|landline", re.IGNORECASE)),
    ("wireless", re.compile(r"radio access line|wireless|commercial mobile", re.IGNORECASE)),
)
_UNITS = {
    "wireless": "per radio access line",
    "wireline": "per switched access line",
    "voip": "per interconnected VoIP line",
    "prepaid": "per retail transaction",
}
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_BEGINNING = re.compile(rf"Beginning\s+(?P<d>(?:{_MONTHS})\s+\d{{1,2}},\s+\d{{4}})")
_THROUGH = re.compile(rf"through\s+(?P<d>(?:{_MONTHS})\s+\d{{1,2}},\s+\d{{4}})")
_PER_MONTH = re.compile(r"per month|each month|monthly", re.IGNORECASE)
_COLLECT = re.compile(r"\b(?:collected from|remitted to|collect from|paid by)\b", re.IGNORECASE)
_CAP = re.compile(r"\b(?:may not|shall not|must not) exceed\b|\bmaximum (?:fee|tax|rate)\b", re.I)
_ADJUST = re.compile(
    r"consumer price index|adjusted annually|annual(?:ly)? adjust|for inflation", re.IGNORECASE
)
_SUNSET = re.compile(r"\bexpires?\b|\bsunset\b|\bis repealed\b|\bterminates?\b", re.IGNORECASE)
_ACCOUNT = re.compile(
    r"(?:the\s+)?(?P<name>[^.;\n]{0,120}?988[^.;\n]{0,120}?\b(?:account|fund|trust fund))"
    r"\s+is\s+(?:hereby\s+)?(?:created|established)",
    re.IGNORECASE,
)
_DIVERT = re.compile(
    r"not\s+(?:be\s+)?used\s+to\s+supplant|supplement,?\s+(?:and\s+)?not\s+supplant"
    r"|may only be used for|shall only be used for|may not be (?:diverted|transferred)",
    re.IGNORECASE,
)
_APPROP = re.compile(
    r"\$(?P<amount>\d{1,3}(?:,\d{3})+|\d+)[^.;]{0,200}?\bappropriated\b"
    r"|\bappropriated\b[^.;]{0,40}?\$(?P<amount2>\d{1,3}(?:,\d{3})+|\d+)",
    re.IGNORECASE,
)
_FY = re.compile(rf"fiscal (?:biennium|year) ending (?P<d>(?:{_MONTHS})\s+\d{{1,2}},\s+\d{{4}})")
_PURPOSE = re.compile(r"provided solely (?:for|to)\s+(?P<p>[^.]{3,300})", re.IGNORECASE)
_STUDY = re.compile(
    r"\b(?:study|studies|feasibility|workgroup|work group|task force|report to the)\b",
    re.IGNORECASE,
)


@dataclass
class Evidence:
    quote: str
    section: str | None
    offset: int


@dataclass
class Rate:
    cents: int
    line_type: str
    unit: str
    starts: str | None
    ends: str | None
    quote: str
    section: str | None


@dataclass
class Appropriation:
    amount: int
    fiscal_period: str | None
    purpose: str | None
    quote: str
    section: str | None


@dataclass
class Provisions:
    fee: dict[str, Any] | None = None
    trust_fund: dict[str, Any] | None = None
    anti_diversion: dict[str, Any] | None = None
    appropriations: list[dict[str, Any]] = field(default_factory=list)
    study_only: dict[str, Any] | None = None
    version: str = EXTRACTOR_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _quote(text: str, start: int, end: int) -> str:
    """The sentence(s) around [start, end), trimmed to QUOTE_MAX characters."""
    left = max(text.rfind("\n", 0, start), text.rfind(". ", 0, start) + 1, 0)
    right_nl = text.find("\n", end)
    right = len(text) if right_nl < 0 else right_nl
    dot = text.find(". ", end)
    if 0 <= dot < right:
        right = dot + 1
    q = " ".join(text[left:right].split())
    if len(q) > QUOTE_MAX:
        rel = max(0, start - left - 80)
        q = ("… " if rel else "") + " ".join(text[left + rel : left + rel + QUOTE_MAX].split())
    return q


def _ev(text: str, index: SectionIndex, start: int, end: int) -> Evidence:
    return Evidence(_quote(text, start, end), index.label_at(start), start)


def _top(label: str | None) -> str | None:
    return label.split("(")[0] if label else None


def _sections(text: str, index: SectionIndex) -> dict[str | None, tuple[int, int]]:
    """Top-level section -> (start, end) offsets."""
    spans: dict[str | None, tuple[int, int]] = {}
    heads = [(o, _top(lab)) for o, lab in index.headings()]
    bounds: list[tuple[int, str | None]] = [(0, None)]
    for o, top in heads:
        if top != bounds[-1][1]:
            bounds.append((o, top))
    for i, (o, top) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(text)
        s, e = spans.get(top, (o, end))
        spans[top] = (min(s, o), max(e, end))
    return spans


def _iso(d: str | None) -> str | None:
    if not d:
        return None
    try:
        return datetime.strptime(" ".join(d.split()), "%B %d, %Y").date().isoformat()
    except ValueError:
        return None


def _line_type(s: str) -> str | None:
    for name, rx in _LINE_TYPES:
        if rx.search(s):
            return name
    return None


def _rates(text: str, start: int, end: int, index: SectionIndex) -> list[Rate]:
    out: list[Rate] = []
    chunk = text[start:end]
    for m in _RATE.finditer(chunk):
        after = m.group("after")
        kind = _line_type(after)
        # A rate names the line it is charged on right after the amount.
        if kind is None or not re.match(r"\s*(?:for|per|on)\b", after, re.IGNORECASE):
            continue
        dollars = m.group("dollars")
        cents = round(float(dollars) * 100) if dollars else int(m.group("cents"))
        line_start = chunk.rfind("\n", 0, m.start()) + 1
        lead = chunk[line_start : m.start()]
        b, t = _BEGINNING.search(lead), _THROUGH.search(lead)
        at = start + m.start()
        out.append(
            Rate(
                cents=cents,
                line_type=kind,
                unit=_UNITS[kind],
                starts=_iso(b.group("d")) if b else None,
                ends=_iso(t.group("d")) if t else None,
                quote=_quote(text, at, start + m.end()),
                section=index.label_at(at),
            )
        )
    return out


def _first(rx: re.Pattern[str], text: str, spans, index: SectionIndex) -> dict | None:  # noqa: ANN001
    for s, e in spans:
        m = rx.search(text, s, e)
        if m:
            return asdict(_ev(text, index, m.start(), m.end()))
    return None


def _current(rates: list[Rate]) -> Rate | None:
    if not rates:
        return None
    kinds = [r.line_type for r in rates]
    kind = "wireless" if "wireless" in kinds else kinds[0]
    mine = [r for r in rates if r.line_type == kind]
    return max(mine, key=lambda r: (r.starts or "", -mine.index(r) * 0))


_STRUCK = re.compile(r"\ue002.*?\ue003|~~.+?~~", re.DOTALL)
_MARK = re.compile(r"[\ue000\ue001]|\*\*")


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def clean(text: str) -> str:
    """Struck runs and mark characters blanked (same length, so offsets still hold)."""
    return _MARK.sub(_blank, _STRUCK.sub(_blank, text))


def extract(text: str) -> Provisions:
    """The 988 provisions of one bill text (see module docstring); struck text is not
    read, so an amendment counts the rates it leaves in force."""
    text = clean(text)
    index = SectionIndex(text)
    spans = _sections(text, index)
    out = Provisions()

    fee_spans = []
    impose_ev = None
    for m in _IMPOSE.finditer(text):
        top = _top(index.label_at(m.start()))
        span = spans.get(top, (0, len(text)))
        if span not in fee_spans:
            fee_spans.append(span)
        if impose_ev is None:
            impose_ev = _ev(text, index, m.start(), m.end())
    if fee_spans:
        rates = [r for s, e in fee_spans for r in _rates(text, s, e, index)]
        monthly = any(_PER_MONTH.search(text, s, e) for s, e in fee_spans)
        cur = _current(rates)
        payers = sorted({r.line_type for r in rates})
        prepaid = _first(re.compile(r"prepaid wireless", re.I), text, fee_spans, index)
        if prepaid and "prepaid" not in payers:
            payers.append("prepaid")
        out.fee = {
            "imposed": asdict(impose_ev) if impose_ev else None,
            "current_cents": cur.cents if cur else None,
            "current_unit": (cur.unit + (" per month" if monthly else "")) if cur else None,
            "current_starts": cur.starts if cur else None,
            "rates": [asdict(r) for r in rates],
            "payers": sorted(payers),
            "monthly": monthly,
            "collection": _first(_COLLECT, text, fee_spans, index),
            "cap": _first(_CAP, text, fee_spans, index),
            "adjustment": _first(_ADJUST, text, fee_spans, index),
            "sunset": _first(_SUNSET, text, fee_spans, index),
        }

    acct = _ACCOUNT.search(text)
    if acct:
        name = " ".join(acct.group("name").split())
        name = re.sub(r"^(?:\d+\.\s*|[a-z]\.\s*)?(?:the\s+)?", "", name, flags=re.IGNORECASE)
        out.trust_fund = {
            "name": name,
            **asdict(_ev(text, index, acct.start(), acct.end())),
        }

    # Prefer the non-supplanting clause of the account's own section, then any
    # supplanting clause near a 988 account, then a use restriction.
    fund_top = _top(out.trust_fund["section"]) if out.trust_fund else None
    found: list[tuple[int, Evidence]] = []
    for m in _DIVERT.finditer(text):
        top = _top(index.label_at(m.start()))
        s, e = spans.get(top, (0, len(text)))
        near = text[max(s, m.start() - 1500) : min(e, m.end() + 300)]
        if "988" not in near and not (out.trust_fund and "account" in near.lower()):
            continue
        rank = (0 if top == fund_top else 2) + (0 if "supplant" in m.group(0).lower() else 1)
        found.append((rank, _ev(text, index, m.start(), m.end())))
    if found:
        out.anti_diversion = asdict(min(found, key=lambda x: (x[0], x[1].offset))[1])

    for para in re.finditer(r"[^\n]+", text):
        p = para.group(0)
        if "appropriated" not in p.lower() or "988" not in p:
            continue
        # Only the amounts drawn from a 988 account, one per sentence.
        for sent in re.split(r"(?<=[.;])\s+", p):
            if "988" not in sent:
                continue
            am = _APPROP.search(sent)
            if not am:
                continue
            amount = int((am.group("amount") or am.group("amount2")).replace(",", ""))
            fy = _FY.search(sent)
            purpose = _PURPOSE.search(p)
            at = para.start() + p.find(sent)
            out.appropriations.append(
                asdict(
                    Appropriation(
                        amount=amount,
                        fiscal_period=_iso(fy.group("d")) if fy else None,
                        purpose=" ".join(purpose.group("p").split()) if purpose else None,
                        quote=_quote(text, at, at + len(sent)),
                        section=index.label_at(at),
                    )
                )
            )

    if "988" in text and not (out.fee or out.trust_fund or out.appropriations):
        for m in _STUDY.finditer(text):
            near = text[max(0, m.start() - 600) : m.end() + 600]
            if "988" in near:
                out.study_only = asdict(
                    Evidence(_quote(text, m.start(), m.end()), index.label_at(m.start()), m.start())
                )
                break
    return out


def summary(p: dict[str, Any]) -> dict[str, Any]:
    """Flat fields for tables and exports."""
    fee = p.get("fee") or {}
    return {
        "fee_cents": fee.get("current_cents"),
        "fee_unit": fee.get("current_unit"),
        "payers": ", ".join(fee.get("payers") or []),
        "trust_fund": (p.get("trust_fund") or {}).get("name"),
        "anti_diversion": bool(p.get("anti_diversion")),
        "appropriations": sum(a["amount"] for a in p.get("appropriations") or []),
        "study_only": bool(p.get("study_only")),
    }


def money(cents: int | None) -> str:
    return "not found" if cents is None else f"${cents / 100:.2f}"


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed in the 988 provisions between two versions, worst news first; empty
    when nothing an advocate watches changed (fee amount, fee/account/non-supplanting
    clause added or removed, a fee bill turned into a study bill)."""
    changes: list[str] = []
    of, nf = old.get("fee"), new.get("fee")
    period = " per line per month" if (nf or of or {}).get("monthly") else " per line"
    if of and not nf:
        changes.append(
            "fee bill turned into a study bill" if new.get("study_only") else "fee removed"
        )
    elif nf and not of:
        changes.append(f"fee added: {money(nf['current_cents'])}{period}")
    elif of and nf and of["current_cents"] != nf["current_cents"]:
        a, b = of["current_cents"], nf["current_cents"]
        if a is not None and b is not None:
            verb = "lowered" if b < a else "raised"
            changes.append(f"fee {verb} from {money(a)} to {money(b)}{period}")
    for key, label in (("trust_fund", "trust fund"), ("anti_diversion", "anti-diversion clause")):
        if old.get(key) and not new.get(key):
            changes.append(f"{label} removed")
        elif new.get(key) and not old.get(key):
            changes.append(f"{label} added")
    if not changes:
        return []
    if old.get("trust_fund") and new.get("trust_fund"):
        changes.append("trust fund kept")
    return changes

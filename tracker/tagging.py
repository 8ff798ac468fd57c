"""The topic tagger: pure functions over a bill's title, abstract, subjects and text.

`tag_bill(title, abstract, subjects, text)` returns the topics a bill is about, each
with a confidence in [0, 1] and evidence: the field, character offsets and the quoted
sentence, so `field_text[start:end] == quote` always holds. For `subjects` the field
text is the subjects joined with "; " (`subjects_text(subjects)`).

The rules live in a taxonomy file (tracker/taxonomy/default.yaml); this module is the
engine. The whole taxonomy is one compiled regex, so each field is scanned once; the
sentence around each hit is found locally (never by splitting the whole text), which
keeps full-text tagging proportional to the number of hits, not the document size.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from tracker import textscan
from tracker.sections import SectionIndex
from tracker.taxonomy import FIELDS, Rule, Taxonomy, load_taxonomy

SUBJECT_SEPARATOR = "; "
MAX_EVIDENCE = 5
# How far to look for a sentence's edges around a hit; longer runs (statute text with
# no full stop) are cut at a word boundary, so a quote is never a whole document.
_MAX_HALF_SENTENCE = 1000
_REPEAT_CAP = 3
_NEAR = 200  # the first, short look back for a sentence start
SUMMARY_FIELDS = ("title", "abstract", "subjects")
_HIT_ORDER = itemgetter(0, 1, 2)  # (field rank, -weight, sentence start, sentence)

# A full stop, question or exclamation mark (plus closing quotes/brackets) before
# whitespace, or a blank line. Abbreviations are filtered in `_is_boundary`.
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*(?=\s)|\n[ \t]*\n")
# The same matches, found faster: each alternative on its own starts with a literal
# (which `re` searches for quickly), and their matches never overlap (a full stop run
# holds no newline, a blank line no full stop), so the sorted union is `_BOUNDARY`'s.
_BOUNDARY_PARTS = tuple(
    re.compile(p)
    for p in (r"\.[\"'”’)\]]*(?=\s)", r"![\"'”’)\]]*(?=\s)", r"\?[\"'”’)\]]*(?=\s)", r"\n[ \t]*\n")
)
_SUBJECT_BOUNDARY = re.compile(r";(?= )|\n")
_ABBREVIATIONS = (
    "No Nos Sec Secs Sen Rep Reps Dr Mr Ms Mrs St Inc Co Corp Jr Sr v vs etc Stat Supp Ann Gen"
    " Art Ch Subd Para approx Dept Gov Lt Hon Mt Ft Jan Feb Mar Apr Aug Sept Sep Oct Nov Dec cf"
    " al ed Pub Ref Vol pp para subsec cl"
).split()
_ABBREV = re.compile(
    rf"(?:\b[A-Za-z]|\b(?:{'|'.join(_ABBREVIATIONS)})|\w\.\w"
    r"|\b(?:sec|section|§)\.?\s*\d+[a-z]?)\.$",
    re.IGNORECASE,
)
_ABBREVIATIONS_LOWER = frozenset(a.lower() for a in _ABBREVIATIONS)
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))
# The whole word ending where the search ends, when it is short enough to be one.
_SHORT_WORD_BEFORE = re.compile(rf"(?<!\w)\w{{2,{_LONGEST_ABBREVIATION}}}$")


@dataclass(frozen=True)
class Evidence:
    """Where a topic was found: `field_text[start:end] == quote`.

    In the `text` field, `section` is the bill's own label for the passage ("SEC. 3(b)",
    "Section 14", see tracker.sections) when the text has headings, and `at` is how far
    into the text the passage starts (0 = the top, 1 = the end).
    """

    field: str
    start: int
    end: int
    quote: str
    section: str | None = None
    at: float | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (`section` and `at` only for the text field)."""
        out: dict[str, object] = {
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
        }
        if self.field == "text":
            out["section"] = self.section
            out["at"] = self.at
        return out


@dataclass(frozen=True)
class TopicTag:
    """One assigned topic: confidence, evidence sentences and the rules that fired."""

    topic: str
    score: float
    evidence: tuple[Evidence, ...]
    rules: tuple[str, ...] = field(default=())

    def as_dict(self, explain: bool = False) -> dict[str, object]:
        """JSON-ready form (`explain` adds the rule ids)."""
        out: dict[str, object] = {
            "topic": self.topic,
            "score": self.score,
            "evidence": [e.as_dict() for e in self.evidence],
        }
        if explain:
            out["rules"] = list(self.rules)
        return out


def subjects_text(subjects: Iterable[str] | None) -> str:
    """The `subjects` field text that evidence offsets point into."""
    return SUBJECT_SEPARATOR.join(s.strip() for s in (subjects or ()) if s and s.strip())


def _is_boundary(text: str, m: re.Match[str]) -> bool:
    return _is_real_boundary(text, m.start(), m.end())


def _is_real_boundary(text: str, start: int, end: int) -> bool:
    """A boundary match text[start:end] ends a sentence (not "Sec." or "approx. five")."""
    if text[start] != ".":
        return True
    if _abbreviation_before(text, start):
        return False
    # "approx. five": a lower-case continuation is not a new sentence.
    j = end
    n = len(text)
    while j < n and text[j].isspace():
        j += 1
    return not (j < n and text[j].islower())


def _is_real_full_stop(text: str, start: int, end: int) -> bool:
    """`_is_real_boundary(text, start, end)` for a full stop match text[start:end], the
    common cases settled without a call: seven letters before the stop are a word longer
    than any abbreviation (no alternative of `_ABBREV` can end there: each starts at a
    word edge within the last six characters or needs a digit or a full stop)."""
    # A full stop match is followed by whitespace (its `(?=\\s)`).
    n = len(text)
    j = end + 1
    while j < n and text[j].isspace():
        j += 1
    if j < n and text[j].islower():
        return False
    if start >= 7 and text[start - 7 : start].isalpha():
        return True
    return not _abbreviation_before(text, start)


def _is_word(ch: str) -> bool:
    """Python's `\\w` for one character."""
    return ch.isalnum() or ch == "_"


def _abbreviation_before(text: str, i: int) -> bool:
    """`_ABBREV.search(text, max(0, i - 16), i + 1)` for the full stop at text[i], with the
    regex run only in the few cases the characters before the stop leave open.

    Every alternative of `_ABBREV` puts a word character right before the stop:
    - a letter after a non-word character is `\\b[A-Za-z]\\.`;
    - two letters can only end one of `_ABBREVIATIONS`, which is then the whole word (it
      follows `\\b`);
    - a digit is `\\w\\.\\w\\.` or the end of `(?:sec|section|§)\\.?\\s*\\d+`, whose
      digits follow (spaces and a full stop after) a "c", an "n" or a "§".
    Anything else (non-ASCII: IGNORECASE folds "ſ" to "s"; an underscore) asks the regex.
    """
    c1 = text[i - 1] if i else " "
    if not _is_word(c1):
        return False
    c2 = text[i - 2] if i > 1 else " "
    if c1.isascii() and c1.isalpha():
        if not _is_word(c2):
            return True
        if c2.isascii() and c2.isalpha():
            short = _SHORT_WORD_BEFORE.search(text, max(0, i - _LONGEST_ABBREVIATION), i)
            if short is None:  # the word before the stop is longer than any abbreviation
                return False
            word = short.group()
            if word.isascii():
                return word.lower() in _ABBREVIATIONS_LOWER
    elif "0" <= c1 <= "9":
        if c2 == "." and i > 2 and _is_word(text[i - 3]):
            return True
        k = i - 1
        while k > 0 and "0" <= text[k - 1] <= "9":
            k -= 1
        while k > 0 and text[k - 1].isspace():
            k -= 1
        if k > 0 and text[k - 1] == ".":
            k -= 1
        if not k or (text[k - 1] not in "cCnN§" and text[k - 1].isascii()):
            return False
    return _ABBREV.search(text, max(0, i - 16), i + 1) is not None


def _last_boundary_end(text: str, lo: int, start: int, boundary: re.Pattern[str]) -> int:
    """End of the last real sentence boundary in text[lo:start], else `lo`.

    Looks back a short way first. The short scan starts just after a letter or digit,
    which no boundary match contains, so no match straddles its start and it finds
    exactly the matches the long scan finds there; only when none is a real boundary
    does the long scan run.
    """
    near = start - _NEAR
    while near > lo and not text[near - 1].isalnum():
        near -= 1
    for first in (near, lo) if near > lo else (lo,):
        for m in reversed(list(boundary.finditer(text, first, start))):
            if _is_boundary(text, m):
                return m.end()
    return lo


def _first_boundary(text: str, end: int, hi: int, boundary: re.Pattern[str]) -> int | None:
    """Where the sentence holding text[..end] stops within text[end:hi], else None."""
    for m in boundary.finditer(text, end, hi):
        if _is_boundary(text, m):
            return m.end() if m.group(0)[0] in ".!?" else m.start()
    return None


class _Boundaries:
    """Every boundary match of one field's text, found in one scan; sentence edges are
    then looked up by bisection instead of scanning around each hit.

    The scans above run on a slice, `boundary.finditer(text, lo, hi)`; they find the
    whole-text matches that lie inside it, except that a match ending exactly at `hi`
    counts only when it is a blank line (a full stop's `(?=\\s)` cannot look past `hi`).
    A blank-line match that straddles `lo` could shift the slice's matches: then the
    slice is scanned as before.
    """

    def __init__(self, text: str, boundary: re.Pattern[str]) -> None:
        self.text = text
        self.boundary = boundary
        parts = _BOUNDARY_PARTS if boundary is _BOUNDARY else (boundary,)
        found = sorted(m.span() for rx in parts for m in rx.finditer(text))
        self.starts: Sequence[int] = ()
        self.ends: Sequence[int] = ()
        if found:
            self.starts, self.ends = zip(*found, strict=True)
        self.real: dict[int, bool] = {}  # match index -> is it a real boundary, once known
        self.subjects = boundary is _SUBJECT_BOUNDARY

    def last_end(self, lo: int, start: int) -> int:
        """`_last_boundary_end(text, lo, start, boundary)`."""
        text, starts, ends, real = self.text, self.starts, self.ends, self.real
        first = bisect_left(starts, lo)
        if first and ends[first - 1] > lo and text[starts[first - 1]] == "\n":
            return _last_boundary_end(text, lo, start, self.boundary)  # straddles `lo`
        k = bisect_left(ends, start, first)  # one past the last match ending before `start`
        if k < len(ends) and ends[k] == start and text[starts[k]] == "\n":
            k += 1
        while k > first:
            k -= 1
            is_real = real.get(k)
            if is_real is None:
                is_real = real[k] = text[starts[k]] != "." or _is_real_full_stop(
                    text, starts[k], ends[k]
                )
            if is_real:
                return ends[k]
        return lo

    def first_stop(self, end: int, hi: int) -> int | None:
        """`_first_boundary(text, end, hi, boundary)`."""
        text, starts, ends, real = self.text, self.starts, self.ends, self.real
        k = bisect_left(starts, end)
        if k and ends[k - 1] > end and text[starts[k - 1]] == "\n":
            return _first_boundary(text, end, hi, self.boundary)  # straddles `end`
        stop = bisect_left(ends, hi, k)
        if stop < len(ends) and ends[stop] == hi and text[starts[stop]] == "\n":
            stop += 1
        while k < stop:
            is_real = real.get(k)
            if is_real is None:
                is_real = real[k] = text[starts[k]] != "." or _is_real_full_stop(
                    text, starts[k], ends[k]
                )
            if is_real:
                return ends[k] if text[starts[k]] in ".!?" else starts[k]
            k += 1
        return None

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """`_sentence_around(text, start, end, self)`: `last_end` and `first_stop` in one
        (the common case inline; a straddling blank line goes to the slice scans)."""
        text, starts, ends, real = self.text, self.starts, self.ends, self.real
        n, count = len(text), len(starts)
        lo = start - _MAX_HALF_SENTENCE
        if lo < 0:
            lo = 0
        # Where the sentence starts: the end of the last real boundary in text[lo:start].
        first = bisect_left(starts, lo)
        if first and ends[first - 1] > lo and text[starts[first - 1]] == "\n":
            s = _last_boundary_end(text, lo, start, self.boundary)  # straddles `lo`
        else:
            s = lo
            k = bisect_left(ends, start, first)
            if k < count and ends[k] == start and text[starts[k]] == "\n":
                k += 1
            while k > first:
                k -= 1
                is_real = real.get(k)
                if is_real is None:
                    is_real = real[k] = text[starts[k]] != "." or _is_real_full_stop(
                        text, starts[k], ends[k]
                    )
                if is_real:
                    s = ends[k]
                    break
        if s == lo and lo > 0:  # cut mid-sentence: start at a word
            sp = text.find(" ", lo, start)
            s = sp + 1 if sp != -1 else start
        # Where it stops: the first real boundary in text[end:hi].
        hi = end + _MAX_HALF_SENTENCE
        if hi > n:
            hi = n
        k = bisect_left(starts, end)
        e: int | None = None
        if k and ends[k - 1] > end and text[starts[k - 1]] == "\n":
            e = _first_boundary(text, end, hi, self.boundary)  # straddles `end`
        else:
            stop = bisect_left(ends, hi, k)
            if stop < count and ends[stop] == hi and text[starts[stop]] == "\n":
                stop += 1
            while k < stop:
                is_real = real.get(k)
                if is_real is None:
                    is_real = real[k] = text[starts[k]] != "." or _is_real_full_stop(
                        text, starts[k], ends[k]
                    )
                if is_real:
                    e = ends[k] if text[starts[k]] in ".!?" else starts[k]
                    break
                k += 1
        if e is None:
            e = hi
            if hi < n:
                sp = text.rfind(" ", end, hi)
                e = sp if sp != -1 else end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if self.subjects and e > s and text[e - 1] == ";":
            e -= 1
        return s, e


def _sentence_around(text: str, start: int, end: int, edges: _Boundaries) -> tuple[int, int]:
    """The span of the sentence holding text[start:end], trimmed of outer whitespace
    (what `_Boundaries.sentence` does in one; kept as its reference, see the tests)."""
    lo = max(0, start - _MAX_HALF_SENTENCE)
    s = edges.last_end(lo, start)
    if s == lo and lo > 0:  # cut mid-sentence: start at a word
        sp = text.find(" ", lo, start)
        s = sp + 1 if sp != -1 else start
    hi = min(len(text), end + _MAX_HALF_SENTENCE)
    e = edges.first_stop(end, hi)
    if e is None:
        e = hi
        if hi < len(text):
            sp = text.rfind(" ", end, hi)
            e = sp if sp != -1 else end
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if edges.boundary is _SUBJECT_BOUNDARY and e > s and text[e - 1] == ";":
        e -= 1
    return s, e


@dataclass(slots=True)
class _Sentence:
    field: str
    start: int
    end: int
    groups: set[str]


def _scan(
    taxonomy: Taxonomy, fields: Sequence[tuple[str, str]], prefilter: bool = True
) -> list[_Sentence]:
    # What each group's match adds to its sentence; `neg_` groups (bill numbers and the
    # like) only keep the text they cover from matching anything else.
    adds = {g: imp for g, imp in taxonomy.implied.items() if not g.startswith("neg_")}
    out: list[_Sentence] = []
    for name, text in fields:
        if not text:
            continue
        boundary = _SUBJECT_BOUNDARY if name == "subjects" else _BOUNDARY
        edges: _Boundaries | None = None
        cur: _Sentence | None = None
        if prefilter:
            found = textscan.spans(taxonomy, text)
        else:
            found = [(m.start(), m.end(), m.lastgroup) for m in taxonomy.regex.finditer(text)]
        for ms, me, g in found:
            more = adds.get(g)  # type: ignore[arg-type]
            if more is None:
                continue
            if cur is None or ms >= cur.end:
                if edges is None:
                    edges = _Boundaries(text, boundary)
                s, e = edges.sentence(ms, me)
                cur = _Sentence(name, s, e, set())
                out.append(cur)
            cur.groups |= more
    return out


_RULE_INDEXES: dict[int, tuple[Taxonomy, dict[str, list[tuple[int, int]]]]] = {}


def _rule_index(tax: Taxonomy) -> dict[str, list[tuple[int, int]]]:
    """group -> (topic index, rule position) of every rule naming it in `all` or `any`."""
    cached = _RULE_INDEXES.get(id(tax))
    if cached is not None and cached[0] is tax:
        return cached[1]
    index: dict[str, list[tuple[int, int]]] = {}
    for ti, topic in enumerate(tax.topics):
        for pos, rule in enumerate(topic.rules):
            for g in rule.all | rule.any:
                index.setdefault(g, []).append((ti, pos))
    _RULE_INDEXES[id(tax)] = (tax, index)
    return index


_FIRINGS: dict[tuple[int, frozenset[str]], tuple[Taxonomy, dict]] = {}
# Bounds on what is remembered: group sets per (taxonomy, context) and contexts, at most
# 16,000 entries (about 10 MB at worst; the 39 real texts need 378).
_MAX_FIRING = 1_000
_MAX_CONTEXTS = 16


def _firing_cache(
    tax: Taxonomy, context: frozenset[str]
) -> dict[frozenset[str], list[tuple[int, list[Rule], float]]]:
    """Group set -> (topic index, the rules it fires in the topic's order, heaviest
    weight), remembered per taxonomy and summary-field context."""
    cached = _FIRINGS.get((id(tax), context))
    if cached is not None and cached[0] is tax:
        return cached[1]
    if len(_FIRINGS) >= _MAX_CONTEXTS:
        _FIRINGS.clear()
    firing: dict[frozenset[str], list[tuple[int, list[Rule], float]]] = {}
    _FIRINGS[(id(tax), context)] = (tax, firing)
    return firing


def _rule_fires(rule: Rule, groups: set[str], context: set[str]) -> bool:
    if not rule.all <= groups:
        return False
    if rule.any and rule.any.isdisjoint(groups):
        return False
    if rule.not_ and not rule.not_.isdisjoint(groups):
        return False
    if rule.context and not rule.context <= (context | groups):
        return False
    if rule.context_any and rule.context_any.isdisjoint(context | groups):
        return False
    return True


def tag_bill(
    title: str | None = "",
    abstract: str | None = "",
    subjects: Iterable[str] | None = (),
    text: str | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    prefilter: bool = True,
) -> list[TopicTag]:
    """Topics for one bill, each with a score and the sentences that justify it.

    `prefilter=False` scans every field with the taxonomy regex alone (the reference the
    Hyperscan prefilter in `tracker.textscan` must equal; used by tests and the bench).
    """
    tax = taxonomy or load_taxonomy()
    fields = (
        ("title", title or ""),
        ("abstract", abstract or ""),
        ("subjects", subjects_text(subjects)),
        ("text", text or ""),
    )
    sentences = _scan(tax, fields, prefilter)
    if not sentences:
        return []
    context: set[str] = set()
    for sent in sentences:
        if sent.field in SUMMARY_FIELDS:
            context |= sent.groups

    # Per topic, the sentences where its rules fire, with those rules in the topic's
    # order. Only rules naming one of a sentence's groups in `all`/`any` can fire, so
    # only those are tried (a long text has thousands of sentences, the taxonomy ~200
    # rules).
    index = _rule_index(tax)
    topics = tax.topics
    fw = tax.field_weights
    field_rank = {f: i for i, f in enumerate(FIELDS)}
    # Sentences with the same groups fire the same rules (the context is the bill's):
    # per distinct group set, the topics it fires with their rules (in the topic's order)
    # and the heaviest weight; per (field, group set), how many sentences have it.
    # Kept across bills: the same group sets come back in bill after bill.
    firing = _firing_cache(tax, frozenset(context))
    seen: dict[tuple[str, frozenset[str]], int] = {}
    hits: dict[int, list[tuple[int, float, int, _Sentence]]] = {}
    for sent in sentences:
        key = frozenset(sent.groups)
        fires = firing.get(key)
        if fires is None:
            by_topic: dict[int, list[Rule]] = {}
            for ti, pos in sorted({c for g in key for c in index.get(g, ())}):
                rule = topics[ti].rules[pos]
                if _rule_fires(rule, sent.groups, context):
                    by_topic.setdefault(ti, []).append(rule)
            fires = [
                (ti, rules, max(0.0, *(r.weight for r in rules))) for ti, rules in by_topic.items()
            ]
            if len(firing) >= _MAX_FIRING:
                firing.clear()
            firing[key] = fires
        if not fires:
            continue
        seen_key = (sent.field, key)
        seen[seen_key] = seen.get(seen_key, 0) + 1
        rank, weight = field_rank[sent.field], fw[sent.field]
        for ti, _rules, best in fires:
            if best:
                hits.setdefault(ti, []).append((rank, -best * weight, sent.start, sent))

    # Per topic, (rule id, field) -> (weight, sentences), in the order the sentences
    # first fire them (the order the miss probabilities are multiplied in).
    counts: dict[int, dict[tuple[str, str], tuple[float, int]]] = {}
    for (fname, key), n_sent in seen.items():
        for ti, rules, _best in firing[key]:
            topic_counts = counts.setdefault(ti, {})
            for rule in rules:
                ck = (rule.id, fname)
                w, n = topic_counts.get(ck, (rule.weight, 0))
                topic_counts[ck] = (max(w, rule.weight), n + n_sent)

    own: dict[str, tuple[float, list[tuple[int, float, int, _Sentence]], list[str]]] = {}
    for ti, topic in enumerate(topics):
        topic_counts = counts.get(ti)
        if not topic_counts:
            continue
        miss = 1.0
        for (_rule, fname), (w, n) in topic_counts.items():
            # A weak rule repeated ("the youth mental health crisis" twice) is still weak.
            repeats = min(n, _REPEAT_CAP) if w >= 0.5 else 1
            miss *= (1.0 - w * fw[fname]) ** repeats
        own[topic.id] = (1.0 - miss, hits.get(ti, []), sorted({r for r, _ in topic_counts}))

    return _assign(tax, own, dict(fields))


def _assign(
    tax: Taxonomy,
    own: dict[str, tuple[float, list[tuple[int, float, int, _Sentence]], list[str]]],
    texts: dict[str, str],
) -> list[TopicTag]:
    threshold = tax.threshold
    scores = {tid: v[0] for tid, v in own.items()}
    hits = {tid: list(v[1]) for tid, v in own.items()}
    rules = {tid: list(v[2]) for tid, v in own.items()}
    parents = {t.id: t.parent for t in tax.topics}

    def depth(tid: str) -> int:
        d, cur = 0, parents.get(tid)
        while cur is not None:
            d, cur = d + 1, parents.get(cur)
        return d

    # Children first, so a subtopic raises its parent and the parent raises the umbrella.
    for tid in sorted(scores, key=depth, reverse=True):
        parent = parents.get(tid)
        if parent is None or scores[tid] < threshold:
            continue
        if scores[tid] > scores.get(parent, 0.0):
            scores[parent] = scores[tid]
        hits.setdefault(parent, []).extend(hits[tid])
        for r in rules[tid]:
            if r not in rules.setdefault(parent, []):
                rules[parent].append(r)

    chosen: list[tuple[str, float, list[_Sentence]]] = []
    for topic in tax.topics:
        score = scores.get(topic.id, 0.0)
        if score < threshold:
            continue
        seen: set[tuple[str, int]] = set()
        picked: list[_Sentence] = []
        # By field, weight, then position (a stable sort: ties keep the order found).
        for *_key, sent in sorted(hits[topic.id], key=_HIT_ORDER):
            key = (sent.field, sent.start)
            if key in seen:
                continue
            seen.add(key)
            picked.append(sent)
            if len(picked) >= MAX_EVIDENCE:
                break
        chosen.append((topic.id, score, picked))
    # Text evidence gets its section label; the text is indexed only as far as the last
    # evidence (headings after it cannot label it).
    text = texts.get("text") or ""
    starts = [sent.start for _t, _s, picked in chosen for sent in picked if sent.field == "text"]
    sections = SectionIndex(text, max(starts)) if starts else None
    out: list[TopicTag] = []
    for tid, score, picked in chosen:
        evidence = []
        for sent in picked:
            quote = texts[sent.field][sent.start : sent.end]
            if sent.field == "text" and sections is not None:
                section = sections.label_at(sent.start)
                at = round(sent.start / len(text), 3)
                evidence.append(Evidence("text", sent.start, sent.end, quote, section, at))
            else:
                evidence.append(Evidence(sent.field, sent.start, sent.end, quote))
        out.append(TopicTag(tid, round(score, 3), tuple(evidence), tuple(rules[tid])))
    return out


def topics_of(tags: Iterable[TopicTag]) -> list[str]:
    """Just the topic ids of a tag list."""
    return [t.topic for t in tags]

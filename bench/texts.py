"""Text extraction speed and memory: pages/s for PDF, MB/s for HTML/XML, peak RSS.

PDF: a 300+ page bill built by joining the 14 real Missouri bill PDFs (inside the LegiScan
getBillText responses in demo/texts/mo/) until it passes 300 pages. Measured in the same
run: our extractor (pypdfium2 + line-number/header stripping + marks + sections), bare
pypdfium2 text, pypdf's extract_text and pdfminer.six (when installed). XML: the real
GPO bill-DTD and USLM files; HTML: the real LegiScan HTML texts; each against bare lxml
(parse + itertext) in the same run. Memory: peak RSS of a child process extracting
PDFs of growing size (it should grow with the text kept, not with the pages).

Run: .venv/bin/python bench/texts.py   (prints Markdown for bench/RESULTS.md)

Memory on big documents: .venv/bin/python bench/texts.py --memory [--before COMMIT]
builds REPLICATED PDFs of 20, 100 and 200 MB (the real Missouri bill pages repeated until
the file is that large; no real bill is that long) and reports the peak RSS growth of
extracting each in a fresh child process, for this checkout's extractor and (with
`--before`) tracker/textextract.py as it was at COMMIT, run in the same way.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.textextract import extract  # noqa: E402

MO = ROOT / "demo" / "texts" / "mo"
US = ROOT / "tests" / "fixtures" / "texts" / "us"
LEGISCAN_HTML = ROOT / "tests" / "fixtures" / "legiscan" / "text"


def mo_pdfs() -> list[bytes]:
    return [
        base64.b64decode(json.loads(p.read_text())["text"]["doc"])
        for p in sorted(MO.glob("*.json"))
    ]


def build_pdf(pages_wanted: int) -> bytes:
    """Real MO bill pages joined (pypdfium2 import_pages) to at least `pages_wanted`."""
    import pypdfium2 as pdfium

    sources = [pdfium.PdfDocument(b) for b in mo_pdfs()]
    out = pdfium.PdfDocument.new()
    while len(out) < pages_wanted:
        for src in sources:
            out.import_pages(src)
            if len(out) >= pages_wanted:
                break
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        out.save(tmp.name)
        data = Path(tmp.name).read_bytes()
    out.close()
    for src in sources:
        src.close()
    return data


def build_pdf_mb(mb: float) -> tuple[bytes, int]:
    """REPLICATED: real MO bill pages repeated until the PDF is at least `mb` MB
    (bytes, pages)."""
    import pypdfium2 as pdfium

    sample = build_pdf(300)
    per_page = len(sample) / len(pdfium.PdfDocument(sample))
    pages = int(mb * 1e6 / per_page) + 1
    data = build_pdf(pages)
    while len(data) < mb * 1e6:
        pages = int(pages * 1.02) + 1
        data = build_pdf(pages)
    return data, pages


def timed(func, *args, repeat: float = 1.0) -> float:  # noqa: ANN001
    """Seconds per call (best of the calls made in about `repeat` seconds)."""
    best = float("inf")
    spent = 0.0
    while spent < repeat or best == float("inf"):
        start = time.perf_counter()
        func(*args)
        took = time.perf_counter() - start
        best, spent = min(best, took), spent + took
    return best


def bare_pdfium(data: bytes) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    parts = []
    for i in range(len(doc)):
        page = doc[i]
        textpage = page.get_textpage()
        parts.append(textpage.get_text_range())
        textpage.close()
        page.close()
    doc.close()
    return "".join(parts)


def bare_pypdf(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def bare_pdfminer(data: bytes) -> str:
    import io

    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def bare_lxml_xml(data: bytes) -> str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return " ".join(etree.fromstring(data, parser=parser).itertext())


def bare_lxml_html(data: bytes) -> str:
    import lxml.html

    return lxml.html.document_fromstring(data).text_content()


RSS_CHILD = """
import os, sys
sys.path.insert(0, {root!r})
from tracker.textextract import extract
def status(name):
    # VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec).
    for line in open("/proc/self/status"):
        if line.startswith(name + ":"):
            return int(line.split()[1])
fd = os.open({path!r}, os.O_RDONLY)
data = os.read(fd, os.fstat(fd).st_size)  # one allocation of exactly the file's size
mode = {mode!r}
if mode.startswith("before:"):  # an earlier tracker/textextract.py, loaded from a file
    import importlib.util
    spec = importlib.util.spec_from_file_location("textextract_before", mode[7:])
    before_module = importlib.util.module_from_spec(spec)
    sys.modules["textextract_before"] = before_module  # dataclasses look their module up
    spec.loader.exec_module(before_module)
    before_module.MAX_PDF_PAGES = 10**6
before = status("VmHWM")
if mode == "ours":
    chars = len(extract(data, max_bytes=10**10, max_pages=10**6).text)
elif mode.startswith("before:"):
    import inspect
    limits = dict(max_bytes=10**10)
    if "max_pages" in inspect.signature(before_module.extract).parameters:
        limits["max_pages"] = 10**6
    chars = len(before_module.extract(data, **limits).text)
else:  # bare pypdfium2, one document handle for all pages
    from bench.texts import bare_pdfium
    chars = len(bare_pdfium(data))
print(before, status("VmHWM"), chars)
"""


def peak_rss(data: bytes, mode: str = "ours") -> tuple[float, float, int]:
    """(RSS before extraction, peak RSS after, chars) in MB, in a fresh child process."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        Path(tmp.name).write_bytes(data)
        out = subprocess.run(
            [sys.executable, "-c", RSS_CHILD.format(root=str(ROOT), path=tmp.name, mode=mode)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    before, after, chars = int(out[0]), int(out[1]), int(out[2])
    return before / 1024, after / 1024, chars  # KB -> MB


def main() -> None:
    """Run every measurement and print Markdown."""
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    cpu = platform.processor() or platform.machine()
    print("### Text extraction\n")
    print(f"Measured {stamp} on {platform.node()} ({cpu}, Python {platform.python_version()}).\n")
    pdf = build_pdf(300)
    import pypdfium2 as pdfium

    pages = len(pdfium.PdfDocument(pdf))
    print(f"PDF: {pages} pages ({len(pdf) / 1e6:.1f} MB) of real Missouri bill PDFs.\n")
    print("| PDF extractor | s | pages/s | vs bare pypdfium2 |")
    print("|---|---|---|---|")
    # Alternate ours and the floor, best of three each: the machine is shared.
    ours_runs, floor_runs = [], []
    for _ in range(3):
        ours_runs.append(timed(extract, pdf, repeat=0))
        floor_runs.append(timed(bare_pdfium, pdf, repeat=0))
    floor = min(floor_runs)
    rows = [("ours: extract() (pypdfium2 + stripping, marks, sections)", min(ours_runs))]
    rows.append(("bare pypdfium2 get_text_range", floor))
    rows.append(("pypdf extract_text", timed(bare_pypdf, pdf, repeat=0)))
    try:
        rows.append(("pdfminer.six extract_text", timed(bare_pdfminer, pdf, repeat=0)))
    except ImportError:
        pass
    for name, secs in rows:
        print(f"| {name} | {secs:.2f} | {pages / secs:,.0f} | {secs / floor:.2f}x |")
    print()
    xml = [p.read_bytes() for p in sorted(US.glob("*.xml")) + sorted(US.glob("*.XML"))]
    html = [
        base64.b64decode(json.loads(p.read_text())["text"]["doc"])
        for p in sorted(LEGISCAN_HTML.glob("*.json"))
    ]
    print("| markup | MB | ours MB/s | bare lxml MB/s | ours / bare time |")
    print("|---|---|---|---|---|")
    for label, docs, bare in (
        ("XML (GPO, USLM)", xml, bare_lxml_xml),
        ("HTML", html, bare_lxml_html),
    ):
        size = sum(len(d) for d in docs) / 1e6
        ours = timed(lambda ds=docs: [extract(d) for d in ds])
        base = timed(lambda ds=docs, f=bare: [f(d) for d in ds])
        print(
            f"| {label} | {size:.3f} | {size / ours:.1f} | {size / base:.1f} | {ours / base:.2f}x |"
        )
    print()
    print("| PDF pages | MB | text MB | ours: RSS growth MB | bare pypdfium2: RSS growth MB |")
    print("|---|---|---|---|---|")
    for wanted in (300, 1200, 4800):
        data = pdf if wanted == 300 else build_pdf(wanted)
        before, after, chars = peak_rss(data)
        bare_before, bare_after, _ = peak_rss(data, "bare")
        print(
            f"| {wanted} | {len(data) / 1e6:.1f} | {chars / 1e6:.1f} "
            f"| {after - before:.0f} | {bare_after - bare_before:.0f} |"
        )
    print("\nRSS from /proc/self/status (VmHWM, the peak) of a fresh child process per row.")


def memory(before_commit: str | None) -> None:
    """Peak RSS growth extracting REPLICATED 20/100/200 MB PDFs, ours and (optionally)
    the extractor at `before_commit`; prints Markdown."""
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(
        f"Measured {stamp} on {platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}), load average {os.getloadavg()[0]:.1f}.\n"
    )
    before_path = None
    if before_commit:
        src = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{before_commit}:tracker/textextract.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        before_path = Path(tempfile.mkdtemp()) / "textextract_before.py"
        before_path.write_text(src)
    head = "| PDF (REPLICATED) | pages | text M chars | ours: peak RSS growth MB | ours: s |"
    rule = "|---|---|---|---|---|"
    if before_path:
        head += f" before ({before_commit[:7]}): peak RSS growth MB | before: s |"
        rule += "---|---|"
    print(head)
    print(rule)
    for mb in (20, 100, 200):
        data, pages = build_pdf_mb(mb)
        t0 = time.perf_counter()
        before, after, chars = peak_rss(data)
        row = (
            f"| {len(data) / 1e6:.1f} MB | {pages} | {chars / 1e6:.1f} | {after - before:.0f} "
            f"| {time.perf_counter() - t0:.0f} |"
        )
        if before_path:
            t0 = time.perf_counter()
            b0, b1, _ = peak_rss(data, f"before:{before_path}")
            row += f" {b1 - b0:.0f} | {time.perf_counter() - t0:.0f} |"
        print(row, flush=True)
    print(
        "\nREPLICATED: the 14 real Missouri bill PDFs' pages repeated to reach the size (no "
        "real bill is this long). Peak RSS growth = VmHWM after minus VmHWM before the "
        "extraction, in a fresh child process that has already read the file; s = wall "
        "seconds of that child (the machine is shared). Text is capped at "
        "MAX_CHARS = 10 M characters while the pages are read (ours)."
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--memory", action="store_true", help="only the 20/100/200 MB memory table")
    ap.add_argument("--before", help="also measure tracker/textextract.py at this commit")
    args = ap.parse_args()
    if args.memory:
        memory(args.before)
    else:
        main()

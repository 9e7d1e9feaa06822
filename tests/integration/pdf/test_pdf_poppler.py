#!/usr/bin/env python3
"""Checks the rendered imaging reports with independent readers: poppler-utils (pdffonts,
pdfinfo, pdftotext, pdfimages, pdftoppm), dmtx-utils (dmtxread) and fontTools (the embedded
TrueType programs against the PDF font dictionaries: ISO 19005-1 6.3.6 / 6.3.7).

usage: test_pdf_poppler.py PATH/TO/pdf_render_tool
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib

import support

try:
    from fontTools.ttLib import TTFont
except ImportError:
    # Debian's python3-fonttools lives in the system interpreter; a pyenv/venv python3 on
    # PATH may not see it: re-run under /usr/bin/python3 once before giving up.
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") \
            and not os.environ.get("COULOIR_PDF_REEXEC"):
        os.environ["COULOIR_PDF_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    TTFont = None

TOOLS = ["pdffonts", "pdfinfo", "pdftotext", "pdfimages", "pdftoppm", "dmtxread"]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args, **kw):
    return subprocess.run(list(args), check=True, capture_output=True, timeout=120, **kw)


def text_of(pdf):
    out = run("pdftotext", "-enc", "UTF-8", pdf, "-").stdout.decode("utf-8")
    return re.sub(r"\s+", " ", out)


def fonts_all_embedded(pdf):
    lines = run("pdffonts", pdf).stdout.decode().splitlines()[2:]
    rows = [l for l in lines if l.strip()]
    # Columns: name type encoding emb sub uni object ID; "emb" is the 4th from the right.
    return rows and all(l.split()[-5] == "yes" for l in rows), rows


def font_programs_consistent(pdf):
    """For each simple TrueType font: the embedded program has a (3,1) cmap, and every code
    the Widths array declares maps to a glyph whose advance equals the declared width."""
    import io
    d = open(pdf, "rb").read()
    objs = {}
    for m in re.finditer(rb"\n(\d+) 0 obj\s*(<<.*?>>)\s*(stream\r?\n)?", d, re.S):
        objs[int(m.group(1))] = (m.group(2), m.end() if m.group(3) else None)

    def stream(n):
        dic, start = objs[n]
        ref = int(re.search(rb"/Length (\d+) 0 R", dic).group(1))
        length = int(re.search(rb"\n%d 0 obj\s*(\d+)\s*endobj" % ref, d).group(1))
        raw = d[start:start + length]
        return zlib.decompress(raw) if b"FlateDecode" in dic else raw

    problems, fonts = [], 0
    for n, (dic, _) in objs.items():
        if b"/Type /Font" not in dic or b"/Widths" not in dic:
            continue
        fonts += 1
        first = int(re.search(rb"/FirstChar (\d+)", dic).group(1))
        widths = [int(x) for x in re.search(rb"/Widths \[(.*?)\]", dic, re.S).group(1).split()]
        fd = int(re.search(rb"/FontDescriptor (\d+)", dic).group(1))
        ff = int(re.search(rb"/FontFile2 (\d+)", objs[fd][0]).group(1))
        font = TTFont(io.BytesIO(stream(ff)))
        cmap = font["cmap"].getcmap(3, 1)
        if cmap is None:
            problems.append(f"font {n}: no (3,1) cmap")
            continue
        upem, hmtx = font["head"].unitsPerEm, font["hmtx"]
        for i, w in enumerate(widths):
            ch = bytes([first + i]).decode("cp1252", errors="ignore")
            if w == 0 or not ch:
                continue
            g = cmap.cmap.get(ord(ch))
            if g is None:
                problems.append(f"font {n}: code {first + i} has no glyph")
            elif abs(hmtx[g][0] * 1000 / upem - w) > 1:
                problems.append(f"font {n}: code {first + i} width {w} != {hmtx[g][0] * 1000 / upem}")
    return fonts == 2 and not problems, problems


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if TTFont is None:
        missing.append("fontTools (python3-fonttools)")
    if missing:
        support.skip_or_fail("missing tools: " + ", ".join(missing) +
                             " (Debian poppler-utils, dmtx-utils)")
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="couloir-pdf-") as d:
        run(tool, d)
        q, u, lng = (os.path.join(d, n) for n in ("qualified.pdf", "unqualified.pdf", "long.pdf"))
        expected_dm = open(os.path.join(d, "qualified.dm"), "rb").read()

        # Fonts: every font embedded, WinAnsi TrueType (DejaVu).
        for pdf in (q, u, lng):
            ok, rows = fonts_all_embedded(pdf)
            check(ok, f"pdffonts: every font embedded in {os.path.basename(pdf)} {rows}")
            check(all("DejaVuSans" in r for r in rows), "pdffonts: DejaVu Sans fonts")

        for pdf in (q, lng):
            ok, problems = font_programs_consistent(pdf)
            check(ok, f"embedded fonts: (3,1) cmap and Widths equal to glyph advances {problems[:5]}")

        # XMP metadata: PDF/A-1 part 1, conformance B; version 1.4.
        meta = run("pdfinfo", "-meta", q).stdout.decode("utf-8")
        check("<pdfaid:part>1</pdfaid:part>" in meta, "XMP declares pdfaid:part 1")
        check("<pdfaid:conformance>B</pdfaid:conformance>" in meta, "XMP declares conformance B")
        info = run("pdfinfo", q).stdout.decode("utf-8")
        check(re.search(r"PDF version:\s+1\.4", info) is not None, "PDF version 1.4")
        check(re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info) is not None, "A4 pages")
        check("Author:          Dr Élise Durand-Œuvray" in info, "Info Author in UTF-16 reads back")

        # Text: validation statement, RPPS, recipients, requester's MSSanté, RGPD notice.
        t = text_of(q)
        check("Validé le 22/11/2026 à 09:15 par Dr Élise Durand-Œuvray (RPPS 10101234567)" in t,
              "validation line with date, time, validator and RPPS (RIS.CRR.01)")
        for rec in ("Dr Jeanne Martin (médecin demandeur) — MSSanté : jeanne.martin@medecin.mssante.fr",
                    "Dr Paul Lefèvre (médecin traitant) — MSSanté : paul.lefevre@medecin.mssante.fr",
                    "Patient — MSSanté : 279035121518989@patient.mssante.fr",
                    "Dossier Médical Partagé — DMP"):
            check(rec in t, f"recipient listed (RIS.DOC.04): {rec}")
        check("MSSanté du demandeur jeanne.martin@medecin.mssante.fr" in t,
              "requester's MSSanté address (RIS.DOC.05)")
        check("Information RGPD" in t and "vous pouvez saisir la CNIL" in t, "RGPD notice (RIS.DOC.06)")
        check("Cœur de taille normale" in t and "hélicoïdale" in t, "French accents and ligatures")
        check("279035121518989 (INS-NIR de test, OID 1.2.250.1.213.1.4.10)" in t, "INS printed when given")
        check("Page 1 / 1" in t, "page numbering")

        # Datamatrix: decodes to the expected INS content.
        run("pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-gray", "-x", "1000", "-y", "0",
            "-W", "654", "-H", "900", q, os.path.join(d, "q"))
        pgm = [f for f in os.listdir(d) if f.startswith("q-") and f.endswith(".pgm")][0]
        decoded = subprocess.run(["dmtxread", "-N1", "-m", "20000", os.path.join(d, pgm)],
                                 capture_output=True, timeout=60).stdout
        check(decoded == expected_dm, f"dmtxread decodes the INS datamatrix ({decoded!r})")
        check(expected_dm.startswith(b"IS01") and b"S1279035121518989" in expected_dm,
              "datamatrix content carries the INS")

        # Unqualified identity: no INS, no datamatrix.
        tu = text_of(u)
        check("279035121518989 (INS" not in tu and "Datamatrix INS" not in tu and "OID" not in tu,
              "no INS printed when the identity is not qualified")
        images = run("pdfimages", "-list", u).stdout.decode().splitlines()[2:]
        check(len(images) == 0, "no datamatrix image when the identity is not qualified")
        images_q = run("pdfimages", "-list", q).stdout.decode().splitlines()[2:]
        check(len(images_q) == 1, "one datamatrix image when the identity is qualified")

        # Long report: paginates, numbers every page, repeats the identity on each page.
        linfo = run("pdfinfo", lng).stdout.decode()
        pages = int(re.search(r"Pages:\s+(\d+)", linfo).group(1))
        check(pages >= 3, f"long report paginates ({pages} pages)")
        tl = text_of(lng)
        check(all(f"Page {i} / {pages}" in tl for i in range(1, pages + 1)), "every page numbered")
        check("Paragraphe 60" in tl and "Paragraphe 1 " in tl, "no paragraph lost across pages")
        check("Information RGPD" in tl, "RGPD notice on the long report")
        check("Validé le 22/11/2026" in tl, "validation line on the long report")

        name = open(os.path.join(d, "qualified.name")).read()
        check(name == "CR-IMAGERIE_20261121_PAT-TROIS_DOMINIQUE_V1.pdf", f"file name {name}")

    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Interoperability: Debian's python3-hl7 (an independent parser) reads the messages Couloir
serializes -- every ANS sample and messages built with Couloir's builder (escapes, ISO 8859-1,
unusual delimiters, report transmission) -- and finds the same value in every leaf that Couloir
reports (segment occurrence, field, repetition, component, sub-component)."""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import support

try:
    import hl7  # Debian package python3-hl7
except ImportError:
    support.skip_or_fail("python3-hl7 is not installed (apt-get install python3-hl7)")

CHARSETS = {"": "ascii", "ASCII": "ascii", "8859/1": "latin-1", "8859/15": "iso8859-15",
            "UNICODE UTF-8": "utf-8"}


def msh18(raw):
    msh = raw.split(b"\r", 1)[0]
    fs = msh[3:4]
    fields = msh.split(fs)
    value = fields[17].decode("ascii") if len(fields) > 17 else ""
    return value.split("~")[0]


def check_dir(outdir):
    checked = 0
    messages = 0
    for path in sorted(glob.glob(os.path.join(outdir, "*.hl7"))):
        raw = open(path, "rb").read()
        meta = json.load(open(path[:-4] + ".json", encoding="utf-8"))
        cs = msh18(raw)
        text = raw.decode(CHARSETS.get(cs, "utf-8") if cs != "" else "utf-8")
        msg = hl7.parse(text)
        assert str(msg.segment("MSH")[0]) == "MSH", meta["origin"]
        for seg, occ, field, rep, comp, sub, want in meta["values"]:
            try:
                got = msg.extract_field(seg, occ, field, rep, comp, sub)
            except (IndexError, KeyError) as e:
                raise AssertionError(f"{meta['origin']}: {seg}[{occ}]-{field}[{rep}].{comp}.{sub}: python3-hl7: {e}")
            got = str(got).replace("\r", "\n")  # python3-hl7 decodes \.br\ as CR, Couloir as LF
            if got != want:
                raise AssertionError(
                    f"{meta['origin']}: {seg}[{occ}]-{field}[{rep}].{comp}.{sub}: couloir {want!r} python3-hl7 {got!r}")
            checked += 1
        messages += 1
    return messages, checked


PATH = re.compile(r"^([A-Z0-9]{3})-(\d+)(?:\[(\d+)\])?(?:\.(\d+))?(?:\.(\d+))?$")


def check_tree(tool, path):
    """hl7_dump() JSON of the file's first message: every component value agrees with python3-hl7."""
    out = subprocess.run([tool, "tree", path, "json"], check=True, capture_output=True).stdout
    tree = json.loads(out)
    raw = open(path, "rb").read()
    lines = [l for l in re.split(rb"\r\n|\r|\n", raw) if l and not l.startswith(b"#")]
    first = []
    for l in lines:
        if l.startswith(b"MSH") and first:
            break
        if l.startswith(b"MSH") or first:
            first.append(l)
    text = b"\r".join(first).decode("utf-8").replace("\u02dc", "~")
    msg = hl7.parse(text)
    n = 0
    for seg in tree["segments"]:
        for f in seg["fields"]:
            if seg["segment"] == "PID" and f["path"].startswith("PID-5"):
                assert f["name"] == "Patient Name", f
            for c in f.get("components", []):
                name, field, rep, comp, sub = PATH.match(c["path"]).groups()
                got = msg.extract_field(name, seg["occurrence"], int(field), int(rep or 1), int(comp or 1), int(sub or 1))
                got = str(got).replace("\r", "\n")
                assert got == c["value"], (path, c, got)
                n += 1
    return n


def main():
    tool = sys.argv[1]
    shared = support.shared_dir()
    files = [f for f in glob.glob(os.path.join(shared, "reference/ans-hl7v2/**/*"), recursive=True)
             if os.path.isfile(f) and not f.lower().endswith((".xml", ".md"))]
    files += glob.glob(os.path.join(shared, "reference/protocols/mssante/hl7v2_MDM*.er7"))
    with tempfile.TemporaryDirectory() as tmp:
        samples = os.path.join(tmp, "samples")
        built = os.path.join(tmp, "built")
        os.mkdir(samples)
        os.mkdir(built)
        subprocess.run([tool, "dump", samples] + files, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([tool, "builtin", built], check=True)
        m1, v1 = check_dir(samples)
        m2, v2 = check_dir(built)
        trees = sum(check_tree(tool, f) for f in files if b"MSH" in open(f, "rb").read()[:4096])
    assert trees > 1000, trees
    assert m1 >= 50, f"only {m1} sample messages"
    assert m2 == 5, m2
    print(f"python3-hl7 agrees: {m1} sample messages ({v1} values), {m2} built messages ({v2} values), "
          f"{trees} components of the JSON dumps")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the seed corpus of the dicom fuzzers (fuzz/dicom/corpus/<harness>/) from our own
data: hand-built PDUs and data sets written by DCMTK's dump2dcm from the dumps below.
    python3 fuzz/dicom/make_seeds.py"""
import os
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def ae(s):
    return s.encode().ljust(16, b" ")


def item(t, payload):
    return struct.pack(">BBH", t, 0, len(payload)) + payload


def pdu(t, body):
    return struct.pack(">BBI", t, 0, len(body)) + body


def assoc_rq():
    body = struct.pack(">HH", 1, 0) + ae("COULOIR") + ae("CT_SALLE1") + bytes(32)
    body += item(0x10, b"1.2.840.10008.3.1.1.1")
    for i, sop in enumerate([b"1.2.840.10008.1.1", b"1.2.840.10008.5.1.4.31", b"1.2.840.10008.3.1.2.3.3"]):
        pc = bytes([1 + 2 * i, 0, 0, 0]) + item(0x30, sop) + item(0x40, b"1.2.840.10008.1.2") + item(0x40, b"1.2.840.10008.1.2.1\0")
        body += item(0x20, pc)
    ui = item(0x51, struct.pack(">I", 16384)) + item(0x52, b"1.2.3.4") + item(0x55, b"SEED")
    body += item(0x50, ui)
    return pdu(1, body)


def elem(group, el, value):
    if isinstance(value, int):
        value = struct.pack("<H", value)
    elif isinstance(value, str):
        value = value.encode()
        if len(value) % 2:
            value += b"\0"
    return struct.pack("<HHI", group, el, len(value)) + value


def command(*elems):
    body = b"".join(elem(*e) for e in elems)
    return elem(0, 0, struct.pack("<I", len(body))) + body


def pdv(pcid, control, payload):
    return struct.pack(">IBB", len(payload) + 2, pcid, control) + payload


def session(dimse):
    """A-ASSOCIATE-RQ, the given P-DATA-TF PDUs, A-RELEASE-RQ."""
    return assoc_rq() + b"".join(pdu(4, p) for p in dimse) + pdu(5, bytes(4))


def pdata():
    pdv1 = struct.pack(">IBB", 6, 1, 3) + b"\x00\x00\x00\x00"
    pdv2 = struct.pack(">IBB", 4, 1, 2) + b"ab"
    return pdu(4, pdv1 + pdv2)


QUERY = """(0008,0005) CS [ISO_IR 100]
(0008,0050) SH []
(0010,0010) PN [DUPON*]
(0010,0020) LO []
(0010,1002) SQ (Sequence with undefined length)
(fffe,e0dd) na
(0020,000d) UI [1.2.3\\1.2.4]
(0040,0100) SQ (Sequence with undefined length)
  (fffe,e000) na (Item with undefined length)
    (0008,0060) CS [CT]
    (0040,0001) AE [CT?]
    (0040,0002) DA [20261122-20261123]
    (0040,0003) TM [0800-]
    (0040,0008) SQ (Sequence with undefined length)
      (fffe,e000) na (Item with undefined length)
        (0008,0100) SH []
      (fffe,e00d) na
    (fffe,e0dd) na
  (fffe,e00d) na
(fffe,e0dd) na
"""

ITEM = """(0008,0005) CS [ISO_IR 100]
(0008,0050) SH [ACC001]
(0010,0010) PN [H\xe9RON^Z\xe9LIE]
(0010,0020) LO [IPP001]
(0040,0100) SQ (Sequence with explicit length)
  (fffe,e000) na (Item with explicit length)
    (0008,0060) CS [CT]
    (0040,0002) DA [20261122]
  (fffe,e00d) na
(fffe,e0dd) na
"""


def dump2dcm(text, *opts):
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.dump"), os.path.join(d, "out.dcm")
        with open(src, "w", encoding="latin-1") as f:
            f.write(text)
        subprocess.run(["dump2dcm", "-q", *opts, src, dst], check=True)
        with open(dst, "rb") as f:
            return f.read()


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    write("dicom_pdu", "assoc_rq", assoc_rq())
    write("dicom_pdu", "pdata", pdata())
    for name, text in (("query", QUERY), ("item", ITEM)):
        write("dicom_dataset", name + "_explicit", b"\x01" + dump2dcm(text, "-F", "+te"))
        write("dicom_dataset", name + "_implicit", b"\x00" + dump2dcm(text, "-F", "+ti"))
        write("dicom_dataset", name + "_part10", b"P" + dump2dcm(text))
    write("dicom_mwl", "query_explicit", b"\x01" + dump2dcm(QUERY, "-F", "+te"))
    echo = command((0, 2, "1.2.840.10008.1.1"), (0, 0x100, 0x30), (0, 0x110, 1), (0, 0x800, 0x101))
    find = command((0, 2, "1.2.840.10008.5.1.4.31"), (0, 0x100, 0x20), (0, 0x110, 2), (0, 0x700, 0), (0, 0x800, 0))
    ident = dump2dcm(QUERY, "-F", "+te")
    cancel = command((0, 0x100, 0x0FFF), (0, 0x120, 2), (0, 0x800, 0x101))
    create = command((0, 2, "1.2.840.10008.3.1.2.3.3"), (0, 0x100, 0x140), (0, 0x110, 3), (0, 0x800, 0),
                     (0, 0x1000, "1.2.3.4"))
    mpps = dump2dcm("(0010,0020) LO [IPP1]\n(0040,0252) CS [IN PROGRESS]\n"
                    "(0040,0270) SQ (Sequence with undefined length)\n(fffe,e0dd) na\n", "-F", "+te")
    write("dicom_assoc", "echo", session([pdv(1, 3, echo)]))
    write("dicom_assoc", "find_cancel", session([pdv(3, 3, find), pdv(3, 2, ident), pdv(3, 3, cancel)]))
    write("dicom_assoc", "find_fragments", session([pdv(3, 1, find[:10]), pdv(3, 3, find[10:]),
                                                    pdv(3, 0, ident[:7]) + pdv(3, 2, ident[7:])]))
    write("dicom_assoc", "mpps_create", session([pdv(5, 3, create), pdv(5, 2, mpps)]))
    write("dicom_mwl", "query_implicit_filter", b"\x04" + dump2dcm(QUERY, "-F", "+ti"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Couloir's DICOM server against DCMTK over real TCP (127.0.0.1):
- C-ECHO (echoscu), AE title checks (called and calling);
- DICOM over TLS: anonymous TLS client, client certificates required, plain TCP refused;
- Modality Worklist C-FIND (findscu -W) with DCMTK's example queries and items
  (/usr/share/doc/dcmtk/examples/wlistqry, wlistdb) and our own edge cases: wildcards, ranges,
  combined date-time, UID lists, sequence keys, accented names in ISO_IR 100 and ISO_IR 192,
  refused character set, C-CANCEL, answer cap, implicit VR only, small PDUs (fragmentation);
- differential: the same items and queries answered by DCMTK's wlmscpfs, answers compared
  after dcmdump (order-independent)."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import support
from dcmtk_util import (DUMPS, Server, Wlmscpfs, answer_files, answers, dump2dcm, findscu, need_tools, raw_charset,
                        write_dump)

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


# Our own items: French accented names (Latin-1 on disk), several SPS dates/times and modalities.
OWN_ITEMS = {
    "heron": ("ISO_IR 100", "H\xe9RON^Z\xe9LIE", "IPP001", "ACC001", "20261122", "083000", "CT", "CT_SALLE1",
              "1.2.250.1.999.1.1", "Scanner c\xe9r\xe9bral"),
    "dupont": ("ISO_IR 100", "DUPONT^JEAN", "IPP002", "ACC002", "20261122", "101500", "MR", "IRM_1",
               "1.2.250.1.999.1.2", "IRM genou"),
    "dupond": ("ISO_IR 100", "DUPOND^MARIE", "IPP003", "ACC003", "20261123", "090000", "CT", "CT_SALLE1",
               "1.2.250.1.999.1.3", "Scanner thorax"),
    "leclerc": ("ISO_IR 192", "LECL\u00c8RC^CHLO\u00c9", "IPP004", "ACC004", "20261121", "235900", "US", "ECHO_2",
                "1.2.250.1.999.1.4", "\u00c9chographie abdominale"),
    "kowalski": ("ISO_IR 192", "\u0141UKASZ^ANNA", "IPP005", "ACC005", "20261124", "1400", "DX", "RADIO_1",
                 "1.2.250.1.999.1.5", "Radiographie thorax"),
}


def own_item_dump(cs, name, pid, acc, date, time, mod, aet, suid, desc):
    return f"""(0008,0005) CS [{cs}]
(0008,0050) SH [{acc}]
(0008,0051) SQ (Sequence with undefined length)
  (fffe,e000) na (Item with undefined length)
    (0040,0031) UT [COULOIR]
  (fffe,e00d) na
(fffe,e0dd) na
(0010,0010) PN [{name}]
(0010,0020) LO [{pid}]
(0010,0021) LO [CABINET]
(0010,0030) DA [19700101]
(0010,0040) CS [F]
(0010,1002) SQ (Sequence with undefined length)
  (fffe,e000) na (Item with undefined length)
    (0010,0020) LO [2700175123456{pid[-2:]}]
    (0010,0021) LO [1.2.250.1.213.1.4.8]
  (fffe,e00d) na
(fffe,e0dd) na
(0020,000d) UI [{suid}]
(0032,1060) LO [{desc}]
(0040,0100) SQ (Sequence with undefined length)
  (fffe,e000) na (Item with undefined length)
    (0008,0060) CS [{mod}]
    (0040,0001) AE [{aet}]
    (0040,0002) DA [{date}]
    (0040,0003) TM [{time}]
    (0040,0007) LO [{desc}]
    (0040,0009) SH [SPS{pid[-3:]}]
  (fffe,e00d) na
(fffe,e0dd) na
(0040,1001) SH [RP{pid[-3:]}]
"""


def query_dump(cs, top, sps):
    lines = [f"(0008,0005) CS [{cs}]"] if cs is not None else []
    lines += [f"{t} [{v}]" for t, v in top]
    if sps is not None:
        lines += ["(0040,0100) SQ (Sequence with undefined length)", "  (fffe,e000) na (Item with undefined length)"]
        lines += [f"    {t} [{v}]" for t, v in sps]
        lines += ["  (fffe,e00d) na", "(fffe,e0dd) na"]
    return "\n".join(lines) + "\n"


STD_SPS = [("(0008,0060) CS", ""), ("(0040,0001) AE", ""), ("(0040,0002) DA", ""), ("(0040,0003) TM", ""),
           ("(0040,0009) SH", "")]
STD_TOP = [("(0008,0050) SH", ""), ("(0010,0010) PN", ""), ("(0010,0020) LO", ""), ("(0020,000d) UI", "")]

# (name, charset, extra top keys, SPS keys) — matching keys replace the universal ones.
OWN_QUERIES = [
    ("all", None, [], []),
    ("wild_name", None, [("(0010,0010) PN", "DUPON*")], []),
    ("wild_qmark", None, [("(0010,0010) PN", "DUPON?^*")], []),
    ("accented_latin1", "ISO_IR 100", [("(0010,0010) PN", "H\xe9RON*")], []),
    ("accented_utf8", "ISO_IR 192", [("(0010,0010) PN", "LECL\u00c8RC*")], []),
    ("date_range", None, [], [("(0040,0002) DA", "20261122-20261123")]),
    ("date_open", None, [], [("(0040,0002) DA", "20261123-")]),
    ("datetime_combined", None, [], [("(0040,0002) DA", "20261122"), ("(0040,0003) TM", "0800-0900")]),
    ("modality_station", None, [], [("(0008,0060) CS", "CT"), ("(0040,0001) AE", "CT_SALLE1")]),
    ("uid_list", None, [("(0020,000d) UI", "1.2.250.1.999.1.2\\1.2.250.1.999.1.4")], []),
    ("accession", None, [("(0008,0050) SH", "ACC003")], []),
    ("no_match", None, [("(0010,0020) LO", "NOBODY")], []),
]


# wlmscpfs does not implement UID list matching (PS3.4 C.2.2.2.2): it answers every item.
EXPECTED_DIVERGENCE = {"uid_list": 2}


def merge(base, extra):
    d = dict(base)
    d.update(dict(extra))
    return sorted(d.items())


def build_own(tmp):
    wl = os.path.join(tmp, "own")
    os.makedirs(wl)
    for name, fields in OWN_ITEMS.items():
        dump = os.path.join(tmp, name + ".dump")
        enc = "utf-8" if fields[0] == "ISO_IR 192" else "latin-1"
        with open(dump, "w", encoding=enc) as f:
            f.write(own_item_dump(*fields))
        dump2dcm(dump, os.path.join(wl, name + ".wl"))
    queries = {}
    for name, cs, top, sps in OWN_QUERIES:
        dump = os.path.join(tmp, "q_" + name + ".dump")
        enc = "utf-8" if cs == "ISO_IR 192" else "latin-1"
        with open(dump, "w", encoding=enc) as f:
            f.write(query_dump(cs, merge(STD_TOP, top), merge(STD_SPS, sps)))
        queries[name] = os.path.join(tmp, "q_" + name + ".dcm")
        dump2dcm(dump, queries[name])
    return wl, queries


def build_offis(tmp):
    wl = os.path.join(tmp, "offis")
    os.makedirs(wl)
    for d in glob.glob(os.path.join(DUMPS, "wlistdb/OFFIS/*.dump")):
        dump2dcm(d, os.path.join(wl, os.path.basename(d)[:-5] + ".wl"))
    queries = {}
    for d in sorted(glob.glob(os.path.join(DUMPS, "wlistqry/*.dump"))):
        q = os.path.join(tmp, os.path.basename(d)[:-5] + ".dcm")
        dump2dcm(d, q)
        queries[os.path.basename(d)[:-5]] = q
    return wl, queries


def differential(tmp, label, wl, queries):
    """Same items, same queries: Couloir and wlmscpfs must give the same answers."""
    root = os.path.join(tmp, "wlm_" + label)
    os.makedirs(os.path.join(root, "COULOIR"))
    for f in glob.glob(os.path.join(wl, "*.wl")):
        shutil.copy(f, os.path.join(root, "COULOIR"))
    open(os.path.join(root, "COULOIR", "lockfile"), "w").close()
    srv = Server(wl)
    ref = Wlmscpfs(root, support.free_port())
    try:
        for name, q in queries.items():
            o_us, o_ref = os.path.join(tmp, f"us_{label}_{name}"), os.path.join(tmp, f"ref_{label}_{name}")
            rc_us, log_us = findscu(srv.port, q, o_us)
            rc_ref, _ = findscu(ref.port, q, o_ref)
            a_us, a_ref = answers(o_us, True), answers(o_ref, True)
            if name in EXPECTED_DIVERGENCE:
                ok = set(a_us) < set(a_ref) and len(a_us) == EXPECTED_DIVERGENCE[name]
                check(rc_us == 0 and ok, f"differential {label}/{name} (wlmscpfs lacks this matching): "
                      f"couloir={len(a_us)} wlmscpfs={len(a_ref)}")
                continue
            same = a_us == a_ref
            check(rc_us == 0 and same, f"differential {label}/{name}: couloir={len(a_us)} wlmscpfs={len(a_ref)}")
            if not same:
                us_only = [a for a in a_us if a not in a_ref][:1]
                ref_only = [a for a in a_ref if a not in a_us][:1]
                print("  couloir only:", us_only, "\n  wlmscpfs only:", ref_only)
    finally:
        ref.stop()
        stop_checked(srv)
    return srv


def stop_checked(srv):
    """Stops the test server; it must exit 0 (a sanitizer report, e.g. a leak, fails the test)."""
    rc = srv.stop()
    check(rc == 0, f"test server exited cleanly (rc={rc})")
    if rc != 0:
        print(srv.err[-3000:])


def tls_checks(tmp, wl, queries):
    need_tools("openssl")
    certs = {}
    for name, cn in (("srv", "couloir-test"), ("cli", "CT_SALLE1")):
        key, pem = os.path.join(tmp, name + ".key"), os.path.join(tmp, name + ".pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn, "-days", "1",
                        "-keyout", key, "-out", pem], check=True, capture_output=True)
        certs[name] = (key, pem)
    srv_key, srv_pem = certs["srv"]
    cli_key, cli_pem = certs["cli"]
    echo = ["echoscu", "-to", "5", "-aec", "COULOIR"]
    srv = Server(wl, "--tls-cert", srv_pem, "--tls-key", srv_key)
    r = subprocess.run(echo + ["+tla", "+cf", srv_pem, "127.0.0.1", str(srv.port)], capture_output=True, text=True)
    check(r.returncode == 0, "C-ECHO over TLS")
    rc, log = findscu(srv.port, queries["all"], os.path.join(tmp, "e_tls"), "+tla", "+cf", srv_pem)
    check(rc == 0 and len(answers(os.path.join(tmp, "e_tls"))) == len(OWN_ITEMS), "worklist C-FIND over TLS")
    r = subprocess.run(echo + ["127.0.0.1", str(srv.port)], capture_output=True, text=True)
    check(r.returncode != 0, "plain TCP refused by the TLS port")
    stop_checked(srv)
    check("TLSv1." in srv.err and "TLS handshake failed" in srv.err, "TLS version and failed handshakes logged")
    srv = Server(wl, "--tls-cert", srv_pem, "--tls-key", srv_key, "--tls-ca", cli_pem)
    r = subprocess.run(echo + ["+tla", "+cf", srv_pem, "127.0.0.1", str(srv.port)], capture_output=True, text=True)
    check(r.returncode != 0, "TLS client without certificate refused when certificates are required")
    r = subprocess.run(echo + ["+tls", cli_key, cli_pem, "-pw", "+cf", srv_pem, "127.0.0.1", str(srv.port)],
                       capture_output=True, text=True)
    check(r.returncode == 0, "TLS client with a trusted certificate accepted")
    stop_checked(srv)
    check("client_cert=\"/CN=CT_SALLE1\"" in srv.err, "client certificate subject logged")


def main():
    need_tools("echoscu", "findscu", "dump2dcm", "dcmdump", "wlmscpfs")
    tmp = tempfile.mkdtemp(prefix="couloir-dicom-")
    try:
        own_wl, own_q = build_own(tmp)
        offis_wl, offis_q = build_offis(tmp)

        # --- association level
        srv = Server(own_wl, "--calling", "FINDSCU,ECHOSCU", "--max-assoc", "2")
        r = subprocess.run(["echoscu", "-to", "5", "-aec", "COULOIR", "127.0.0.1", str(srv.port)], capture_output=True, text=True)
        check(r.returncode == 0, "C-ECHO accepted")
        r = subprocess.run(["echoscu", "-to", "5", "-aec", "OTHER", "127.0.0.1", str(srv.port)], capture_output=True, text=True)
        check(r.returncode != 0 and "Called AE Title Not Recognized" in (r.stdout + r.stderr), "unknown called AE title rejected")
        r = subprocess.run(["echoscu", "-to", "5", "-aet", "INTRUDER", "-aec", "COULOIR", "127.0.0.1", str(srv.port)],
                           capture_output=True, text=True)
        check(r.returncode != 0 and "Calling AE Title Not Recognized" in (r.stdout + r.stderr), "unknown calling AE title rejected")

        # --- DICOM over TLS (BCP 195): anonymous client, then client certificates required
        tls_checks(tmp, own_wl, own_q)

        # --- worklist edge cases on our own items
        rc, log = findscu(srv.port, own_q["all"], os.path.join(tmp, "e_all"))
        check(rc == 0 and len(answers(os.path.join(tmp, "e_all"))) == 5, "all 5 own items returned")
        a = answers(os.path.join(tmp, "e_all"))
        check(all(any("(0008,0005)" in line for line in ans) for ans in a), "Specific Character Set in every answer")
        check(all(not any("(0010,0021)" in line for line in ans) for ans in a), "only the requested return keys")
        rc, log = findscu(srv.port, own_q["accented_latin1"], os.path.join(tmp, "e_lat"))
        a = answers(os.path.join(tmp, "e_lat"))
        check(len(a) == 1 and any("H\u00e9RON^Z\u00e9LIE" in line for line in a[0])
              and [raw_charset(f) for f in answer_files(os.path.join(tmp, "e_lat"))] == ["ISO_IR 100"],
              "accented Latin-1 query answered in ISO_IR 100")
        rc, log = findscu(srv.port, own_q["accented_utf8"], os.path.join(tmp, "e_u8"))
        a = answers(os.path.join(tmp, "e_u8"))
        check(len(a) == 1 and any("LECL\u00c8RC" in line for line in a[0])
              and [raw_charset(f) for f in answer_files(os.path.join(tmp, "e_u8"))] == ["ISO_IR 192"],
              "UTF-8 query answered in UTF-8")
        rc, log = findscu(srv.port, own_q["all"], os.path.join(tmp, "e_all_def"))
        cs = sorted(raw_charset(f) for f in answer_files(os.path.join(tmp, "e_all_def")))
        check(cs == ["ISO_IR 100"] * 4 + ["ISO_IR 192"], f"no charset in query: Latin-1, UTF-8 when needed ({cs})")
        rc, log = findscu(srv.port, own_q["all"], os.path.join(tmp, "e_implicit"), "-xi", "--max-pdu", "4096")
        check(rc == 0 and len(answers(os.path.join(tmp, "e_implicit"))) == 5, "implicit VR little endian, 4 KiB PDUs")
        bad = os.path.join(tmp, "q_bad.dump")
        write_dump(bad, "(0008,0005) CS [ISO_IR 144]\n(0010,0010) PN []\n")
        dump2dcm(bad, bad + ".dcm")
        rc, log = findscu(srv.port, bad + ".dcm", os.path.join(tmp, "e_bad"), "-d")
        check("0xc000" in log.lower() and "not supported: ISO_IR 144" in log, "unsupported character set refused with 0xC000 and a comment")
        baddate = os.path.join(tmp, "q_baddate.dump")
        write_dump(baddate, query_dump(None, STD_TOP, merge(STD_SPS, [("(0040,0002) DA", "2026-11-22")])))
        dump2dcm(baddate, baddate + ".dcm")
        rc, log = findscu(srv.port, baddate + ".dcm", os.path.join(tmp, "e_baddate"), "-d")
        check("0xc000" in log.lower() and "invalid date" in log, "malformed date key refused with 0xC000")
        stop_checked(srv)
        check("worklist query" in srv.err and "association accepted" in srv.err, "associations and queries logged")

        # --- C-CANCEL between responses: 3000 items so that the stream is still going
        many = os.path.join(tmp, "many")
        os.makedirs(many)
        for i in range(3000):
            shutil.copy(os.path.join(own_wl, "dupont.wl"), os.path.join(many, f"{i}.wl"))
        srv = Server(many)
        rc, log = findscu(srv.port, own_q["all"], os.path.join(tmp, "e_cancel"), "--cancel", "1", "-v")
        n = len(answer_files(os.path.join(tmp, "e_cancel")))
        stop_checked(srv)
        check(n < 3000 and "cancelled=yes" in srv.err and "Final Find Response (Cancel" in log,
              f"C-CANCEL honoured after {n} answers")

        # --- answer cap and calling-AE filter
        srv = Server(own_wl, "--max-results", "2", "--filter-calling-ae")
        rc, log = findscu(srv.port, own_q["all"], os.path.join(tmp, "e_cap"), aet="CT_SALLE1")
        a = answers(os.path.join(tmp, "e_cap"))
        check(rc == 0 and len(a) == 2, f"calling AE filter then cap: {len(a)} answers (expected 2 of CT_SALLE1)")
        rc, log = findscu(srv.port, own_q["all"], os.path.join(tmp, "e_filter"), aet="IRM_1")
        a = answers(os.path.join(tmp, "e_filter"))
        check(len(a) == 1 and any("DUPONT^JEAN" in line for line in a[0]), "calling AE filter returns that station only")
        stop_checked(srv)
        check("capped=yes" in srv.err, "cap logged")

        # --- differential against wlmscpfs
        differential(tmp, "offis", offis_wl, offis_q)
        differential(tmp, "own", own_wl, own_q)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print(f"{len(FAILS)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`couloir serve` as a DICOM worklist / MPPS server on its store, over real TCP:
- steps loaded into the store (bench/mwl/load_couloir.py: arrived steps, plus one booked step
  that must stay off the worklist), AE-title check against the modalities table;
- findscu -W edge cases: accented names, INS in Other Patient IDs only for a qualified identity
  (one check per case), Latin-1 answers, C-CANCEL;
- the differential test: the same steps written as .wl files for DCMTK's wlmscpfs, the same
  queries (wildcards, ranges, sequence keys, accented names) give the same answers after dcmdump;
- MPPS by npm dcmjs-dimse (tests/integration/worklist/mpps_client.mjs): the step and the
  performed step move in the store, invalid transitions are refused;
- graceful stop on SIGTERM."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import shutil

import support

SRC = os.environ["COULOIR_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SRC, "bench/mwl"))
sys.path.insert(0, os.path.join(SRC, "tests/integration/dicom"))
import load_couloir  # noqa: E402
import mwlgen  # noqa: E402
from dcmtk_util import Wlmscpfs, answer_files, answers, dump2dcm, findscu, need_tools, raw_charset  # noqa: E402

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def matricule(number13):
    return number13 + f"{97 - int(number13) % 97:02d}"


def step(i, name, station=0, date="20260105", tm="083000", **extra):
    mod, aet, desc = mwlgen.STATIONS[station]
    s = {"patient_name": name, "patient_id": f"PAT{i:04d}", "birth_date": "19700101", "sex": "F",
         "accession": f"ACX{i:04d}", "study_uid": f"1.2.250.1.999.2.{i}", "requested_procedure_id": f"ACX{i:04d}",
         "requested_procedure_description": desc, "referring": "DUPONT^Alain", "modality": mod, "station_aet": aet,
         "sps_date": date, "sps_time": tm, "sps_id": f"SPX{i:04d}", "sps_description": desc, "performing": ""}
    s.update(extra)
    return s


NIR = "1.2.250.1.213.1.4.8"
OWN = [
    step(1, "HÉRON^Zélie", 0, "20260105", "083000", ins_matricule=matricule("2700175123456"), ins_oid=NIR,
         rniv_status="qualifiee"),
    step(2, "DUPONT^Jean", 1, "20260105", "101500", ins_matricule=matricule("1700175123457"), ins_oid=NIR,
         rniv_status="validee"),
    step(3, "DUPOND^Marie", 0, "20260106", "090000"),
    step(4, "LECLÈRC^Chloé", 3, "20260104", "235900", ins_matricule="270017512345600", ins_oid=NIR,
         rniv_status="qualifiee"),  # wrong key: never emitted
    step(5, "ŁUKASZ^Anna", 2, "20260107", "140000"),
    step(6, "NOËL^Gaëlle", 0, "20260105", "120000", ins_matricule=matricule("2700175123458"), ins_oid=NIR,
         rniv_status="qualifiee", douteuse=1),
    step(7, "BOOKED^Pas arrivé", 0, "20260105", "090000", status="booked"),
]

TOP = [("(0008,0050) SH", ""), ("(0008,0090) PN", ""), ("(0010,0010) PN", ""), ("(0010,0020) LO", ""),
       ("(0010,0030) DA", ""), ("(0010,0040) CS", ""), ("(0020,000d) UI", ""), ("(0032,1060) LO", ""),
       ("(0040,1001) SH", "")]
SPS = [("(0008,0060) CS", ""), ("(0040,0001) AE", ""), ("(0040,0002) DA", ""), ("(0040,0003) TM", ""),
       ("(0040,0006) PN", ""), ("(0040,0007) LO", ""), ("(0040,0009) SH", "")]

QUERIES = [
    ("all", [], []),
    ("wild_name", [("(0010,0010) PN", "DUPON*")], []),
    ("wild_qmark", [("(0010,0010) PN", "DUPON?^*")], []),
    ("accented", [("(0010,0010) PN", "HÉRON*")], []),
    ("accented_mid", [("(0010,0010) PN", "LECL?RC^CHLO*")], []),
    ("accented_single", [("(0010,0010) PN", "NOËL^Gaëlle")], []),
    ("generated_name", [("(0010,0010) PN", "MART*")], [("(0040,0002) DA", "20260110-20260112")]),
    ("date_single", [], [("(0040,0002) DA", "20260105")]),
    ("date_range", [], [("(0040,0002) DA", "20260104-20260106")]),
    ("date_open", [], [("(0040,0002) DA", "20260127-")]),
    ("datetime_combined", [], [("(0040,0002) DA", "20260105"), ("(0040,0003) TM", "0800-1100")]),
    ("modality_station", [], [("(0008,0060) CS", "CT"), ("(0040,0001) AE", "COULOIR_CT1"),
                              ("(0040,0002) DA", "20260105")]),
    ("station_only", [], [("(0040,0001) AE", "COULOIR_MG1")]),
    ("accession", [("(0008,0050) SH", "ACC00000042")], []),
    ("patient_wild", [("(0010,0020) LO", "IPP0000012*")], []),
    ("sps_id", [], [("(0040,0009) SH", "SPX0003")]),
    ("study_uid", [("(0020,000d) UI", "1.2.250.1.999.2.5")], []),
    ("no_match", [("(0010,0020) LO", "NOBODY")], []),
]


# Keys wlmscpfs does not match as the standard says: Couloir's answers are checked against the
# expected count, and must be a subset of wlmscpfs's when wlmscpfs ignores the key.
EXPECTED_DIVERGENCE = {
    "accented_mid": 1,   # wlmscpfs: '?' matches one byte, not one (UTF-8) character
    "patient_wild": 10,  # wlmscpfs: no wildcard matching on Patient ID (answers nothing)
    "sps_id": 1,         # wlmscpfs ignores SPS ID as a matching key (answers everything)
    "study_uid": 1,      # wlmscpfs ignores Study Instance UID as a matching key
}


def merge(base, extra):
    d = dict(base)
    d.update(dict(extra))
    return sorted(d.items())


def query_file(tmp, name, top, sps, cs="ISO_IR 192"):
    lines = [f"(0008,0005) CS [{cs}]"] if cs else []
    lines += [f"{t} [{v}]" for t, v in merge(TOP, top)]
    lines += ["(0040,0100) SQ (Sequence with undefined length)", "  (fffe,e000) na (Item with undefined length)"]
    lines += [f"    {t} [{v}]" for t, v in merge(SPS, sps)]
    lines += ["  (fffe,e00d) na", "(fffe,e0dd) na"]
    dump = os.path.join(tmp, f"q_{name}.dump")
    with open(dump, "w", encoding="latin-1" if cs == "ISO_IR 100" else "utf-8") as f:
        f.write("\n".join(lines) + "\n")
    dump2dcm(dump, dump + ".dcm")
    return dump + ".dcm"


class Couloir:
    def __init__(self, db, tmp, **settings):
        self.dicom_port, self.http_port = support.free_port(), support.free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
        env.update({"COULOIR_STORE_URL": "sqlite:" + db, "COULOIR_HTTP_PORT": str(self.http_port),
                    "COULOIR_HTTP_BIND_ADDRESS": "127.0.0.1", "COULOIR_HL7_LISTEN_PORT": "0",
                    "COULOIR_DICOM_PORT": str(self.dicom_port), "COULOIR_DICOM_BIND_ADDRESS": "127.0.0.1",
                    "COULOIR_LOG_LEVEL": "info", "COULOIR_SITE_TIMEZONE": "Europe/Paris"})
        env.update({f"COULOIR_{k.upper()}": v for k, v in settings.items()})
        self.log = open(os.path.join(tmp, f"serve_{self.dicom_port}.log"), "w+")
        self.proc = subprocess.Popen([os.environ["COULOIR_BIN"], "serve"], env=env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if "DICOM server listening" in self.text():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("couloir serve did not start: " + self.text()[-2000:])

    def text(self):
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def ins_lines(ans):
    return [line for line in ans if "(0010,1002)" in line or line.startswith("2 (0010,0020)")
            or "(0040,0032)" in line]


def main():
    need_tools("echoscu", "findscu", "dump2dcm", "dcmdump", "wlmscpfs")
    tmp = tempfile.mkdtemp(prefix="couloir-worklist-")
    srv = None
    try:
        db = os.path.join(tmp, "couloir.db")
        load_couloir.migrate(os.environ["COULOIR_BIN"], db)
        steps = OWN + list(mwlgen.steps(400))
        load_couloir.load(db, steps, ["FINDSCU", "ECHOSCU", "MPPSSCU"])
        on_list = [s for s in steps if s.get("status", "arrived") == "arrived"]
        # .wl files for wlmscpfs: the steps on the worklist, as Couloir serves them
        root = os.path.join(tmp, "wlm")
        os.makedirs(os.path.join(root, "COULOIR"))
        for i, s in enumerate(on_list):
            with open(os.path.join(root, "COULOIR", f"{i:05d}.wl"), "wb") as f:
                f.write(mwlgen.part10(load_couloir.wl_dataset(s)))
        open(os.path.join(root, "COULOIR", "lockfile"), "w").close()

        srv = Couloir(db, tmp, dicom_mwl_default_charset="ISO_IR 192")
        port = srv.dicom_port
        # --- associations: called AE, calling AE from the modalities table
        r = subprocess.run(["echoscu", "-to", "5", "-aec", "COULOIR", "127.0.0.1", str(port)], capture_output=True, text=True)
        check(r.returncode == 0, "C-ECHO from a configured modality AE title (ECHOSCU) accepted")
        r = subprocess.run(["echoscu", "-to", "5", "-aet", "INTRUDER", "-aec", "COULOIR", "127.0.0.1", str(port)],
                           capture_output=True, text=True)
        check(r.returncode != 0 and "Calling AE Title Not Recognized" in r.stdout + r.stderr,
              "calling AE title absent from the modalities table rejected")
        r = subprocess.run(["echoscu", "-to", "5", "-aec", "OTHER", "127.0.0.1", str(port)], capture_output=True, text=True)
        check(r.returncode != 0 and "Called AE Title Not Recognized" in r.stdout + r.stderr, "wrong called AE title rejected")

        # --- differential against wlmscpfs
        ref = Wlmscpfs(root, support.free_port())
        try:
            for name, top, sps in QUERIES:
                q = query_file(tmp, name, top, sps)
                o_us, o_ref = os.path.join(tmp, "us_" + name), os.path.join(tmp, "ref_" + name)
                rc_us, log_us = findscu(port, q, o_us)
                rc_ref, _ = findscu(ref.port, q, o_ref)
                a_us, a_ref = answers(o_us, True), answers(o_ref, True)
                if name in EXPECTED_DIVERGENCE:
                    n = EXPECTED_DIVERGENCE[name]
                    check(rc_us == 0 and len(a_us) == n and (not a_ref or set(a_us) <= set(a_ref)),
                          f"differential {name} (wlmscpfs lacks this matching): couloir={len(a_us)} (expected {n}) "
                          f"wlmscpfs={len(a_ref)}")
                    continue
                same = a_us == a_ref
                check(rc_us == 0 and rc_ref == 0 and same and (name == "no_match" or len(a_us) > 0),
                      f"differential {name}: couloir={len(a_us)} wlmscpfs={len(a_ref)}")
                if not same:
                    print("  couloir only:", [a for a in a_us if a not in a_ref][:1])
                    print("  wlmscpfs only:", [a for a in a_ref if a not in a_us][:1])
        finally:
            ref.stop()

        # --- INS: Other Patient IDs Sequence with its issuer only for a qualified identity
        def ask(name, top, sps=(), cs="ISO_IR 192"):
            q = query_file(tmp, "x_" + name, top, list(sps), cs)
            out = os.path.join(tmp, "x_" + name)
            rc, log = findscu(port, q, out)
            return rc, answers(out), out, log

        def ins_query(pid):
            lines = ["(0008,0005) CS [ISO_IR 192]", f"(0010,0020) LO [{pid}]",
                     "(0010,1002) SQ (Sequence with undefined length)", "  (fffe,e000) na (Item with undefined length)",
                     "    (0010,0020) LO []", "    (0010,0021) LO []", "    (0010,0024) SQ (Sequence with undefined length)",
                     "      (fffe,e000) na (Item with undefined length)", "        (0040,0032) UT []",
                     "        (0040,0033) CS []", "      (fffe,e00d) na", "    (fffe,e0dd) na",
                     "  (fffe,e00d) na", "(fffe,e0dd) na"]
            dump = os.path.join(tmp, f"ins_{pid}.dump")
            with open(dump, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
            dump2dcm(dump, dump + ".dcm")
            out = os.path.join(tmp, "ins_" + pid)
            findscu(port, dump + ".dcm", out)
            a = answers(out)
            return a[0] if len(a) == 1 else None

        a = ins_query("PAT0001")
        check(a is not None and any(matricule("2700175123456") in line for line in a)
              and any("(0040,0032) UT " + NIR in line for line in a) and any("ISO" in line and "(0040,0033)" in line for line in a),
              "INS and its issuer (OID) present for a qualified identity")
        a = ins_query("PAT0002")
        check(a is not None and not any(matricule("1700175123457") in line for line in a) and not any(NIR in line for line in a),
              "no INS for a validated (not qualified) identity")
        a = ins_query("PAT0004")
        check(a is not None and not any("270017512345600" in line for line in a), "no INS when the matricule key is wrong")
        a = ins_query("PAT0006")
        check(a is not None and not any(NIR in line for line in a), "no INS for a qualified identity marked douteuse")
        a = ins_query("PAT0003")
        check(a is not None and not any(NIR in line for line in a), "no INS for an identity without INS")

        # --- off the worklist: a booked step; Latin-1 answers; Specific Character Set always there
        rc, a, out, _ = ask("booked", [("(0010,0010) PN", "BOOKED*")])
        check(rc == 0 and len(a) == 0, "a booked step (patient not arrived) is not on the worklist")
        rc, a, out, _ = ask("latin1", [("(0010,0010) PN", "HÉRON*")], cs="ISO_IR 100")
        check(len(a) == 1 and any("HÉRON^Zélie" in line for line in a[0]) and
              [raw_charset(f) for f in answer_files(out)] == ["ISO_IR 100"], "accented Latin-1 query answered in ISO_IR 100")
        rc, a, out, _ = ask("all_cs", [])
        check(len(a) == len(on_list) and all(any("(0008,0005)" in line for line in x) for x in a),
              f"Specific Character Set in every answer ({len(a)} answers)")
        q = query_file(tmp, "cancel", [], [])
        rc, log = findscu(port, q, os.path.join(tmp, "cancel"), "--cancel", "1", "-v")
        n = len(answer_files(os.path.join(tmp, "cancel")))
        check(n < len(on_list) and "Final Find Response (Cancel" in log, f"C-CANCEL honoured after {n} answers")

        # --- MPPS via dcmjs-dimse, visible in the store
        r = subprocess.run(["node", os.path.join(SRC, "tests/integration/worklist/mpps_client.mjs"), str(port), "MPPSSCU",
                            "SPX0003", "SPX0007"], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, COULOIR_SOURCE_DIR=SRC))
        if r.returncode == 77:
            support.skip_or_fail("dcmjs-dimse not installed (cd tests && npm install)")
        check(r.returncode == 0, "MPPS exchange ran: " + r.stderr[-300:])
        if r.returncode == 0:
            res = json.loads(r.stdout.strip().splitlines()[-1])
            st = res["statuses"]
            check(st[:2] == [0, 0], f"N-CREATE IN PROGRESS then N-SET COMPLETED accepted ({st[:2]})")
            check(st[2] == 0x0110, f"N-SET after COMPLETED refused 0x0110 ({st[2]:#06x})")
            check(st[3] == 0x0110 and "booked" in res["comments"][3],
                  f"N-CREATE for a booked step refused by the workflow ({st[3]:#06x} {res['comments'][3]!r})")
            check(st[4] == 0x0112, f"N-SET unknown instance refused 0x0112 ({st[4]:#06x})")
            con = sqlite3.connect(db)
            step_status = con.execute("SELECT status FROM scheduled_step WHERE sps_id = 'SPX0003'").fetchone()[0]
            pps = con.execute("SELECT status, started_at, ended_at, ae_title FROM performed_step WHERE sop_instance_uid = ?",
                              (res["uid"],)).fetchone()
            series = con.execute("SELECT dataset FROM performed_step WHERE sop_instance_uid = ?",
                                 (res["uid"],)).fetchone()[0]
            booked = con.execute("SELECT status FROM scheduled_step WHERE sps_id = 'SPX0007'").fetchone()[0]
            con.close()
            check(step_status == "completed", f"step completed in the store ({step_status})")
            check(pps is not None and pps[0] == "completed" and pps[1] == "2026-01-05T07:35:00Z"
                  and pps[2] == "2026-01-05T07:45:00Z" and pps[3] == "MPPSSCU",
                  f"performed step stored with status and times ({pps})")
            check(booked == "booked", "booked step untouched")
            ds = json.loads(series) if series else {}
            check(ds.get("series") == [{"series_uid": "1.2.250.1.999.8.77.1", "modality": "CT", "images": [
                {"sop_class_uid": "1.2.840.10008.5.1.4.1.1.2", "sop_instance_uid": "1.2.250.1.999.8.77.1.1"},
                {"sop_class_uid": "1.2.840.10008.5.1.4.1.1.2", "sop_instance_uid": "1.2.250.1.999.8.77.1.2"}]}],
                  f"performed series and images kept for the report ({series})")
            rc, a, out, _ = ask("after_mpps", [], [("(0040,0009) SH", "SPX0003")])
            check(len(a) == 0, "completed step no longer on the worklist")

        rc = srv.stop()
        text = srv.text()
        check(rc == 0 and "DICOM server stopped" in text, f"graceful stop on SIGTERM (rc={rc})")
        check("worklist query" in text and "association accepted" in text and "MPPS" in text,
              "associations, queries and MPPS logged")
        srv = None

        # --- any calling AE accepted when configured; calling-AE filter and cap
        srv = Couloir(db, tmp, worklist_accept_any_calling_ae="true", dicom_mwl_filter_calling_ae="true",
                      dicom_mwl_max_results="3")
        q = query_file(tmp, "filter", [], [])
        rc, log = findscu(srv.dicom_port, q, os.path.join(tmp, "f1"), aet="COULOIR_MR1")
        a = answers(os.path.join(tmp, "f1"))
        check(rc == 0 and len(a) == 3 and all(any("COULOIR_MR1" in line for line in x) for x in a),
              f"any calling AE accepted; filtered by calling AE and capped at 3 ({len(a)})")
        rc = srv.stop()
        check(rc == 0 and "capped=yes" in srv.text(), "cap logged, clean stop")
        srv = None
    finally:
        if srv:
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print(f"{len(FAILS)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

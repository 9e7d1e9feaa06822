#!/usr/bin/env python3
"""Loads the steps of mwlgen.py into a Couloir SQLite store (schema created by `couloir migrate`),
as arrived scheduled steps with their patient, identity, order and requested procedure, so that
`couloir serve` answers the worklist benchmark and the differential tests. The rows are written
with SQL, as the store would write them; the store's triggers fill the worklist read model
(mwl_entry, migration 0024) as for any other writer.

  bench/mwl/load_couloir.py --couloir BIN --db PATH --steps N [--calling-ae BENCH,FINDSCU]

The SPS start date/time of a step is local time in --timezone (Couloir's [site] timezone) and
stored in UTC. Requested Procedure ID = accession number (as Couloir serves it)."""
import argparse
import datetime
import os
import re
import sqlite3
import subprocess
import sys
import time
import unicodedata
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mwlgen  # noqa: E402

NOW = "2026-01-01T00:00:00Z"
CCAM = {"CT": "ZBQK002", "MR": "NZQN001", "DX": "ZBQK001", "US": "ZCQM001", "MG": "QEQK004"}
KIND = {"CT": "scanner", "MR": "irm", "DX": "radiologie", "US": "echographie", "MG": "mammographie"}


def search_key(s):
    """Same form as store_search_key: NFKD, marks dropped, upper case, non-alphanumerics -> one space."""
    if s is None:
        return None
    s = unicodedata.normalize("NFKD", s.casefold())
    s = "".join(c for c in s if not unicodedata.combining(c)).upper()
    return re.sub(r"[\W_]+", " ", s).strip()


def utc(date, tm, tz):
    local = datetime.datetime(int(date[:4]), int(date[4:6]), int(date[6:8]), int(tm[:2]), int(tm[2:4]), int(tm[4:6] or 0),
                              tzinfo=tz)
    return local.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(da):
    return f"{da[:4]}-{da[4:6]}-{da[6:8]}"


def migrate(couloir, db):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
    env["COULOIR_STORE_URL"] = "sqlite:" + db
    env["COULOIR_LOG_LEVEL"] = "warn"
    subprocess.run([couloir, "migrate"], env=env, check=True, capture_output=True)


def reference(con, calling_aes):
    con.execute("INSERT INTO site (id, finess, name, name_key, created_at) VALUES (1, '750000001', 'Bench', 'BENCH', ?)",
                (NOW,))
    for i, (mod, aet, desc) in enumerate(mwlgen.STATIONS, start=1):
        con.execute("INSERT INTO room (id, site_id, name, name_key, kind, created_at) VALUES (?, 1, ?, ?, ?, ?)",
                    (i, f"Salle {aet}", search_key(f"Salle {aet}"), KIND[mod], NOW))
        con.execute("INSERT INTO modality (id, room_id, ae_title, modality_type, created_at) VALUES (?, ?, ?, ?, ?)",
                    (i, i, aet, mod, NOW))
        con.execute("INSERT INTO exam_catalogue (id, ccam_code, ccam_code_key, label, label_key, modality_type, "
                    "duration_minutes, created_at) VALUES (?, ?, ?, ?, ?, ?, 15, ?)",
                    (i, CCAM[mod], CCAM[mod], desc, search_key(desc), mod, NOW))
    for j, ae in enumerate(calling_aes, start=100):
        con.execute("INSERT INTO modality (id, ae_title, modality_type, created_at) VALUES (?, ?, 'CT', ?)", (j, ae, NOW))
    con.execute("INSERT INTO correspondent (id, last_name, last_name_key, first_name, first_name_key, created_at) "
                "VALUES (1, 'DUPONT', 'DUPONT', 'Alain', 'ALAIN', ?)", (NOW,))


def rows(steps, tz):
    exam = {mod: i for i, (mod, _, _) in enumerate(mwlgen.STATIONS, start=1)}
    for i, s in enumerate(steps, start=1):
        family, given = s["patient_name"].split("^", 1)
        yield (
            (i, s["patient_id"], search_key(s["patient_id"]), NOW),
            (i, i, family, search_key(family), given, search_key(given), iso(s["birth_date"]), s["sex"],
             s.get("ins_matricule"), s.get("ins_oid"), s.get("rniv_status", "provisoire"), s.get("douteuse", 0), NOW),
            (i, i, 1 if s.get("referring", "DUPONT^Alain") else None, NOW),
            (i, i, exam[s["modality"]], s["accession"], s["study_uid"], NOW),
            (i, i, s["sps_id"], exam[s["modality"]], s["station_aet"], s["modality"],
             utc(s["sps_date"], s["sps_time"], tz), s["performing"] or None, s.get("status", "arrived"), NOW),
        )


def load(db, steps, calling_aes=(), timezone="Europe/Paris", batch=20000):
    tz = zoneinfo.ZoneInfo(timezone)
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        reference(con, calling_aes)
    sql = [
        "INSERT INTO patient (id, ipp, ipp_key, created_at) VALUES (?, ?, ?, ?)",
        "INSERT INTO identity (id, patient_id, birth_name, birth_name_key, first_given_name, first_given_name_key, "
        "birth_date, sex, ins_matricule, ins_oid, rniv_status, douteuse, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "INSERT INTO imaging_order (id, patient_id, requester_id, created_at) VALUES (?, ?, ?, ?)",
        "INSERT INTO requested_procedure (id, order_id, exam_id, accession_number, study_instance_uid, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        "INSERT INTO scheduled_step (id, procedure_id, sps_id, modality_id, ae_title, modality_type, start_at, "
        "performing_physician, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ]
    pending = [[] for _ in sql]
    n = 0

    def flush():
        with con:
            for q, p in zip(sql, pending):
                con.executemany(q, p)
                p.clear()

    for r in rows(steps, tz):
        for k, v in enumerate(r):
            pending[k].append(v)
        n += 1
        if n % batch == 0:
            flush()
    flush()
    con.execute("ANALYZE")
    con.close()
    return n


def wl_dataset(s):
    """The .wl item of a step as Couloir serves it (Requested Procedure ID = accession number)."""
    return dict(s, requested_procedure_id=s["accession"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--couloir", required=True, help="the couloir binary (runs `couloir migrate`)")
    ap.add_argument("--db", required=True, help="SQLite file to create")
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--calling-ae", default="BENCH,FINDSCU")
    ap.add_argument("--timezone", default="Europe/Paris")
    args = ap.parse_args()
    if os.path.exists(args.db):
        sys.exit(f"{args.db} exists: give a new file")
    t0 = time.time()
    migrate(args.couloir, args.db)
    n = load(args.db, mwlgen.steps(args.steps), [a for a in args.calling_ae.split(",") if a], args.timezone)
    print(f"loaded {n} steps into {args.db} in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()

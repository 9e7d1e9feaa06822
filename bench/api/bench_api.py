#!/usr/bin/env python3
"""API benchmark: free-slot search and the agenda of a day with 10,000 appointments on SQLite.

  bench/api/bench_api.py [--couloir PATH] [--appointments 10000] [--connections 200]
                         [--duration 15] [--threads 2] [--http-threads 4] [--gzip]

Builds nothing: pass an optimised build of `couloir` without sanitizers (default: $COULOIR_BIN,
else build-release/src/app/couloir), e.g.
  cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOULOIR_TESTS=OFF
  ninja -C build-release couloir
It creates a temp SQLite database, loads reference data and
N appointments through the REST API itself (so every row passed validation), logs in, then runs
`wrk` (Debian package) with C connections and the session cookie against
  GET /api/v1/appointments/slots?room_id=..&catalogue_id=..&from=DAY&to=DAY   (a busy day)
  GET /api/v1/agenda?date=DAY                                                 (all rooms)
and prints p50/p99 latency and requests/s for each. Target: p99 < 20 ms.

wrk keeps every connection busy (closed loop), so with C connections the median latency is about
C / throughput: p99 < 20 ms with 200 connections needs well over 10,000 requests/s. Run it on an
otherwise idle machine: the figures measure the host as much as Couloir.
--workdir DIR keeps the database for the next run (loading takes about a minute).
--gzip sends `Accept-Encoding: gzip` like a browser: the cached agenda and slot answers are then
sent compressed (the agenda of a busy day: ~52 KB of JSON, ~5 KB gzipped). Without it (the
default), answers are sent uncompressed."""
import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "api"))

from api_client import PgDatabase, Server  # noqa: E402

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
ROOM_KINDS = [("Scanner", "scanner", "CT"), ("IRM", "irm", "MR"), ("Radiologie", "radiologie", "DX"),
              ("Échographie", "echographie", "US"), ("Mammographie", "mammographie", "MG")]
SLOT_MINUTES = 30
OPEN_H, CLOSE_H = 8, 19


def utc(d, minute):
    local = datetime.datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=PARIS)
    return local.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def weekdays(start, count):
    d = start
    out = []
    while len(out) < count:
        if d.weekday() < 5:
            out.append(d)
        d += datetime.timedelta(days=1)
    return out


def must(r, what):
    if r.status not in (200, 201):
        raise SystemExit(f"{what}: {r.status} {r.raw[:300]!r}")
    return r.json


def load(srv, n_appts, workers=8):
    admin = srv.client()
    must(admin.login("bench-admin", "bench-admin-pw"), "admin login")
    site = must(admin.post("/api/v1/sites", {"finess": "750000099", "name": "Centre de test"}), "site")["id"]
    rooms, exams = [], []
    for i, (name, kind, mtype) in enumerate(ROOM_KINDS):
        room = must(admin.post("/api/v1/rooms", {"site_id": site, "name": f"{name} 1", "kind": kind}), "room")["id"]
        must(admin.post("/api/v1/modalities", {"room_id": room, "ae_title": f"MOD{i}", "modality_type": mtype}),
             "modality")
        exam = must(admin.post("/api/v1/catalogue", {"ccam_code": f"ZZQK00{i}", "label": f"Examen {name}",
                                                     "modality_type": mtype, "duration_minutes": SLOT_MINUTES}),
                    "catalogue")["id"]
        rooms.append(room)
        exams.append(exam)

    per_day = (CLOSE_H - OPEN_H) * 60 // SLOT_MINUTES * len(rooms)
    days = weekdays(datetime.date.today() + datetime.timedelta(days=1), -(-n_appts // per_day))
    n_patients = max(1, n_appts // 5)

    def make_patient(i):
        c = clients[i % workers]
        pid = must(c.post("/api/v1/patients", {"ipp": f"B{i:07d}"}), "patient")["id"]
        must(c.post("/api/v1/identities", {"patient_id": pid, "birth_name": f"NOM{i}", "first_given_name": "Prénom",
                                           "birth_date": "1970-01-01", "sex": "F" if i % 2 else "M"}), "identity")
        return pid

    def make_appt(k):
        c = clients[k % workers]
        day = days[k // per_day]
        slot = k % per_day
        room = rooms[slot % len(rooms)]
        minute = OPEN_H * 60 + (slot // len(rooms)) * SLOT_MINUTES
        must(c.post("/api/v1/appointments", {"patient_id": patients[k % len(patients)], "room_id": room,
                                             "start_at": utc(day, minute), "end_at": utc(day, minute + SLOT_MINUTES)}),
             "appointment")

    clients = []
    for _ in range(workers):
        c = srv.client()
        must(c.login("bench-accueil", "bench-accueil-pw"), "accueil login")
        clients.append(c)
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        patients = list(ex.map(make_patient, range(n_patients)))
        list(ex.map(make_appt, range(n_appts)))
    return rooms, exams, days


def wrk(url, cookie, connections, threads, duration, gzip=False):
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", "--timeout", "10s",
           "-H", f"Cookie: couloir_session={cookie}"] + (["-H", "Accept-Encoding: gzip"] if gzip else []) + [url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout

    def lat(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"p50": lat(50), "p99": lat(99), "rps": float(rps.group(1)) if rps else float("nan"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "errors": errors.group(0) if errors else "", "raw": out}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--couloir", default=os.environ.get("COULOIR_BIN") or
                    os.path.join(ROOT, "build-release", "src", "app", "couloir"))
    ap.add_argument("--appointments", type=int, default=10000)
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--http-threads", type=int, default=4, help="[http] threads of the server")
    ap.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip (as browsers do)")
    ap.add_argument("--workdir", help="keep the database in this folder and reuse it on the next run")
    ap.add_argument("--pg", metavar="ADMIN_URL", help="compare on PostgreSQL: a fresh database is created on this "
                    "cluster (libpq URL of a superuser, e.g. $COULOIR_TEST_PG_URL) and dropped afterwards")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    os.environ["COULOIR_BIN"] = os.path.abspath(args.couloir)
    work = args.workdir or tempfile.mkdtemp(prefix="couloir-bench-api-")
    os.makedirs(work, exist_ok=True)
    meta_path = os.path.join(work, "bench-meta.json")
    reuse = args.workdir and os.path.exists(meta_path) and not args.pg
    pg = PgDatabase(args.pg) if args.pg else None
    env = {"COULOIR_HTTP_THREADS": str(args.http_threads), "COULOIR_STORE_POOL_SIZE": str(args.http_threads + 2),
           "COULOIR_LOG_LEVEL": "warn", "COULOIR_HTTP_LOGIN_MAX_ATTEMPTS": "1000",
           "COULOIR_SITE_TIMEZONE": "Europe/Paris", "COULOIR_SITE_OPEN_MINUTE": str(OPEN_H * 60),
           "COULOIR_SITE_CLOSE_MINUTE": str(CLOSE_H * 60)}
    try:
        with Server(store_url=pg.url if pg else None, extra_env=env, workdir=work) as srv:
            if reuse:
                with open(meta_path, encoding="utf-8") as f:
                    meta = json.load(f)
                rooms, exams = meta["rooms"], meta["exams"]
                days = [datetime.date.fromisoformat(d) for d in meta["days"]]
                srv.start()
                print(f"reusing {work}: {meta['appointments']} appointments")
            else:
                srv.migrate()
                srv.add_user("bench-admin", "admin", "bench-admin-pw")
                srv.add_user("bench-accueil", "accueil", "bench-accueil-pw")
                srv.start()
                t0 = datetime.datetime.now()
                rooms, exams, days = load(srv, args.appointments)
                print(f"loaded {args.appointments} appointments over {len(days)} days and {len(rooms)} rooms "
                      f"through the API in {(datetime.datetime.now() - t0).total_seconds():.1f} s")
                with open(meta_path, "w", encoding="utf-8") as f:
                    json.dump({"rooms": rooms, "exams": exams, "days": [str(d) for d in days],
                               "appointments": args.appointments}, f)
            c = srv.client()
            must(c.login("bench-accueil", "bench-accueil-pw"), "login")
            day = days[len(days) // 2]
            base = f"http://127.0.0.1:{srv.port}"
            agenda = c.get(f"/api/v1/agenda?date={day}")
            slots = c.get(f"/api/v1/appointments/slots?room_id={rooms[0]}&catalogue_id={exams[0]}&from={day}&to={day}")
            print(f"agenda of {day}: {len(must(agenda, 'agenda')['items'])} appointments; "
                  f"slot search: {len(must(slots, 'slots')['items'])} free slots (day fully booked)")
            targets = [
                ("slot search (room, exam, 1 day)",
                 f"{base}/api/v1/appointments/slots?room_id={rooms[0]}&catalogue_id={exams[0]}&from={day}&to={day}"),
                ("slot search (exam, all rooms, 7 days)",
                 f"{base}/api/v1/appointments/slots?catalogue_id={exams[0]}&from={day}"
                 f"&to={day + datetime.timedelta(days=6)}"),
                ("agenda of a day (all rooms)", f"{base}/api/v1/agenda?date={day}"),
            ]
            print(f"\nwrk: {args.connections} connections, {args.threads} threads, {args.duration} s each"
                  f"{', Accept-Encoding: gzip' if args.gzip else ''}; "
                  f"server: {args.http_threads} HTTP threads, {'PostgreSQL' if pg else 'SQLite'}")
            print(f"{'endpoint':40} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>9}  non-2xx")
            ok = True
            for name, url in targets:
                r = wrk(url, c.cookie, args.connections, args.threads, args.duration, args.gzip)
                print(f"{name:40} {r['p50']:8.2f} {r['p99']:8.2f} {r['rps']:9.0f}  {r['non2xx']} {r['errors']}")
                if r["non2xx"] or not r["p99"] == r["p99"]:
                    ok = False
                    print(r["raw"], file=sys.stderr)
                if r["p99"] >= 20:
                    ok = False
            print("\ntarget p99 < 20 ms:", "met" if ok else "NOT met")
    finally:
        if pg:
            pg.drop()
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

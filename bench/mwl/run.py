#!/usr/bin/env python3
"""Worklist benchmark: the same scheduled steps served by Couloir, DCMTK wlmscpfs and Orthanc's
ModalityWorklists plugin, the same queries timed with the same client (findscu_min.py).

  bench/mwl/run.py --steps 10000 [--repeat 20] [--couloir-port P] [--peers/--no-peers]
  bench/mwl/run.py --steps 1000000 --couloir build-rel/src/app/couloir [--db PATH] [--no-peers]

--couloir BIN loads the steps into a fresh SQLite store (load_couloir.py; kept with --db PATH
when the file does not exist yet, reused when it does) and starts `couloir serve` on it.

Peers are only run at 10,000 steps or fewer (they read every file per query). Every query is
first run --warmup times (default 1, untimed, printed) on each server, then --repeat times
(peers: a quarter of it, at least 3). Prints median and p99 per query for each server, and the
speed-up of Couloir. Everything binds 127.0.0.1. See README.md.
"""
import argparse
import json
import multiprocessing
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import findscu_min  # noqa: E402
import load_couloir  # noqa: E402
import mwlgen  # noqa: E402

RETURN_KEYS = [
    (0x0008, 0x0050, ""), (0x0008, 0x0090, ""), (0x0010, 0x0010, ""), (0x0010, 0x0020, ""),
    (0x0010, 0x0030, ""), (0x0010, 0x0040, ""), (0x0020, 0x000D, ""), (0x0032, 0x1060, ""),
]


def sps(**match):
    keys = {0x0060: "", 0x0001: "", 0x0002: "", 0x0003: "", 0x0006: "", 0x0007: "", 0x0009: ""}
    for k, v in match.items():
        keys[{"modality": 0x0060, "aet": 0x0001, "date": 0x0002}[k]] = v
    items = [((0x0008 if e == 0x0060 else 0x0040), e, v) for e, v in keys.items()]
    return sorted(items)


def query(top=None, **sps_match):
    keys = dict(((g, e), v) for g, e, v in RETURN_KEYS)
    for (g, e), v in (top or {}).items():
        keys[(g, e)] = v
    keys[(0x0040, 0x0100)] = sps(**sps_match)
    keys[(0x0040, 0x1001)] = ""
    return [(g, e, v) for (g, e), v in sorted(keys.items())]


QUERIES = {
    "station+day": query(aet="COULOIR_CT1", date="20260115"),
    "modality+range": query(modality="MR", date="20260110-20260112"),
    "name-wildcard+day": query({(0x0010, 0x0010): "MART*"}, date="20260115"),
    "accession": query({(0x0008, 0x0050): "ACC00000777"}),
    "patient-id": query({(0x0010, 0x0020): "IPP00001234"}),
}


def wait_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_wl(steps, folder):
    os.makedirs(folder, exist_ok=True)
    for i, s in enumerate(steps):
        with open(os.path.join(folder, f"item{i:07d}.wl"), "wb") as f:
            f.write(mwlgen.part10(s))


def start_wlmscpfs(tmp, steps):
    db = os.path.join(tmp, "wlmscpfs")
    write_wl(steps, os.path.join(db, "WLM"))
    open(os.path.join(db, "WLM", "lockfile"), "w").close()
    port = free_port()
    proc = subprocess.Popen(["wlmscpfs", "-dfp", db, "-dfr", "--max-pdu", "65536", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port, "WLM"


def start_orthanc(tmp, steps):
    folder = os.path.join(tmp, "orthanc-wl")
    write_wl(steps, folder)
    port, http = free_port(), free_port()
    cfg = {
        "Name": "bench", "StorageDirectory": os.path.join(tmp, "orthanc-db"),
        "IndexDirectory": os.path.join(tmp, "orthanc-db"), "DicomAet": "ORTHANC", "DicomPort": port,
        "HttpPort": http, "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
        "DicomCheckCalledAet": False, "Plugins": ["/usr/share/orthanc/plugins/libModalityWorklists.so"],
        "Worklists": {"Enable": True, "Database": folder}, "DicomServerEnabled": True,
        "HttpServerEnabled": True, "StableAge": 1, "DicomAlwaysAllowFind": True,
        "DicomAlwaysAllowEcho": True, "DicomModalities": {"bench": ["BENCH", "127.0.0.1", 104]},
        "DicomScpTimeout": 30,
    }
    path = os.path.join(tmp, "orthanc.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    proc = subprocess.Popen(["Orthanc", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port, "ORTHANC"


def start_couloir(tmp, binary, steps, db=None):
    db = db or os.path.join(tmp, "couloir.db")
    if not os.path.exists(db):
        t0 = time.time()
        load_couloir.migrate(binary, db)
        load_couloir.load(db, steps, ["BENCH"])
        print(f"loaded {len(steps)} steps into {db} in {time.time() - t0:.1f} s", flush=True)
    port, http = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
    env.update({"COULOIR_STORE_URL": "sqlite:" + db, "COULOIR_HTTP_PORT": str(http), "COULOIR_HTTP_BIND": "127.0.0.1",
                "COULOIR_HL7_LISTEN_PORT": "0", "COULOIR_DICOM_PORT": str(port), "COULOIR_DICOM_BIND_ADDRESS": "127.0.0.1",
                "COULOIR_LOG_LEVEL": "warn", "COULOIR_SITE_TIMEZONE": "Europe/Paris"})
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port, "COULOIR"


def measure(name, port, called, repeat, warmup=1):
    rows = {}
    for qname, keys in QUERIES.items():
        for _ in range(warmup):  # untimed: first prepare / page faults of a fresh server process
            _, status, sec, _ = findscu_min.find("127.0.0.1", port, keys, called=called)
            if status != 0:
                raise RuntimeError(f"{name} {qname}: final status {status:#06x}")
            print(f"  {name:10s} {qname:18s} warm-up {sec * 1000:9.2f} ms (not counted)", flush=True)
        times, count = [], None
        for _ in range(repeat):
            n, status, sec, _ = findscu_min.find("127.0.0.1", port, keys, called=called)
            if status != 0:
                raise RuntimeError(f"{name} {qname}: final status {status:#06x}")
            count = n if count is None else count
            times.append(sec * 1000)
        times.sort()
        p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
        rows[qname] = (statistics.median(times), p99, count)
        print(f"  {name:10s} {qname:18s} matches={count:6d} median={rows[qname][0]:9.2f} ms p99={p99:9.2f} ms",
              flush=True)
    return rows


def _write_steps(db, rate, nsteps, stop, count):
    con = sqlite3.connect(db, timeout=10, isolation_level=None)
    rnd = random.Random(7)
    while not stop.wait(1.0 / rate):
        con.execute("UPDATE scheduled_step SET performing_physician = ? WHERE id = ?",
                    (f"GARDE^W{count.value}", rnd.randint(1, nsteps)))
        count.value += 1
    con.close()


class Writer:
    """Concurrent writes during Couloir's measurement, as the HL7 feed and the front desk make
    them: `rate` updates per second of a random step's performing physician, each its own
    transaction (in WAL mode each commit empties the other connections' SQLite page caches, and
    the read-model triggers rewrite the step's entry). A process of its own, so that it does not
    share the client's interpreter lock."""

    def __init__(self, db, rate, nsteps):
        self.stop = multiprocessing.Event()
        self.count = multiprocessing.Value("l", 0)
        self.proc = multiprocessing.Process(target=_write_steps, args=(db, rate, nsteps, self.stop, self.count),
                                            daemon=True)

    def start(self):
        self.proc.start()

    def finish(self):
        self.stop.set()
        self.proc.join(timeout=30)
        return self.count.value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs of each query before timing (every server)")
    ap.add_argument("--peers", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--couloir-port", type=int, help="a running Couloir MWL SCP already loaded with --steps")
    ap.add_argument("--couloir-aet", default="COULOIR")
    ap.add_argument("--couloir", help="the couloir binary: load the steps into a SQLite store and serve them")
    ap.add_argument("--db", help="with --couloir: SQLite file to create (or reuse when it exists)")
    ap.add_argument("--writes-per-second", type=float, default=0,
                    help="with --couloir: a concurrent writer updating random steps during Couloir's runs")
    args = ap.parse_args()
    steps = list(mwlgen.steps(args.steps))
    results = {}
    procs = []
    tmp = tempfile.mkdtemp(prefix="couloir-mwl-bench-")
    try:
        if args.couloir:
            proc, port, called = start_couloir(tmp, args.couloir, steps, args.db)
            procs.append(proc)
            writer = None
            if args.writes_per_second > 0:
                writer = Writer(args.db or os.path.join(tmp, "couloir.db"), args.writes_per_second, args.steps)
                writer.start()
            print(f"Couloir ({args.steps} steps{', concurrent writes' if writer else ''}):")
            results["couloir"] = measure("couloir", port, called, args.repeat, args.warmup)
            if writer:
                print(f"  concurrent writes: {writer.finish()}")
            proc.terminate()
            proc.wait(timeout=30)
        elif args.couloir_port:
            print(f"Couloir ({args.steps} steps):")
            results["couloir"] = measure("couloir", args.couloir_port, args.couloir_aet, args.repeat, args.warmup)
        if args.peers and args.steps <= 10000:
            peer_repeat = max(3, args.repeat // 4)
            for label, starter in (("wlmscpfs", start_wlmscpfs), ("orthanc", start_orthanc)):
                if not shutil.which("wlmscpfs" if label == "wlmscpfs" else "Orthanc"):
                    print(f"{label}: not installed, skipped")
                    continue
                proc, port, called = starter(tmp, steps)
                procs.append(proc)
                print(f"{label} ({args.steps} steps):")
                results[label] = measure(label, port, called, peer_repeat, args.warmup)
                proc.terminate()
                proc.wait(timeout=30)
        if "couloir" in results:
            for peer in ("wlmscpfs", "orthanc"):
                if peer in results:
                    for q, (med, _, n) in results["couloir"].items():
                        pm, _, pn = results[peer][q]
                        note = "" if n == pn else f"  (match counts differ: {n} vs {pn})"
                        print(f"  speed-up vs {peer:9s} {q:18s} x{pm / med:8.1f}{note}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""HL7 benchmark: `couloir serve` on a fresh SQLite store (synchronous=FULL by default: every
acknowledgement follows a durable commit), C concurrent MLLP clients sending ADT^A28, ADT^A08 and
ORM^O01 (bench/hl7/hl7_load.c); prints messages/s and the p99 acknowledgement latency.

  python3 bench/hl7/run.py --couloir BUILD/src/app/couloir --load BUILD/bench/hl7/hl7_load \\
      [--connections 64] [--seconds 15] [--synchronous full|normal] [--batch-max 512]

Build without sanitizers for meaningful figures (cmake -DCMAKE_BUILD_TYPE=Release)."""
import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--couloir", required=True)
    ap.add_argument("--load", required=True)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--synchronous", default="full", choices=["full", "normal"])
    ap.add_argument("--batch-max", type=int, default=512)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
        port = free_port()
        env.update({
            "COULOIR_STORE_URL": "sqlite:" + os.path.join(tmp, "bench.db"),
            "COULOIR_STORE_SQLITE_SYNCHRONOUS": a.synchronous,
            "COULOIR_LOG_LEVEL": "warn",
            "COULOIR_HTTP_PORT": str(free_port()),
            "COULOIR_HL7_LISTEN_ADDRESS": "127.0.0.1",
            "COULOIR_HL7_LISTEN_PORT": str(port),
            "COULOIR_HL7FEED_BATCH_MAX": str(a.batch_max),
        })
        subprocess.run([a.couloir, "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([a.couloir, "demo"], env=env, check=True, capture_output=True)
        srv = subprocess.Popen([a.couloir, "serve"], env=env)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline or srv.poll() is not None:
                        sys.exit("couloir serve did not open its MLLP port")
                    time.sleep(0.1)
            print(f"sqlite synchronous={a.synchronous}, {os.cpu_count()} CPUs, batch_max={a.batch_max}", flush=True)
            rc = subprocess.run([a.load, str(port), str(a.connections), str(a.seconds)]).returncode
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.wait(timeout=60)
        sys.exit(rc)


if __name__ == "__main__":
    main()

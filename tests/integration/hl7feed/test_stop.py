"""`couloir serve` stops cleanly on SIGTERM while it works (regression of issue 3: an abort inside
libmicrohttpd, "Failed to remove listen FD from epoll set", at SIGTERM right after an HL7 delivery
failed for good).

Each round starts a real server whose configured PACS (a python MLLP peer, not Couloir's code)
refuses every message (AE: the delivery fails for good), sends an ADT^A28 over MLLP, waits until
the PACS has refused the resulting ADT^A08, then sends SIGTERM while several HTTP clients keep
requesting /healthz (new and kept-alive connections: the HTTP worker threads are busy when the
daemon stops). Every round must exit 0 within the time limit, with no libmicrohttpd complaint.
COULOIR_STOP_ROUNDS overrides the number of rounds (default 12)."""
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import support

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import hl7peer as hp  # noqa: E402
from api_client import Server  # noqa: E402


class RefusingPeer(hp.Listener):
    """An MLLP peer that records every message and answers AE (refused for good)."""

    def serve(self, conn):
        conn.settimeout(0.5)
        df = hp.Deframer()
        while not self.stop:
            try:
                data = conn.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            for m in df.push(data):
                text = m.decode("utf-8", "replace")
                with self.lock:
                    self.messages.append(text)
                ctl = text.split("\r")[0].split("|")[9]
                ack = f"MSH|^~\\&|PACS||RIS||20260101000000||ACK|R{ctl}|P|2.5\rMSA|AE|{ctl}|Refus de test\r"
                conn.sendall(hp.frame(ack))
        conn.close()


def hammer(port, stop, errors):
    """Requests /healthz in a loop, alternating new and kept-alive connections."""
    n = 0
    while not stop.is_set():
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            for _ in range(1 + n % 3):
                c.request("GET", "/healthz")
                c.getresponse().read()
            c.close()
        except (OSError, http.client.HTTPException):
            time.sleep(0.005)  # expected while the server stops
        n += 1


def one_round(i, tmp, peer):
    hl7_port = support.free_port()
    srv = Server(workdir=tempfile.mkdtemp(dir=tmp), extra_env={
        "COULOIR_HL7_LISTEN_ADDRESS": "127.0.0.1",
        "COULOIR_HL7_LISTEN_PORT": str(hl7_port),
        "COULOIR_HL7FEED_PACS_ADDRESS": f"127.0.0.1:{peer.port}",
        "COULOIR_WORKLIST_ENABLED": "false",
        "COULOIR_LOG_LEVEL": "warn",
    })
    srv.start()
    stop = threading.Event()
    errors = []
    threads = [threading.Thread(target=hammer, args=(srv.port, stop, errors), daemon=True) for _ in range(6)]
    try:
        for t in threads:
            t.start()
        ctl = f"STOP-{i}-{os.getpid()}"
        mllp = hp.Client(hl7_port)
        try:
            ack = mllp.send(hp.adt("A28", ctl, f"IPPSTOP{i}", birth_name="ARRET"))
        finally:
            mllp.close()
        if hp.ack_code(ack) != "AA":
            raise AssertionError(f"round {i}: A28 not accepted: {ack}")
        got = peer.wait_for(lambda m: "ADT^A08" in m and f"IPPSTOP{i}" in m, timeout=30)
        if not got:
            raise AssertionError(f"round {i}: no ADT^A08 at the PACS: {srv.log_text()}")
        # the refusal is recorded right after the AE: stop while it happens, HTTP busy
        time.sleep((i % 4) * 0.01)
        srv.proc.send_signal(signal.SIGTERM)
        try:
            rc = srv.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            srv.proc.kill()
            srv.proc.wait(timeout=10)
            raise AssertionError(f"round {i}: no stop within 40 s: {srv.log_text()}")
        log = srv.log_text()
        if rc != 0 or "Failed to remove" in log or "libmicrohttpd" in log:
            raise AssertionError(f"round {i}: exit {rc} at SIGTERM: {log}")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
        srv.stop()
    return log


def main():
    rounds = int(os.environ.get("COULOIR_STOP_ROUNDS", "12"))
    peer = RefusingPeer()
    try:
        with tempfile.TemporaryDirectory(prefix="couloir-stop-") as tmp:
            refused = 0
            for i in range(rounds):
                log = one_round(i, tmp, peer)
                refused += "delivery failed for good" in log
            # the scenario really was "right after a delivery failed for good" in most rounds
            if refused == 0:
                raise AssertionError("no round logged a delivery failed for good")
            print(f"ok: {rounds} rounds stopped cleanly ({refused} right after a refused delivery)")
    finally:
        peer.close()


if __name__ == "__main__":
    main()

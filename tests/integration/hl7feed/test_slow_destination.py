"""One silent HL7 destination does not delay the others (issue 3), over a real `couloir serve`
with python MLLP peers (not Couloir's code):

- the configured PACS accepts connections, reads the messages and never answers (ack timeout
  [hl7feed] pacs_ack_timeout_seconds = 4 s here);
- a second destination "ris", created through the API, answers AA at once.

Four ADT^A28 in a row: the RIS gets its four ADT^A08 promptly (each within 3 s of the A28's
acknowledgement, while the PACS still holds its first message) and in queue order; the PACS
received one message at a time (the second only after the first timed out); its job is listed
pending with the French timeout error after its first attempt."""
import os
import re
import socket
import sys
import tempfile
import time

import support

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import hl7peer as hp  # noqa: E402
from api_client import Server  # noqa: E402

PASSWORD = "correct horse battery"
ACK_TIMEOUT_S = 4


class SilentPeer(hp.Listener):
    """Accepts, records every message with its arrival time, never answers."""

    def __init__(self):
        self.arrivals = []
        super().__init__()

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
                with self.lock:
                    self.messages.append(m.decode("utf-8", "replace"))
                    self.arrivals.append(time.monotonic())
        conn.close()


def check(cond, what, detail=""):
    if not cond:
        raise AssertionError(f"{what}: {detail}")


def main():
    silent = SilentPeer()
    ris_peer = hp.Listener()
    hl7_port = support.free_port()
    with tempfile.TemporaryDirectory(prefix="couloir-slow-") as tmp:
        srv = Server(workdir=tmp, extra_env={
            "COULOIR_HL7_LISTEN_ADDRESS": "127.0.0.1",
            "COULOIR_HL7_LISTEN_PORT": str(hl7_port),
            "COULOIR_HL7FEED_PACS_ADDRESS": f"127.0.0.1:{silent.port}",
            "COULOIR_HL7FEED_PACS_ACK_TIMEOUT_SECONDS": str(ACK_TIMEOUT_S),
            "COULOIR_WORKLIST_ENABLED": "false",
        })
        try:
            srv.migrate()
            srv.add_user("hl7admin", "admin", PASSWORD)
            srv.start()
            hp.wait_port(hl7_port, srv.proc)
            admin = srv.client()
            check(admin.login("hl7admin", PASSWORD).status == 200, "admin login")
            r = admin.post("/api/v1/hl7/destinations", {"name": "ris", "host": "127.0.0.1", "port": ris_peer.port})
            check(r.status == 201, "RIS destination created", r)
            ris = r.json
            pacs = [d for d in admin.get("/api/v1/hl7/destinations").json["items"] if d["source"] == "config"][0]
            mllp = hp.Client(hl7_port)
            t_acks = []
            for i in range(4):
                ack = mllp.send(hp.adt("A28", f"SLOW-{i}", f"IPPSLOW{i}", birth_name="LENT"))
                check(hp.ack_code(ack) == "AA", f"A28 {i} accepted", ack)
                t_acks.append(time.monotonic())
            mllp.close()
            # the healthy destination: all four, promptly, in order
            got = []
            deadline = t_acks[-1] + 3
            while time.monotonic() < deadline and len(got) < 4:
                with ris_peer.lock:
                    got = [m for m in ris_peer.messages if "ADT^A08" in m and "IPPSLOW" in m]
                time.sleep(0.05)
            t_done = time.monotonic()
            check(len(got) == 4, "the RIS got its 4 messages within 3 s while the PACS is silent",
                  f"{len(got)} after {t_done - t_acks[-1]:.1f} s")
            order = [int(re.search(r"IPPSLOW(\d)", m).group(1)) for m in got]
            check(order == [0, 1, 2, 3], "the RIS got them in queue order", order)
            with silent.lock:
                held = len(silent.messages)
            check(held == 1, "the silent PACS holds its first message, the others wait behind it", held)
            # the PACS: first attempt times out (French error), then the next message goes
            def first_timed_out():
                r = admin.get(f"/api/v1/hl7/outbox?destination_id={pacs['id']}")
                items = [i for i in r.json["items"] if i["attempts"] >= 1]
                return items[0] if items else None
            deadline = time.monotonic() + ACK_TIMEOUT_S + 10
            item = None
            while time.monotonic() < deadline and not item:
                item = first_timed_out()
                time.sleep(0.2)
            check(item and item["state"] == "pending" and "accusé de réception" in item["last_error"],
                  "the silent destination's job waits for a retry, with the timeout error", item)
            deadline = time.monotonic() + ACK_TIMEOUT_S + 10
            while time.monotonic() < deadline:
                with silent.lock:
                    if len(silent.arrivals) >= 2:
                        break
                time.sleep(0.1)
            with silent.lock:
                arrivals = list(silent.arrivals)
            check(len(arrivals) >= 2 and arrivals[1] - arrivals[0] >= ACK_TIMEOUT_S - 0.5,
                  "one message at a time to the silent PACS (the next after the timeout)", arrivals)
            r = admin.get(f"/api/v1/hl7/outbox?destination_id={ris['id']}&state=done")
            check(r.json["total"] == 4, "the RIS jobs are done", r.json)
            print(f"ok: RIS served in {t_done - t_acks[-1]:.2f} s after the last A28 while the PACS was silent")
        except BaseException:
            sys.stderr.write(srv.log_text())
            raise
        finally:
            srv.stop()
            silent.close()
            ris_peer.close()


if __name__ == "__main__":
    main()

"""Truthful HL7 sharing status of a report (issues 6 and 7) over real HTTP against `couloir serve` on a
temporary database filled by `couloir demo`, with MLLP peers written in python (not Couloir's code).

Report.shares[hl7] follows the hand-off job "report-hl7" and then the "hl7" jobs it fanned out, one
per destination subscribed to reports (docs/reporting.md, "Sharing status"):
- no destination subscribed: "not_applicable" with a French label, no destination listed;
- a destination that is down: "pending" with the French error, attempts and the next attempt, the
  share's job_id being that destination's job; once the peer listens, "Relancer" (POST
  /api/v1/outbox/{job_id}/retry with the share's job_id) delivers it: "sent";
- after a correction, two destinations, one refusing (AR): "failed" naming the refusing one, the
  other "sent" in "destinations"; the refusing peer fixed, the retry of the failed job makes the
  share "sent" again, and a retry of a delivered job answers 409.

Usage: test_share_status.py sqlite | pg"""
import os
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, os.path.join(HERE, "..", "hl7feed"))

import hl7peer as hp  # noqa: E402
import support  # noqa: E402
from api_client import PgDatabase, Server  # noqa: E402

DEMO = {"admin": "Admin-Demo-2026", "accueil": "Accueil-Demo-2026", "manip": "Manip-Demo-2026",
        "radio": "Radio-Demo-2026"}
IONISING = ("CT", "CR", "DX", "MG", "NM", "PT", "XA", "RF", "BMD")


class Peer:
    """An MLLP peer on a given port answering every message with `code` (AA, AR...)."""

    def __init__(self, port, code="AA"):
        self.code = code
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.messages = []
        self.lock = threading.Lock()
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

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
                msh = text.split("\r")[0].split("|")
                ack = (f"MSH|^~\\&|PEER||{msh[2]}||20260101000000||ACK|A{msh[9]}|P|{msh[11]}\r"
                       f"MSA|{self.code}|{msh[9]}\r")
                if self.code != "AA":
                    ack += "ERR||||E|||Message refusé pour le test\r"
                conn.sendall(hp.frame(ack))
        conn.close()

    def count(self, needle):
        with self.lock:
            return sum(1 for m in self.messages if needle in m)

    def close(self):
        self.stop = True
        self.sock.close()


def check(cond, what, detail=""):
    if not cond:
        raise AssertionError(f"{what}: {detail!r}")


def wait(predicate, what, timeout=60):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        ok, last = predicate()
        if ok:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timeout: {what}; last seen: {last!r}")


def perform_exam(accueil, manip, used):
    """An appointment with a procedure not used yet, moved to completed."""
    r = accueil.get("/api/v1/appointments?limit=200")
    check(r.status == 200, "appointments", r)
    for appt in r.json["items"]:
        if appt.get("procedure_id") and appt.get("step_id") and appt["status"] == "booked" \
                and appt["procedure_id"] not in used:
            for who, action in ((accueil, "arrive"), (manip, "start"), (manip, "complete")):
                rr = who.post(f"/api/v1/appointments/{appt['id']}/{action}")
                check(rr.status == 200, action, rr)
            used.add(appt["procedure_id"])
            return appt["procedure_id"]
    raise AssertionError("no booked appointment with a procedure left in the demo data")


def validated_report(c, used):
    """A report created, filled and validated on a newly performed exam; its id."""
    proc = perform_exam(c["accueil"], c["manip"], used)
    r = c["radio"].post("/api/v1/reports", {"procedure_id": proc})
    check(r.status == 201, "report created", r)
    rep = r.json
    body = {"sections": {s["key"]: f"Texte de la section {s['title']}." for s in rep["template"]["sections"]}}
    if rep["modality"] in IONISING:
        body["exposure"] = {"pregnancy": "non", "doses": [
            {"code": "113813", "display": "PDL Total : Produit Dose Longueur Total", "value": 120.0,
             "unit": "mGy.cm"}]}
    r = c["radio"].patch(f"/api/v1/reports/{rep['id']}", body)
    check(r.status == 200, "report filled", r)
    r = c["radio"].post(f"/api/v1/reports/{rep['id']}/validate")
    check(r.status == 200 and r.json["status"] == "valide", "report validated", r)
    return rep["id"]


def hl7_share(radio, rid):
    r = radio.get(f"/api/v1/reports/{rid}")
    check(r.status == 200, "report read", r)
    return [s for s in r.json["shares"] if s["channel"] == "hl7"][0]


def new_destination(admin, name, port):
    r = admin.post("/api/v1/hl7/destinations", {"name": name, "host": "127.0.0.1", "port": port,
                                                "send_orders": False, "send_patients": False,
                                                "send_reports": True})
    check(r.status == 201, f"destination {name} created", r)
    return r.json


def scenario(srv):
    c = {login: srv.client() for login in ("admin", "accueil", "manip", "radio")}
    for login, cl in c.items():
        check(cl.login(login, DEMO[login]).status == 200, f"{login} login")
    admin, radio = c["admin"], c["radio"]
    used = set()
    r = admin.get("/api/v1/hl7/destinations")
    check(r.status == 200, "destinations", r)
    for d in r.json["items"]:  # the demo's destinations stay out of the reports
        if d["send_reports"] and d["source"] == "api":
            check(admin.patch(f"/api/v1/hl7/destinations/{d['id']}", {"send_reports": False}).status == 200,
                  "unsubscribed", d)
    check(not any(d["send_reports"] for d in admin.get("/api/v1/hl7/destinations").json["items"]),
          "no destination subscribed to reports")

    # --- no destination: not applicable, with why ------------------------------------------------------
    rid = validated_report(c, used)
    s = wait(lambda: (lambda s: (s["status"] != "pending", s))(hl7_share(radio, rid)), "hand-off of report 1")
    # no destination receives reports: no hand-off job at all, the reason shown (review R1)
    check(s["status"] == "not_applicable" and "aucune destination HL7" in s["status_label"]
          and s["destinations"] == [] and s["job_id"] is None and s["last_error"] is None, "no HL7 destination", s)

    # --- a destination down: pending with the error; up and retried: sent -------------------------------
    port = support.free_port()
    down = new_destination(admin, "DPI injoignable", port)
    rid = validated_report(c, used)

    def retrying():
        s = hl7_share(radio, rid)
        d = s["destinations"]
        return (s["status"] == "pending" and len(d) == 1 and d[0]["attempts"] >= 1), s
    s = wait(retrying, "first attempt to the destination that is down")
    d = s["destinations"][0]
    check(d["destination"] == {"id": down["id"], "name": "DPI injoignable"} and d["message_type"] == "ORU^R01"
          and d["state"] == "pending" and d["status"] == "pending" and "injoignable" in d["last_error"]
          and d["next_attempt_at"], "the destination's line", d)
    check(s["job_id"] == d["job_id"] and "injoignable" in s["last_error"] and s["next_attempt_at"]
          and s["attempts"] >= 1 and s["status_label"] == "en attente", "pending with the error", s)
    peer = Peer(port)
    refusing = None
    try:
        r = radio.post(f"/api/v1/outbox/{s['job_id']}/retry", {})
        check(r.status in (200, 409), "retry of the waiting destination (409 if it is being sent)", r)
        s = wait(lambda: (lambda s: (s["status"] == "sent", s))(hl7_share(radio, rid)), "delivered once up")
        check(s["last_error"] is None and s["next_attempt_at"] is None and s["destinations"][0]["status"] == "sent"
              and s["destinations"][0]["attempts"] >= 2, "sent", s)
        check(peer.count("ORU^R01") >= 1, "the ORU^R01 reached the destination")
        r = radio.post(f"/api/v1/outbox/{s['destinations'][0]['job_id']}/retry", {})
        check(r.status == 409, "a delivered destination has nothing to retry", r)

        # --- correction, two destinations, one refusing: failed, then retried: sent --------------------
        rport = support.free_port()
        refusing = Peer(rport, "AR")
        ref = new_destination(admin, "DPI refus", rport)
        r = radio.post(f"/api/v1/reports/{rid}/correct",
                       {"sections": {"conclusion": "Conclusion corrigée."}, "addendum": "Précision."})
        check(r.status == 200 and r.json["version"] == 2, "corrected", r)

        def settled():
            s = hl7_share(radio, rid)
            return (s["action"] == "replace" and s["status"] == "failed"
                    and all(d["status"] != "pending" for d in s["destinations"])), s
        s = wait(settled, "refused by one destination")
        by_name = {d["destination"]["name"]: d for d in s["destinations"]}
        check(set(by_name) == {"DPI injoignable", "DPI refus"}, "both destinations listed", s)
        check(by_name["DPI injoignable"]["status"] == "sent" and by_name["DPI refus"]["status"] == "failed"
              and by_name["DPI refus"]["destination"]["id"] == ref["id"], "per destination", s)
        check(s["job_id"] == by_name["DPI refus"]["job_id"] and "refusé" in s["last_error"]
              and s["status_label"] == "échec" and s["next_attempt_at"] is None, "failed names the refusal", s)
        refusing.code = "AA"
        r = radio.post(f"/api/v1/outbox/{s['job_id']}/retry", {})
        check(r.status == 200, "retry of the failed destination", r)
        s = wait(lambda: (lambda s: (s["status"] == "sent", s))(hl7_share(radio, rid)), "refusal fixed")
        check(all(d["status"] == "sent" for d in s["destinations"]), "all sent", s)
        check(refusing.count("ORU^R01") >= 2, "the refusing peer got the message twice")
    finally:
        peer.close()
        if refusing:
            refusing.close()


def main():
    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    pg = None
    if backend == "pg":
        if not os.environ.get("COULOIR_TEST_PG_URL"):
            support.skip_or_fail("COULOIR_TEST_PG_URL is unset (eval \"$(scripts/pg-throwaway.sh start)\")")
        pg = PgDatabase(os.environ["COULOIR_TEST_PG_URL"])
    srv = None
    try:
        srv = Server(store_url=pg.url if pg else None, extra_env={
            "COULOIR_HL7_LISTEN_ADDRESS": "127.0.0.1",
            "COULOIR_HL7_LISTEN_PORT": str(support.free_port()),
            "COULOIR_WORKLIST_ENABLED": "false",
        })
        with srv:
            srv.migrate()
            srv.run("demo")
            srv.start()
            try:
                scenario(srv)
            except BaseException:
                sys.stderr.write(srv.log_text()[-8000:])
                raise
    finally:
        if pg:
            pg.drop()
    print(f"{backend}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

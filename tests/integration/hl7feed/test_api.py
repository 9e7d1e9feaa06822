"""HL7 interface API over a real `couloir serve` (SQLite, and PostgreSQL when COULOIR_TEST_PG_URL
is set), with PACS-like MLLP peers written in python (hl7peer.py, not Couloir's code):

- destinations CRUD (admin only; French validation errors; the [hl7feed] pacs_* destination
  listed read-only with source "config");
- an ORM^O01 in -> an OMI^O23 to the configured PACS and an ORM^O01 (ISO 8859-1) to a second
  destination created through the API;
- a destination down then up: the message waits (pending, attempts, French last_error in
  /api/v1/hl7/outbox) and the outbox back-off delivers it once the peer listens;
- an AE message listed in /api/v1/hl7/inbox, read with its raw text, corrected and reprocessed
  through the API (AA, then 409);
- the report-hl7 fan-out: a CDA N1 document row and its "report-hl7" job (as the reporting code
  queues them) become an MDM^T02 and an ORU^R01 with the CDA in base64 at two destinations;
- /healthz "degraded" (listeners.hl7.state and the flag) with the bind error when the HL7 port is
  taken."""
import base64
import os
import socket
import sys
import tempfile
import time

import support

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import hl7peer as hp  # noqa: E402
from api_client import PgDatabase, Server  # noqa: E402
from test_feed import Db  # noqa: E402

OID_ROOT = "1.2.250.1.999.1"
PASSWORD = "correct horse battery"


class PortListener(hp.Listener):
    """hp.Listener on a given port (for a peer that comes up late)."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = port
        self.messages = []
        import threading
        self.lock = threading.Lock()
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()


def check(cond, what, detail=""):
    if not cond:
        raise AssertionError(f"{what}: {detail}")


def wait(predicate, what, timeout=40):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError(f"timeout: {what}")


def make_server(url, tmp, pacs_port, hl7_port):
    srv = Server(store_url=url, workdir=tempfile.mkdtemp(dir=tmp), extra_env={
        "COULOIR_HL7_LISTEN_ADDRESS": "127.0.0.1",
        "COULOIR_HL7_LISTEN_PORT": str(hl7_port),
        "COULOIR_HL7FEED_PACS_ADDRESS": f"127.0.0.1:{pacs_port}",
        "COULOIR_INS_ACCEPTED_OIDS": "1.2.250.1.213.1.4.8,1.2.250.1.213.1.4.9,1.2.250.1.213.1.4.10",
        "COULOIR_IDENTITY_OID_ROOT": OID_ROOT,
        # the DICOM listener has a fixed default port that other servers on this machine may hold
        "COULOIR_WORKLIST_ENABLED": "false",
    })
    return srv


def check_destinations(admin, accueil, pacs_port, ris_port):
    r = accueil.get("/api/v1/hl7/destinations")
    check(r.status == 403, "accueil refused", r)
    r = accueil.post("/api/v1/hl7/destinations", {"name": "x", "host": "h", "port": 1})
    check(r.status == 403, "accueil cannot create", r)
    r = admin.get("/api/v1/hl7/destinations")
    check(r.status == 200, "list", r)
    cfg = [d for d in r.json["items"] if d["source"] == "config"]
    check(len(cfg) == 1 and cfg[0]["name"] == "pacs" and cfg[0]["port"] == pacs_port and cfg[0]["flavour"] == "omi",
          "configured PACS listed", r.json)
    r = admin.patch(f"/api/v1/hl7/destinations/{cfg[0]['id']}", {"port": 1})
    check(r.status == 409 and "configuration" in r.error["message"], "config destination read-only", r)
    r = admin.delete(f"/api/v1/hl7/destinations/{cfg[0]['id']}")
    check(r.status == 409, "config destination not deletable", r)
    # validation, in French, naming the field
    for body, field in (({"host": "h", "port": 1}, "name"),
                        ({"name": "a", "host": "h", "port": 0}, "port"),
                        ({"name": "a", "host": "h", "port": 1, "flavour": "xml"}, "flavour"),
                        ({"name": "a", "host": "h h", "port": 1}, "host"),
                        ({"name": "a", "host": "h", "port": 1, "charset": "ASCII"}, "charset"),
                        ({"name": "a", "host": "h", "port": 1, "tls": "yes"}, "tls"),
                        ({"name": "a", "host": "h", "port": 1, "colour": "red"}, "colour"),
                        ({"name": "a", "host": "h", "port": 1, "source": "config"}, "source"),
                        ({"name": "PACS", "host": "h", "port": 1}, "name")):
        r = admin.post("/api/v1/hl7/destinations", body)
        check(r.status == 422 and r.error.get("field") == field, f"invalid {field} refused", r)
    r = admin.post("/api/v1/hl7/destinations", {"name": "ris", "host": "127.0.0.1", "port": ris_port,
                                                "flavour": "orm", "charset": "8859/1",
                                                "receiving_application": "RIS2", "send_patients": False})
    check(r.status == 201 and r.json["source"] == "api" and r.json["flavour"] == "orm" and r.json["enabled"] is True
          and r.json["send_reports"] is False and r.header("Location") == f"/api/v1/hl7/destinations/{r.json['id']}",
          "created", r)
    ris = r.json
    r = admin.post("/api/v1/hl7/destinations", {"name": "ris", "host": "h", "port": 2})
    check(r.status == 409 and "ris" in r.error["message"], "duplicate name", r)
    r = admin.get(f"/api/v1/hl7/destinations/{ris['id']}")
    check(r.status == 200 and r.json == ris, "read back", r)
    r = admin.patch(f"/api/v1/hl7/destinations/{ris['id']}", dict(ris, receiving_facility="CHU"))
    check(r.status == 200 and r.json["receiving_facility"] == "CHU" and r.json["id"] == ris["id"],
          "patch with the read-only members unchanged", r)
    r = admin.patch(f"/api/v1/hl7/destinations/{ris['id']}", {"id": 999})
    check(r.status == 422 and r.error["field"] == "id", "id is read-only", r)
    tmp = admin.post("/api/v1/hl7/destinations", {"name": "temp", "host": "h", "port": 3}).json
    check(admin.delete(f"/api/v1/hl7/destinations/{tmp['id']}").status == 204, "deleted")
    check(admin.get(f"/api/v1/hl7/destinations/{tmp['id']}").status == 404, "gone")
    r = admin.get("/api/v1/audit?object_type=hl7_destination&limit=200")
    check(r.status == 200, "audit trail", r)
    actions = {e.get("action") for e in r.json.get("items", [])}
    check({"hl7_destination_create", "hl7_destination_update", "hl7_destination_delete"} <= actions,
          "writes audited", actions)
    return cfg[0], ris


def check_two_flavours(mllp, admin, pacs, ris_peer, cfg, ris):
    ack = mllp.send(hp.orm("API-ORD-1", "IPPAPI1", "PL-API-1", ["ACQK001"], birth_name="Dupré"))
    check(hp.ack_code(ack) == "AA", "order accepted", ack)
    omi = pacs.wait_for(lambda m: "OMI^O23" in m and "PL-API-1" in m)
    check(omi and "IPC|" in omi[0], "OMI^O23 at the configured PACS", omi)
    orm = ris_peer.wait_for(lambda m: "ORM^O01" in m and "PL-API-1" in m)
    check(orm and "|RIS2|CHU|" in orm[0] and "ZDS|" in orm[0] and "8859/1" in orm[0], "ORM^O01 at the RIS", orm)
    # the exam label "Scanographie du crâne...": UTF-8 to the PACS, ISO 8859-1 bytes to the RIS (the peers
    # decode as UTF-8, so the Latin-1 â shows as a replacement character there)
    check("crâne" in omi[0] and "UNICODE UTF-8" in omi[0], "PACS in UTF-8", omi)
    check("cr\ufffdne" in orm[0] and "crâne" not in orm[0], "RIS in ISO 8859-1", orm)
    # the patient went to the PACS only (send_patients false for the RIS)
    check(not ris_peer.wait_for(lambda m: "ADT^A08" in m, timeout=1), "no ADT to the RIS")

    def done(dest_id):
        r = admin.get(f"/api/v1/hl7/outbox?destination_id={dest_id}&state=done")
        check(r.status == 200, "outbox list", r)
        return r.json if r.json["total"] >= 1 else None
    got = wait(lambda: done(ris["id"]), "RIS job done")
    item = got["items"][0]
    check(item["kind"] == "hl7" and item["destination"] == {"id": ris["id"], "name": "ris"}
          and item["message_type"] == "ORM^O01" and item["control_id"] and item["attempts"] == 1
          and item["next_attempt_at"] is None, "delivery state", item)
    got = wait(lambda: done(cfg["id"]), "PACS jobs done")
    check({i["message_type"] for i in got["items"]} >= {"OMI^O23"}, "PACS delivery state", got)
    r = admin.get("/api/v1/hl7/outbox?state=bogus")
    check(r.status == 400 and r.error["field"] == "state", "bad state filter", r)


def check_down_then_up(mllp, admin, db):
    port = support.free_port()
    late = admin.post("/api/v1/hl7/destinations", {"name": "late", "host": "127.0.0.1", "port": port,
                                                   "send_orders": False}).json
    ack = mllp.send(hp.adt("A28", "API-LATE-1", "IPPLATE", birth_name="TARDIF"))
    check(hp.ack_code(ack) == "AA", "A28 accepted", ack)

    def failed_once():
        r = admin.get(f"/api/v1/hl7/outbox?destination_id={late['id']}")
        items = r.json["items"]
        return items[0] if items and items[0]["attempts"] >= 1 else None
    item = wait(failed_once, "first attempt to a destination that is down")
    check(item["state"] == "pending" and item["message_type"] == "ADT^A08" and "injoignable" in item["last_error"]
          and item["next_attempt_at"], "waiting for a retry", item)
    peer = PortListener(port)
    try:
        got = peer.wait_for(lambda m: "ADT^A08" in m and "IPPLATE" in m, timeout=60)
        check(got, "retried with back-off and delivered once the destination is up")

        def delivered():
            r = admin.get(f"/api/v1/hl7/outbox?destination_id={late['id']}&state=done")
            return r.json["items"][0] if r.json["total"] else None
        item = wait(delivered, "done after the retry")
        check(item["attempts"] >= 2, "attempts counted", item)
    finally:
        peer.close()
    # disabled destinations get nothing new
    admin.patch(f"/api/v1/hl7/destinations/{late['id']}", {"enabled": False})
    mllp.send(hp.adt("A28", "API-LATE-2", "IPPLATE2", birth_name="TARDIF"))
    r = admin.get(f"/api/v1/hl7/outbox?destination_id={late['id']}")
    check(r.json["total"] == 1, "nothing queued for a disabled destination", r.json)


def check_reprocess(mllp, admin, accueil, db):
    bad = hp.adt("A28", "API-AE-1", "IPPAE", dob="")
    ack = mllp.send(bad)
    check(hp.ack_code(ack) == "AE", "AE", ack)
    r = admin.get("/api/v1/hl7/inbox?state=failed&limit=5")
    check(r.status == 200 and r.json["total"] >= 1, "failed messages listed", r)
    item = [i for i in r.json["items"] if i["control_id"] == "API-AE-1"][0]
    check(item["message_type"] == "ADT^A28" and item["state"] == "failed" and "raw" not in item, "list item", item)
    r = admin.get("/api/v1/hl7/inbox?limit=1&offset=1")
    check(r.status == 200 and len(r.json["items"]) == 1 and r.json["total"] > 1, "paging", r)
    check(accueil.get(f"/api/v1/hl7/inbox/{item['id']}").status == 403, "accueil cannot read the inbox")
    r = admin.get(f"/api/v1/hl7/inbox/{item['id']}")
    check(r.status == 200 and "IPPAE" in r.json["raw"], "raw text", r)
    check(r.status == 200 and "original_raw" in r.json and r.json["original_raw"] is None, "never corrected: null", r)
    received = r.json.get("raw")
    check(admin.get("/api/v1/hl7/inbox/99999999").status == 404, "unknown message")
    r = accueil.post(f"/api/v1/hl7/inbox/{item['id']}/reprocess", {})
    check(r.status == 403, "accueil cannot reprocess", r)
    r = admin.post(f"/api/v1/hl7/inbox/{item['id']}/reprocess", {"raw": 5})
    check(r.status == 422 and r.error["field"] == "raw", "raw must be text", r)
    r = admin.post(f"/api/v1/hl7/inbox/{item['id']}/reprocess", {})
    check(r.status == 200 and r.json["ack"] == "AE" and r.json["state"] == "failed" and r.json["location"] == "PID-7"
          and "naissance" in r.json["text"].lower(), "reprocessed as is: still AE", r)
    fixed = hp.adt("A28", "API-AE-1", "IPPAE", dob="19751003")
    r = admin.post(f"/api/v1/hl7/inbox/{item['id']}/reprocess", {"raw": fixed})
    check(r.status == 200 and r.json == {"ack": "AA", "error": 0, "location": "", "text": "", "state": "processed"},
          "corrected and reprocessed", r)
    check(db.one("SELECT COUNT(*) FROM patient WHERE ipp = 'IPPAE'") == "1", "patient created")
    r = admin.get(f"/api/v1/hl7/inbox/{item['id']}")
    check(r.json["state"] == "processed" and "19751003" in r.json["raw"], "stored corrected", r)
    check(r.json.get("original_raw") == received, "the message as received kept for traceability", r)
    r = admin.post(f"/api/v1/hl7/inbox/{item['id']}/reprocess", {})
    check(r.status == 409, "already processed", r)
    r = admin.get("/api/v1/audit?object_type=hl7_inbox&limit=200")
    details = [e.get("detail") or "" for e in r.json.get("items", []) if e.get("action") == "hl7_reprocess"
               and str(e.get("object_id")) == str(item["id"])] if r.status == 200 else []
    check(any("API-AE-1" in d and "corrigé" in d and "hl7admin" in d for d in details),
          "reprocess audit names the message, its control id and who corrected it", details)


def check_report_fan_out(mllp, admin, db, ris, ris_peer, oru_peer):
    admin.patch(f"/api/v1/hl7/destinations/{ris['id']}", {"send_reports": True, "report_flavour": "mdm"})
    oru = admin.post("/api/v1/hl7/destinations", {"name": "dpi", "host": "127.0.0.1", "port": oru_peer.port,
                                                  "send_orders": False, "send_patients": False,
                                                  "send_reports": True}).json
    ack = mllp.send(hp.orm("API-REP-1", "IPPREP", "PL-REP-1", ["ACQK001"], birth_name="RAPPORT"))
    check(hp.ack_code(ack) == "AA", "order for the report", ack)
    proc, patient = db.rows("SELECT r.id, o.patient_id FROM requested_procedure r JOIN imaging_order o "
                            "ON o.id = r.order_id WHERE o.placer_number = 'PL-REP-1'")[0]
    cda = "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>Compte rendu</title></ClinicalDocument>"
    db.exec("INSERT INTO report (procedure_id, patient_id, template, status, status_since, author_login, set_id, "
            "version, validator_rpps, validated_at, sections, created_at, updated_at) VALUES "
            f"({proc}, {patient}, '{{}}', 'valide', 0, 'dr', '{OID_ROOT}.77', 1, '10101010101', "
            "'2026-03-01T10:00:00+01:00', '{}', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z')")
    rid = db.one(f"SELECT id FROM report WHERE procedure_id = {proc}")
    db.exec("INSERT INTO document (patient_id, report_id, kind, unique_id, set_id, version, mime_type, "
            "content_encoding, content, size_bytes, created_at) VALUES "
            f"({patient}, {rid}, 'CDA-N1', '{OID_ROOT}.77.1', '{OID_ROOT}.77', 1, 'text/xml', 'utf-8', '{cda}', "
            f"{len(cda)}, '2026-03-01T09:00:00Z')")
    doc = db.one(f"SELECT id FROM document WHERE report_id = {rid}")
    payload = ('{"report_id":%s,"document_id":%s,"action":"initial","masque_ps":false,"invisible_patient":true,'
               '"invisible_legal_reps":false,"secret_connection":false,"dest_dmp":true,"dest_mssante_ps":[],'
               '"dest_mssante_pat":false}' % (rid, doc))
    now_ms = int(time.time() * 1000)
    db.exec("INSERT INTO outbox_job (kind, payload, state, attempts, next_attempt_at, due_ms, created_at) VALUES "
            f"('report-hl7', '{payload}', 'pending', 0, '2026-01-01T00:00:00Z', {now_ms}, '2026-01-01T00:00:00Z')")
    b64 = base64.b64encode(cda.encode()).decode()
    mdm = ris_peer.wait_for(lambda m: "MDM^T02" in m and "RAPPORT" in m)
    check(mdm and "TXA|" in mdm[0] and f"{OID_ROOT}.77.1" in mdm[0] and b64[:40] in mdm[0]
          and "INVISIBLE_PATIENT" in mdm[0], "MDM^T02 at the RIS", mdm)
    got = oru_peer.wait_for(lambda m: "ORU^R01" in m and "RAPPORT" in m)
    check(got and b64[:40] in got[0] and "DESTDMP" in got[0], "ORU^R01 at the DPI", got)

    def report_done():
        r = admin.get("/api/v1/hl7/outbox?limit=50")
        jobs = [i for i in r.json["items"] if i["kind"] == "report-hl7"]
        return jobs if jobs and jobs[0]["state"] == "done" else None
    jobs = wait(report_done, "report-hl7 job done")
    check(jobs[0]["destination"] is None, "the fan-out job has no destination of its own", jobs)
    r = admin.get(f"/api/v1/hl7/outbox?destination_id={oru['id']}")
    check(r.json["total"] == 1 and r.json["items"][0]["message_type"] == "ORU^R01", "ORU job listed", r.json)


def check_health(url, tmp, hl7_port, pacs_port, admin):
    r = admin.get("/healthz")
    check(r.status == 200 and r.json["status"] == "ok" and r.json["degraded"] is False and r.json["listeners"] ==
          {"hl7": {"state": "listening", "port": hl7_port}, "dicom": {"state": "disabled"}}, "healthy", r)
    # a second server on the same database whose HL7 port is taken by the first one
    other = make_server(url, tmp, pacs_port, hl7_port)
    try:
        other.start()
        r = other.client().get("/healthz")
        check(r.status == 200 and r.json["status"] == "ok" and r.json["degraded"] is True
              and r.json["listeners"]["hl7"]["state"] == "degraded" and "MLLP" in r.json["listeners"]["hl7"]["error"],
              "degraded, with the bind error", r)
        # the rest of the server works: the API answers
        c = other.client()
        check(c.login("hl7admin", PASSWORD).status == 200, "API of the degraded server")
        check(c.get("/api/v1/hl7/destinations").status == 200, "API of the degraded server")
    finally:
        other.stop()


def run_backend(url, tmp):
    pacs = hp.Listener()
    ris_peer = hp.Listener()
    oru_peer = hp.Listener()
    hl7_port = support.free_port()
    srv = make_server(url, tmp, pacs.port, hl7_port)
    db = Db(url)
    try:
        srv.migrate()
        srv.run("demo")
        srv.add_user("hl7admin", "admin", PASSWORD)
        srv.add_user("hl7accueil", "accueil", PASSWORD)
        srv.start()
        hp.wait_port(hl7_port, srv.proc)
        admin, accueil = srv.client(), srv.client()
        check(admin.login("hl7admin", PASSWORD).status == 200, "admin login")
        check(accueil.login("hl7accueil", PASSWORD).status == 200, "accueil login")
        mllp = hp.Client(hl7_port)
        cfg, ris = check_destinations(admin, accueil, pacs.port, ris_peer.port)
        check_two_flavours(mllp, admin, pacs, ris_peer, cfg, ris)
        check_reprocess(mllp, admin, accueil, db)
        check_down_then_up(mllp, admin, db)
        check_report_fan_out(mllp, admin, db, ris, ris_peer, oru_peer)
        check_health(url, tmp, hl7_port, pacs.port, admin)
        mllp.close()
    except BaseException:
        sys.stderr.write(srv.log_text())
        raise
    finally:
        srv.stop()
        for p in (pacs, ris_peer, oru_peer):
            p.close()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        run_backend("sqlite:" + os.path.join(tmp, "api.db"), tmp)
        print("sqlite: ok")
        pg = os.environ.get("COULOIR_TEST_PG_URL")
        if not pg:
            support.skip_or_fail("COULOIR_TEST_PG_URL unset: PostgreSQL half not run")
        db = PgDatabase(pg)
        try:
            run_backend(db.url, tmp)
            print("postgresql: ok")
        finally:
            db.drop()


if __name__ == "__main__":
    main()

"""HL7 integration against a real `couloir serve` over TCP (SQLite, and PostgreSQL when
COULOIR_TEST_PG_URL is set): storage before acknowledgement, AA/AE/AR, duplicates processed
once, the PAM-FR identity feed rules, orders -> procedures/steps, outbound messages reaching a
PACS-like listener, the inbox tools (`couloir hl7 inbox|reprocess`), and a SIGKILL between
receipt and acknowledgement that loses nothing."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

import support

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hl7peer as hp  # noqa: E402

BIN = os.environ["COULOIR_BIN"]
OID_ROOT = "1.2.250.1.999.1"


class Db:
    def __init__(self, url):
        self.url = url

    def rows(self, sql):
        if self.url.startswith("sqlite:"):
            con = sqlite3.connect(self.url[len("sqlite:"):], timeout=30)
            try:
                return [tuple(str(v) if v is not None else None for v in r) for r in con.execute(sql).fetchall()]
            finally:
                con.close()
        out = subprocess.run(["psql", self.url, "-tAF", "\t", "-c", sql], capture_output=True, text=True, check=True)
        return [tuple(line.split("\t")) for line in out.stdout.splitlines() if line]

    def one(self, sql):
        r = self.rows(sql)
        assert len(r) == 1, (sql, r)
        return r[0][0]

    def exec(self, sql):
        if self.url.startswith("sqlite:"):
            con = sqlite3.connect(self.url[len("sqlite:"):], timeout=30)
            con.execute(sql)
            con.commit()
            con.close()
        else:
            subprocess.run(["psql", self.url, "-qc", sql], check=True, capture_output=True)


class Server:
    def __init__(self, env):
        self.env = env
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=open(self.env["_LOG"], "a"))
        hp.wait_port(int(self.env["COULOIR_HL7_LISTEN_PORT"]), self.proc)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            rc = self.proc.wait(timeout=30)
            assert rc == 0, f"serve exited {rc}"


def run(args, env, check=True):
    p = subprocess.run([BIN] + args, env=env, capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"couloir {' '.join(args)} exited {p.returncode}: {p.stdout} {p.stderr}")
    return p


def check_basic(c, db, pacs, env):
    # A28: new patient -> AA after storage; inbox row processed
    m = hp.adt("A28", "CTL-1", "IPP001", birth_name="Dupont", given="Éloïse", given_list="Éloïse Anne", cog="63220")
    ack = c.send(m)
    assert hp.ack_code(ack) == "AA", ack
    assert db.one("SELECT COUNT(*) FROM patient WHERE ipp = 'IPP001'") == "1"
    row = db.rows("SELECT i.birth_name, i.first_given_name, i.given_names, i.birth_date, i.sex, i.birth_cog, "
                  "i.rniv_status FROM identity i JOIN patient p ON p.id = i.patient_id WHERE p.ipp = 'IPP001'")[0]
    assert row == ("DUPONT", "ELOISE", "ELOISE ANNE", "1980-02-14", "F", "63220", "provisoire"), row
    assert db.one("SELECT state FROM inbox_message WHERE control_id = 'CTL-1'") == "processed"

    # the same MSH-10 again: acknowledged again, processed once
    ack = c.send(m.replace("Dupont", "Durand"))
    assert hp.ack_code(ack) == "AA", ack
    assert db.one("SELECT COUNT(*) FROM inbox_message WHERE control_id = 'CTL-1'") == "1"
    assert db.one("SELECT i.birth_name FROM identity i JOIN patient p ON p.id = i.patient_id "
                  "WHERE p.ipp = 'IPP001'") == "DUPONT"

    # semantically invalid (no birth date): AE with ERR location and French text; stored as failed
    bad = hp.adt("A28", "CTL-2", "IPP002", dob="")
    ack = c.send(bad)
    assert hp.ack_code(ack) == "AE", ack
    err = hp.segment(ack, "ERR")
    assert err and "PID^1^7" in err and "naissance" in err.lower(), ack
    assert db.one("SELECT state FROM inbox_message WHERE control_id = 'CTL-2'") == "failed"
    assert db.one("SELECT COUNT(*) FROM patient WHERE ipp = 'IPP002'") == "0"
    # the repeated failed message gets the same AE, still not processed
    ack = c.send(bad)
    assert hp.ack_code(ack) == "AE" and "naissance" in ack.lower(), ack
    assert db.one("SELECT COUNT(*) FROM inbox_message WHERE control_id = 'CTL-2'") == "1"

    # unsupported type and version: AR
    ack = c.send(hp.msh("SIU", "S12", "SIU_S12", "CTL-3") + "\rSCH|1\r")
    assert hp.ack_code(ack) == "AR" and "200" in hp.segment(ack, "ERR"), ack
    ack = c.send(hp.adt("A28", "CTL-4", "IPP004", version="2.1"))
    assert hp.ack_code(ack) == "AR", ack
    assert db.one("SELECT state FROM inbox_message WHERE control_id = 'CTL-4'") == "rejected"

    # correction and reprocessing from the CLI
    out = run(["hl7", "inbox", "--state", "failed"], env).stdout
    items = json.loads(out)["items"]
    failed_id = [i["id"] for i in items if i["control_id"] == "CTL-2"][0]
    fixed = os.path.join(env["_DIR"], "fixed.hl7")
    with open(fixed, "w") as f:
        f.write(hp.adt("A28", "CTL-2", "IPP002", dob="19751003"))
    p = run(["hl7", "reprocess", str(failed_id), "--raw", fixed], env)
    assert json.loads(p.stdout)["ack"] == "AA", p.stdout
    assert db.one("SELECT COUNT(*) FROM patient WHERE ipp = 'IPP002'") == "1"
    assert db.one(f"SELECT state FROM inbox_message WHERE id = {failed_id}") == "processed"
    p = run(["hl7", "reprocess", str(failed_id)], env, check=False)
    assert p.returncode == 1 and "déjà traité" in p.stderr, p.stderr

    # interface-engineer tools: parse (tree, JSON, located error) and send (MLLP, prints the ACK)
    msgfile = os.path.join(env["_DIR"], "msg.hl7")
    with open(msgfile, "w", encoding="utf-8") as f:
        f.write(hp.adt("A28", "CTL-TOOL", "IPP010", birth_name="Lefèvre").replace("\r", "\n"))
    out = run(["hl7", "parse", msgfile], env).stdout
    assert "PID-5" in out and "Patient Name" in out and "Lefèvre" in out, out
    doc = json.loads(run(["hl7", "parse", msgfile, "--json"], env).stdout)
    assert [s_["segment"] for s_ in doc["segments"]][:3] == ["MSH", "EVN", "PID"], doc
    badfile = os.path.join(env["_DIR"], "bad.hl7")
    with open(badfile, "w") as f:
        f.write("PID|1||X\n")
    p = run(["hl7", "parse", badfile], env, check=False)
    assert p.returncode == 1 and "segment 1" in p.stderr and "MSH" in p.stderr, p.stderr
    p = run(["hl7", "send", f"127.0.0.1:{env['COULOIR_HL7_LISTEN_PORT']}", msgfile], env)
    assert "MSA|AA|CTL-TOOL" in p.stdout, p.stdout
    assert db.one("SELECT i.birth_name FROM identity i JOIN patient p ON p.id = i.patient_id "
                  "WHERE p.ipp = 'IPP010'") == "LEFEVRE"

    # outbound: the identity change went to the PACS as ADT^A08
    got = pacs.wait_for(lambda x: "ADT^A08" in x and "IPP001" in x)
    assert got, "no ADT^A08 reached the PACS listener"


def check_identity_rules(c, db, pacs):
    # an INS with PID-32 VALI from a sender outside our domain: not taken, on the review list
    ins = "279035121518989"
    ack = c.send(hp.adt("A28", "ID-1", "IPP100", birth_name="PAT-TROIS", given="DOMINIQUE", given_list="DOMINIQUE",
                        dob="19790328", sex="F", ins=ins, reliability="VALI", cog="63220"))
    assert hp.ack_code(ack) == "AA", ack
    row = db.rows("SELECT i.ins_matricule, i.rniv_status, p.id FROM identity i JOIN patient p ON p.id = i.patient_id "
                  "WHERE p.ipp = 'IPP100'")[0]
    assert row[0] is None or row[0] == "", row
    assert row[1] == "provisoire", row
    assert int(db.one(f"SELECT COUNT(*) FROM identity_review WHERE patient_id = {row[2]}")) >= 1

    # the same from our own domain (DOMAINE is in domain_senders): qualified
    ack = c.send(hp.adt("A28", "ID-2", "IPP101", birth_name="PAT-TROIS", given="DOMINIQUE",
                        given_list="DOMINIQUE", dob="19790328", sex="F", ins=ins, reliability="VALI",
                        cog="63220", sender="DOMAINE"))
    assert hp.ack_code(ack) == "AA", ack
    row = db.rows("SELECT i.ins_matricule, i.ins_oid, i.rniv_status FROM identity i JOIN patient p "
                  "ON p.id = i.patient_id WHERE p.ipp = 'IPP101'")[0]
    assert row == (ins, "1.2.250.1.213.1.4.10", "qualifiee"), row
    # the PACS gets the INS of a qualified identity
    assert pacs.wait_for(lambda x: "IPP101" in x and ins in x and "^INS" in x)

    # a later feed with other strict traits never downgrades it: review list, no overwrite
    ack = c.send(hp.adt("A08", "ID-3", "IPP101", birth_name="AUTRE", given="DOMINIQUE", given_list="DOMINIQUE",
                        dob="19790328", sex="F", used_name="EPOUSE"))
    assert hp.ack_code(ack) == "AA", ack
    row = db.rows("SELECT i.birth_name, i.rniv_status, i.used_name, p.id FROM identity i JOIN patient p "
                  "ON p.id = i.patient_id WHERE p.ipp = 'IPP101'")[0]
    assert row[:3] == ("PAT-TROIS", "qualifiee", "EPOUSE"), row
    assert db.one(f"SELECT COUNT(*) FROM identity_review WHERE patient_id = {row[3]}") == "1"

    # the outgoing rule (ins_may_emit, RIS.INS.37): the same identity, no longer qualified (status set
    # directly in the database to isolate the emitter), goes to the PACS with its traits only
    db.exec(f"UPDATE identity SET rniv_status = 'recuperee' WHERE patient_id = {row[3]}")
    ack = c.send(hp.orm("ID-OUT", "IPP101", "PL-INS", ["ACQK001"], birth_name="PAT-TROIS", given="DOMINIQUE",
                        given_list="DOMINIQUE", dob="19790328", sex="F", cog="63220"))
    assert hp.ack_code(ack) == "AA", ack
    got = pacs.wait_for(lambda x: "OMI^O23" in x and "PL-INS" in x)
    assert got and "IPP101" in got[0] and ins not in got[0] and "PAT-TROIS" in got[0], got

    # ZFA (DMP) and PV1 visit
    ack = c.send(hp.adt("A01", "ID-4", "IPP102", extra="ZFA|OUVERT|20250101|Y|20250101|N|N").replace(
        "PV1|1|O", "PV1|1|I|RADIO||||||||||||||||VIS-1"))
    assert hp.ack_code(ack) == "AA", ack
    assert db.one("SELECT d.dmp_status FROM patient_dmp d JOIN patient p ON p.id = d.patient_id "
                  "WHERE p.ipp = 'IPP102'") == "OUVERT"
    assert db.one("SELECT status FROM patient_visit WHERE visit_number = 'VIS-1'") == "active"
    ack = c.send(hp.adt("A03", "ID-5", "IPP102").replace("PV1|1|O", "PV1|1|I|RADIO||||||||||||||||VIS-1"))
    assert hp.ack_code(ack) == "AA", ack
    assert db.one("SELECT status FROM patient_visit WHERE visit_number = 'VIS-1'") == "discharged"

    # A40: IPP103 merged into IPP102
    assert hp.ack_code(c.send(hp.adt("A28", "ID-6", "IPP103", birth_name="DOUBLON"))) == "AA"
    ack = c.send(hp.adt("A40", "ID-7", "IPP102", extra="MRG|IPP103^^^HIS^PI"))
    assert hp.ack_code(ack) == "AA", ack
    keep = db.one("SELECT id FROM patient WHERE ipp = 'IPP102'")
    assert db.rows("SELECT active, merged_into FROM patient WHERE ipp = 'IPP103'")[0] == ("0", keep)
    assert pacs.wait_for(lambda x: "ADT^A40" in x and "IPP103" in x)

    # A47: IPP104 becomes IPP105
    assert hp.ack_code(c.send(hp.adt("A28", "ID-8", "IPP104", birth_name="RENOMME"))) == "AA"
    ack = c.send(hp.adt("A47", "ID-9", "IPP105", birth_name="RENOMME", extra="MRG|IPP104^^^HIS^PI"))
    assert hp.ack_code(ack) == "AA", ack
    assert db.one("SELECT COUNT(*) FROM patient WHERE ipp = 'IPP104'") == "0"
    assert db.one("SELECT COUNT(*) FROM patient WHERE ipp = 'IPP105'") == "1"


def check_orders(c, db, pacs):
    # ORM^O01 v2.3.1, two OBR: one order, two procedures and steps
    ack = c.send(hp.orm("ORD-1", "IPP200", "PL-1", ["ACQK001", "ZBQK001"], birth_name="COMMANDE"))
    assert hp.ack_code(ack) == "AA", ack
    oid = db.one("SELECT id FROM imaging_order WHERE placer_number = 'PL-1'")
    procs = db.rows(f"SELECT accession_number, study_instance_uid, status FROM requested_procedure "
                    f"WHERE order_id = {oid} ORDER BY id")
    assert len(procs) == 2, procs
    for acc, uid, st in procs:
        assert acc and uid.startswith(OID_ROOT + "."), (acc, uid)
        assert st == "scheduled"
    steps = db.rows(f"SELECT s.modality_type, s.start_at, s.status FROM scheduled_step s JOIN requested_procedure r "
                    f"ON r.id = s.procedure_id WHERE r.order_id = {oid}")
    assert len(steps) == 2 and all(s[0] == "CT" and s[2] == "booked" for s in steps), steps
    assert steps[0][1].startswith("2026-03-20T"), steps
    # the PACS receives the OMI^O23 with the accession numbers
    got = pacs.wait_for(lambda x: "OMI^O23" in x and "PL-1" in x)
    assert got and procs[0][0] in got[0] and procs[1][1] in got[0], got

    # OMI^O23 v2.5.1 with two IPC under one OBR: two procedures
    ack = c.send(hp.omi("ORD-2", "IPP200", "PL-2", "ACQK001", 2, birth_name="COMMANDE"))
    assert hp.ack_code(ack) == "AA", ack
    assert db.one("SELECT COUNT(*) FROM requested_procedure r JOIN imaging_order o ON o.id = r.order_id "
                  "WHERE o.placer_number = 'PL-2'") == "2"

    # unknown exam: AE located on OBR-4, nothing created
    ack = c.send(hp.orm("ORD-3", "IPP200", "PL-3", ["XXXX999"], birth_name="COMMANDE"))
    assert hp.ack_code(ack) == "AE" and "catalogue" in ack, ack
    assert db.one("SELECT COUNT(*) FROM imaging_order WHERE placer_number = 'PL-3'") == "0"

    # a second NW under the same placer number: AE duplicate
    ack = c.send(hp.orm("ORD-4", "IPP200", "PL-1", ["ACQK001"], birth_name="COMMANDE"))
    assert hp.ack_code(ack) == "AE", ack

    # XO: new time ; CA: cancelled everywhere, told to the PACS
    ack = c.send(hp.orm("ORD-5", "IPP200", "PL-1", ["ACQK001"], control="XO", start="202603221500",
                        birth_name="COMMANDE"))
    assert hp.ack_code(ack) == "AA", ack
    assert all(r[0].startswith("2026-03-22T") for r in db.rows(
        f"SELECT s.start_at FROM scheduled_step s JOIN requested_procedure r ON r.id = s.procedure_id "
        f"WHERE r.order_id = {oid}"))
    ack = c.send(hp.orm("ORD-6", "IPP200", "PL-1", ["ACQK001"], control="CA", birth_name="COMMANDE"))
    assert hp.ack_code(ack) == "AA", ack
    assert db.one(f"SELECT status FROM imaging_order WHERE id = {oid}") == "cancelled"
    assert {r[0] for r in db.rows(f"SELECT s.status FROM scheduled_step s JOIN requested_procedure r "
                                   f"ON r.id = s.procedure_id WHERE r.order_id = {oid}")} == {"cancelled"}
    assert pacs.wait_for(lambda x: "ORC|CA|PL-1" in x)
    # delivery state visible
    out = run(["hl7", "outbox"], c.env).stdout
    states = {i["state"] for i in json.loads(out)["items"]}
    assert "done" in states, out


def check_sigkill(server, db, port):
    """Many messages pipelined, SIGKILL while they are being processed, restart, resend what was
    not acknowledged (plus some that were): exactly one patient and one order each."""
    n = 1500
    msgs = []
    for i in range(n):
        if i % 3 == 2:
            msgs.append((f"K-{i}", hp.orm(f"K-{i}", f"K{i:05d}", f"KP-{i}", ["ACQK001"], birth_name="KILL")))
        else:
            msgs.append((f"K-{i}", hp.adt("A28", f"K-{i}", f"K{i:05d}", birth_name="KILL")))
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    payload = b"".join(hp.frame(m) for _, m in msgs)
    s.sendall(payload)
    # kill as soon as the first acknowledgements arrive: the rest is between receipt and ack
    df = hp.Deframer()
    acked = []
    first = s.recv(65536)
    acked += df.push(first)
    server.kill()
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            acked += df.push(data)
    except OSError:
        pass
    s.close()
    n_acked = len(acked)
    assert n_acked < n, "every message was acknowledged before the kill: the test proved nothing"
    stored = int(db.one("SELECT COUNT(*) FROM inbox_message WHERE control_id LIKE 'K-%'"))
    # acknowledged => stored
    assert stored >= n_acked, (stored, n_acked)
    server.start()
    c = hp.Client(port)
    # resend the unacknowledged ones, and the last 50 acknowledged ones (duplicates)
    for ctl, m in msgs[max(0, n_acked - 50):]:
        ack = c.send(m)
        assert hp.ack_code(ack) == "AA", (ctl, ack)
    c.close()
    assert db.one("SELECT COUNT(*) FROM patient WHERE ipp LIKE 'K%'") == str(n)
    assert db.one("SELECT COUNT(*) FROM imaging_order WHERE placer_number LIKE 'KP-%'") == str(n // 3)
    assert db.one("SELECT COUNT(*) FROM (SELECT placer_number FROM imaging_order WHERE placer_number LIKE 'KP-%' "
                  "GROUP BY placer_number HAVING COUNT(*) > 1) x") == "0"
    assert db.one("SELECT COUNT(*) FROM inbox_message WHERE control_id LIKE 'K-%' AND state = 'processed'") == str(n)
    print(f"  sigkill: {n_acked}/{n} acknowledged before the kill, {stored} stored; all present once after resend")


def check_backend(url, tmp):
    db = Db(url)
    pacs = hp.Listener()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
    env.update({
        "COULOIR_STORE_URL": url,
        "COULOIR_LOG_LEVEL": "warn",
        "COULOIR_HTTP_PORT": str(support.free_port()),
        "COULOIR_HL7_LISTEN_ADDRESS": "127.0.0.1",
        "COULOIR_HL7_LISTEN_PORT": str(support.free_port()),
        "COULOIR_HL7FEED_PACS_ADDRESS": f"127.0.0.1:{pacs.port}",
        "COULOIR_HL7FEED_DOMAIN_SENDERS": "DOMAINE",
        # the ANS samples use the test NIR OID
        "COULOIR_INS_ACCEPTED_OIDS": "1.2.250.1.213.1.4.8,1.2.250.1.213.1.4.9,1.2.250.1.213.1.4.10",
        "COULOIR_IDENTITY_OID_ROOT": OID_ROOT,
        "_LOG": os.path.join(tmp, f"serve-{uuid.uuid4().hex[:6]}.log"),
        "_DIR": tmp,
    })
    run(["migrate"], env)
    run(["demo"], env)  # the exam catalogue (ACQK001, ZBQK001...)
    server = Server(env)
    server.start()
    port = int(env["COULOIR_HL7_LISTEN_PORT"])
    try:
        c = hp.Client(port)
        c.env = env
        check_basic(c, db, pacs, env)
        check_identity_rules(c, db, pacs)
        check_orders(c, db, pacs)
        c.close()
        check_sigkill(server, db, port)
        server.stop()
    except BaseException:
        if server.proc and server.proc.poll() is None:
            server.kill()
        with open(env["_LOG"]) as f:
            sys.stderr.write(f.read()[-4000:])
        raise
    finally:
        pacs.close()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        check_backend("sqlite:" + os.path.join(tmp, "hl7.db"), tmp)
        print("sqlite: ok")
        pg = os.environ.get("COULOIR_TEST_PG_URL")
        if not pg:
            support.skip_or_fail("COULOIR_TEST_PG_URL unset: PostgreSQL half not run")
        name = "t_hl7feed_" + uuid.uuid4().hex[:12]
        subprocess.run(["psql", pg, "-qc", f"CREATE DATABASE {name}"], check=True)
        try:
            check_backend(pg.rsplit("/", 1)[0] + "/" + name, tmp)
            print("postgresql: ok")
        finally:
            subprocess.run(["psql", pg, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    main()

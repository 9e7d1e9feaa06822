"""MLLP helpers for the HL7 integration tests and the benchmark (independent of Couloir's code):
framing, a blocking client, a PACS-like listener, and message builders."""
import socket
import threading
import time

SB, EB, CR = b"\x0b", b"\x1c", b"\x0d"


def frame(msg):
    if isinstance(msg, str):
        msg = msg.encode("utf-8")
    return SB + msg + EB + CR


class Deframer:
    def __init__(self):
        self.buf = b""

    def push(self, data):
        self.buf += data
        out = []
        while True:
            s = self.buf.find(SB)
            if s < 0:
                self.buf = b""
                return out
            e = self.buf.find(EB + CR, s)
            if e < 0:
                self.buf = self.buf[s:]
                return out
            out.append(self.buf[s + 1:e])
            self.buf = self.buf[e + 2:]


class Client:
    """One MLLP connection: send a message, wait for its acknowledgement."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.df = Deframer()
        self.pending = []

    def send(self, msg):
        self.sock.sendall(frame(msg))
        return self.recv()

    def recv(self):
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed by the server")
            self.pending.extend(self.df.push(data))
        return self.pending.pop(0).decode("utf-8", "replace")

    def close(self):
        self.sock.close()


def ack_code(ack):
    for seg in ack.split("\r"):
        if seg.startswith("MSA|"):
            return seg.split("|")[1]
    return None


def segment(msg, name):
    for seg in msg.split("\r"):
        if seg.startswith(name + "|"):
            return seg
    return None


def wait_port(port, proc=None, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"couloir serve exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"MLLP port {port} not open after {timeout} s")


class Listener:
    """A PACS-like MLLP listener: records every message and answers AA."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
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
        df = Deframer()
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
                ack = f"MSH|^~\\&|PACS||{msh[2]}||20260101000000||ACK^{msh[8].split('^')[1] if '^' in msh[8] else ''}|A{msh[9]}|P|{msh[11]}\rMSA|AA|{msh[9]}\r"
                conn.sendall(frame(ack))
        conn.close()

    def wait_for(self, predicate, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for m in self.messages if predicate(m)]
            if found:
                return found
            time.sleep(0.1)
        return []

    def close(self):
        self.stop = True
        self.sock.close()


# ------------------------------------------------------------------ builders
def msh(type_, event, structure, ctl, version="2.5", sender="HIS", facility="HOPITAL", charset="UNICODE UTF-8"):
    return (f"MSH|^~\\&|{sender}|{facility}|COULOIR|CABINET|20260315101500||{type_}^{event}^{structure}|{ctl}|P|"
            f"{version}|||||FRA|{charset}")


def pid(ipp, birth_name="MARTIN", given="JEANNE", given_list="JEANNE MARIE", dob="19800214", sex="F",
        ins=None, ins_oid="1.2.250.1.213.1.4.10", reliability="PROV", used_name=None, cog="75056"):
    ids = f"{ipp}^^^HIS&1.2.250.1.999.9.1&ISO^PI"
    if ins:
        ids += f"~{ins}^^^ASIP-SANTE-INS-NIR&{ins_oid}&ISO^INS"
    names = f"{birth_name}^{given}^{given_list}^^^^L"
    if used_name:
        names += f"~{used_name}^{given}^^^^^D"
    addr = f"^^^^^^BDL^^{cog}" if cog else ""
    return f"PID|1||{ids}||{names}||{dob}|{sex}|||{addr}" + "|" * 21 + reliability


def adt(event, ctl, ipp, extra="", version="2.5", **kw):
    structure = {"A28": "ADT_A05", "A31": "ADT_A05", "A08": "ADT_A01", "A40": "ADT_A39", "A47": "ADT_A30"}.get(
        event, "ADT_A01")
    segs = [msh("ADT", event, structure, ctl, version=version, sender=kw.pop("sender", "HIS")),
            f"EVN||20260315101500", pid(ipp, **kw)]
    if extra:
        segs.append(extra)
    segs.append("PV1|1|O")
    return "\r".join(segs) + "\r"


def orm(ctl, ipp, placer, exams, control="NW", start="202603201030", version="2.3.1", **kw):
    segs = [msh("ORM", "O01", "ORM_O01", ctl, version=version), pid(ipp, **kw), "PV1|1|O"]
    for i, code in enumerate(exams, 1):
        segs.append(f"ORC|{control}|{placer}^HIS" + "|" * 5 + f"^^^{start}^^R")
        segs.append(f"OBR|{i}|{placer}^HIS||{code}^Examen^CCAM" + "|" * 23 + f"^^^{start}^^R")
    return "\r".join(segs) + "\r"


def omi(ctl, ipp, placer, code, n_ipc, control="NW", start="202603211400", **kw):
    segs = [msh("OMI", "O23", "OMI_O23", ctl, version="2.5.1"), pid(ipp, **kw), "PV1|1|O",
            f"ORC|{control}|{placer}^HIS", f"TQ1|1||||||{start}||R", f"OBR|1|{placer}^HIS||{code}^Examen^CCAM"]
    for i in range(n_ipc):
        segs.append(f"IPC|||||CT")
    return "\r".join(segs) + "\r"

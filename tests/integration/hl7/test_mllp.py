#!/usr/bin/python3
"""Couloir's MLLP server and client over real TCP (127.0.0.1), driven by a plain python3
client that is not Couloir code: frames split across reads, two frames in one read, garbage
between frames, an oversized message (AR, connection still usable), a malformed message (AR
with a French ERR-8), many simultaneous connections, a stalled client (idle timeout, resources
freed), and the client's reconnect-and-resend against a python server that drops the first
connection."""
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import support

SB, EB = b"\x0b", b"\x1c\x0d"
MAX = 4096
IDLE_MS = 1500


def msg(ctl, extra=b""):
    return (b"MSH|^~\\&|HIS|CHU|RIS|CAB|20261122083000||ADT^A08^ADT_A01|" + ctl +
            b"|P|2.5|||||FRA|UNICODE UTF-8\rPID|||IPP1^^^CHU^PI||DUPONT^JEAN\r" + extra)


def frame(m):
    return SB + m + EB


class Conn:
    def __init__(self, port, tls=None):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls:
            self.s = tls.wrap_socket(self.s, server_hostname="localhost")
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def ack(self):
        deadline = time.time() + 5
        while EB not in self.buf:
            if time.time() > deadline:
                raise AssertionError("no ACK")
            chunk = self.s.recv(65536)
            if not chunk:
                raise AssertionError("connection closed before the ACK")
            self.buf += chunk
        end = self.buf.index(EB)
        assert self.buf[:1] == SB, self.buf[:20]
        out, self.buf = self.buf[1:end], self.buf[end + 2:]
        return out

    def close(self):
        self.s.close()


def field(m, seg, n):
    for line in m.split(b"\r"):
        parts = line.split(b"|")
        if parts[0] == seg:
            if seg == b"MSH":
                n -= 1
            return parts[n].decode() if len(parts) > n else ""
    return None


def expect_ack(a, code, ctl):
    assert field(a, b"MSA", 1) == code, a
    assert field(a, b"MSA", 2) == ctl, a
    assert field(a, b"MSH", 9) == "ACK^A08^ACK", a


class Server:
    def __init__(self, tool, *extra):
        self.p = subprocess.Popen([tool, "serve", str(MAX), str(IDLE_MS), *extra], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        assert line.startswith("PORT "), line
        self.port = int(line.split()[1])

    def stats(self):
        self.p.stdin.write("stats\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def stop(self):
        self.p.stdin.close()
        rc = self.p.wait(timeout=10)
        assert rc == 0, rc


def test_split(port):
    c = Conn(port)
    data = frame(msg(b"SPLIT1"))
    for i in range(0, len(data), 7):  # 7-byte writes, Nagle off by pauses
        c.send(data[i:i + 7])
        time.sleep(0.002)
    expect_ack(c.ack(), "AA", "SPLIT1")
    c.close()


def test_two_in_one(port):
    c = Conn(port)
    c.send(frame(msg(b"TWO1")) + frame(msg(b"TWO2")))
    expect_ack(c.ack(), "AA", "TWO1")
    expect_ack(c.ack(), "AA", "TWO2")
    c.close()


def test_garbage(port):
    c = Conn(port)
    c.send(b"garbage before\r\n" + frame(msg(b"G1")) + b"\r\njunk between" + frame(msg(b"G2")) + b"\n")
    expect_ack(c.ack(), "AA", "G1")
    expect_ack(c.ack(), "AA", "G2")
    c.close()


def test_oversized(port):
    c = Conn(port)
    big = msg(b"BIG1", b"OBX|1|ED|18748-4^CR^LN||^TEXT^XML^Base64^" + b"QUJD" * 3000 + b"||||||F\r")
    assert len(big) > MAX
    c.send(frame(big))
    a = c.ack()
    assert field(a, b"MSA", 1) == "AR", a
    assert field(a, b"MSA", 2) == "BIG1", a
    assert "taille maximale" in field(a, b"ERR", 8), a
    # the same connection still works
    c.send(frame(msg(b"AFTER")))
    expect_ack(c.ack(), "AA", "AFTER")
    c.close()


def test_malformed(port):
    c = Conn(port)
    c.send(frame(msg(b"BAD1", "NTE|1||mauvais \\Q\\ échappement\r".encode())))
    a = c.ack()
    assert field(a, b"MSA", 1) == "AR", a
    assert field(a, b"MSA", 2) == "BAD1", a
    assert "échappement" in field(a, b"ERR", 8), a
    c.send(frame(b"not hl7 at all"))
    a = c.ack()
    assert field(a, b"MSA", 1) == "AR", a
    c.close()


def test_many(port, n=60):
    conns = [Conn(port) for _ in range(n)]
    for i, c in enumerate(conns):
        c.send(frame(msg(b"M%d" % i)))
    for i, c in enumerate(conns):
        expect_ack(c.ack(), "AA", "M%d" % i)
    for c in conns:
        c.close()


def test_stalled(server):
    c = Conn(server.port)
    c.send(SB + b"MSH|^~\\&|HIS|CHU|RIS|CAB|2026||ADT^A08|STALL|P|2.5\rPID|")  # never finished
    t0 = time.time()
    c.s.settimeout(IDLE_MS / 1000 * 4)
    assert c.s.recv(100) == b"", "the server should close a stalled connection"
    waited = time.time() - t0
    assert IDLE_MS / 1000 * 0.8 <= waited <= IDLE_MS / 1000 * 3, waited
    c.close()
    time.sleep(0.3)
    st = server.stats()
    assert st["timeouts"] >= 1, st
    assert st["open"] == 0, st  # every connection's resources are released
    return st


def fake_server(port_holder, ready, answers):
    """Python MLLP peer: drops the first connection unanswered, answers the second."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    ls.settimeout(10)
    port_holder.append(ls.getsockname()[1])
    ready.set()
    for i in range(2):
        try:
            s, _ = ls.accept()
        except socket.timeout:
            break
        data = b""
        s.settimeout(5)
        while EB not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        if i == 0:
            s.close()  # no ACK: the client must reconnect and resend
            continue
        m = data[1:data.index(EB)]
        answers.append(m)
        s.sendall(frame(b"MSH|^~\\&|RIS|CAB|HIS|CHU|2026||ACK^A08^ACK|X|P|2.5\rMSA|AA|" +
                        field(m, b"MSH", 10).encode() + b"\r"))
        s.close()
    ls.close()


def test_client(tool, port, tmpfile):
    with open(tmpfile, "wb") as f:
        f.write(msg(b"CLI1"))
    out = subprocess.run([tool, "send", str(port), "0", tmpfile], capture_output=True, check=True)
    a = out.stdout.strip(b"\n")
    expect_ack(a, "AA", "CLI1")
    # reconnect and resend after a dropped connection
    holder, ready, answers = [], threading.Event(), []
    t = threading.Thread(target=fake_server, args=(holder, ready, answers))
    t.start()
    ready.wait(5)
    out = subprocess.run([tool, "send", str(holder[0]), "2", tmpfile], capture_output=True, timeout=30)
    t.join(15)
    assert out.returncode == 0, out.stderr
    assert b"MSA|AA|CLI1" in out.stdout, out.stdout
    assert len(answers) == 1
    # no server at all: a clear French error, non-zero exit
    out = subprocess.run([tool, "send", str(support.free_port()), "1", tmpfile], capture_output=True, timeout=30)
    assert out.returncode == 2 and "impossible" in out.stderr.decode(), out


def test_deferred(tool):
    """Acknowledgements sent later by a worker thread (group commit): each connection gets its own."""
    server = Server(tool, "defer")
    try:
        test_two_in_one(server.port)
        test_many(server.port, 40)
        for _ in range(3):  # several rounds on the same connections
            conns = [Conn(server.port) for _ in range(10)]
            for i, c in enumerate(conns):
                c.send(frame(msg(b"D%d" % i)))
            for i, c in enumerate(conns):
                expect_ack(c.ack(), "AA", "D%d" % i)
                c.send(frame(msg(b"E%d" % i)))
            for i, c in enumerate(conns):
                expect_ack(c.ack(), "AA", "E%d" % i)
                c.close()
        st = server.stats()
        assert st["deferred"] == st["messages"] == 2 + 40 + 60, st
    finally:
        server.stop()


def test_tls(tool, tmp):
    """TLS: python's ssl client, then Couloir's client verifying the certificate."""
    if not shutil.which("openssl"):
        support.skip_or_fail("openssl command missing (to make a test certificate)")
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = Server(tool, "tls", cert, key)
    try:
        ctx = ssl.create_default_context(cafile=cert)
        c = Conn(server.port, ctx)
        data = frame(msg(b"TLS1")) + frame(msg(b"TLS2"))
        c.send(data[:10])
        time.sleep(0.01)
        c.send(data[10:])
        expect_ack(c.ack(), "AA", "TLS1")
        expect_ack(c.ack(), "AA", "TLS2")
        c.close()
        # a plain-TCP client gets nothing and is disconnected
        p = Conn(server.port)
        p.send(frame(msg(b"PLAIN")))
        p.s.settimeout(5)
        try:
            got = p.s.recv(100)
        except ConnectionResetError:
            got = b""
        assert EB not in got, got
        p.close()
        f = os.path.join(tmp, "m.hl7")
        with open(f, "wb") as fh:
            fh.write(msg(b"TLSCLI"))
        out = subprocess.run([tool, "send", str(server.port), "0", f, cert], capture_output=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert b"MSA|AA|TLSCLI" in out.stdout, out.stdout
        # wrong trust anchor: refused with a French message
        other_cert, other_key = os.path.join(tmp, "other.pem"), os.path.join(tmp, "otherkey.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", other_key, "-out",
                        other_cert, "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
        out = subprocess.run([tool, "send", str(server.port), "0", f, other_cert], capture_output=True, timeout=30)
        assert out.returncode == 2 and "certificat" in out.stderr.decode(), out
    finally:
        server.stop()


def test_backpressure(tool):
    """A peer that sends without reading its ACKs is not read any more: its sends stall, the
    server's pending output stays bounded, and every ACK arrives once the peer reads."""
    server = Server(tool, "hiwater", "4000")
    try:
        c = Conn(server.port)
        c.s.settimeout(1.0)
        payload = b"".join(frame(msg(b"P%d" % i)) for i in range(200))  # one batch: ~40 KB
        sent = 0
        stalled = False
        for _ in range(1000):  # up to ~40 MB if the server kept reading
            try:
                c.s.sendall(payload)
                sent += 200
            except socket.timeout:
                stalled = True
                break
        assert stalled, "the server kept reading a peer that does not read its ACKs"
        st = server.stats()
        assert st["messages"] < sent + 200, st
        # now read: the server resumes; count the ACKs of every complete frame it got
        c.s.settimeout(5)
        first = c.ack()
        assert field(first, b"MSA", 2) == "P0", first
        c.close()
    finally:
        server.stop()


def main():
    tool = sys.argv[1]
    test_backpressure(tool)
    with tempfile.TemporaryDirectory() as tmp:
        test_tls(tool, tmp)
    test_deferred(tool)
    server = Server(tool)
    try:
        test_split(server.port)
        test_two_in_one(server.port)
        test_garbage(server.port)
        test_oversized(server.port)
        test_malformed(server.port)
        test_many(server.port)
        st = test_stalled(server)
        assert st["oversized"] == 1, st
        assert st["garbage_bytes"] >= len(b"garbage before\r\n") + len(b"\r\njunk between") + 1, st
        test_client(tool, server.port, os.path.join(os.environ.get("TMPDIR", "/tmp"), f"hl7_cli_{os.getpid()}.hl7"))
        st = server.stats()
        print("server stats:", st)
    finally:
        server.stop()
    print("MLLP over TCP: ok")


if __name__ == "__main__":
    main()

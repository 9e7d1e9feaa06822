"""A minimal Modality Worklist C-FIND SCU (PS3.7, PS3.8), independent of Couloir's own DICOM
code, so that the same client times Couloir, DCMTK wlmscpfs and Orthanc. One association per
query, as a modality does; implicit VR little endian only (every SCP must accept it)."""
import socket
import struct
import time

MWL_FIND = "1.2.840.10008.5.1.4.31"
IMPLICIT_LE = "1.2.840.10008.1.2"
APP_CONTEXT = "1.2.840.10008.3.1.1.1"


def _uid(u):
    b = u.encode()
    return b + b"\0" if len(b) % 2 else b


def _item(t, payload):
    return struct.pack(">BBH", t, 0, len(payload)) + payload


def _assoc_rq(calling, called):
    pc = struct.pack(">BBBB", 1, 0, 0, 0) + _item(0x30, MWL_FIND.encode()) + _item(0x40, IMPLICIT_LE.encode())
    user = _item(0x51, struct.pack(">I", 65536)) + _item(0x52, b"1.2.250.1.999.1.9.0")
    body = (struct.pack(">HH", 1, 0) + called.ljust(16).encode() + calling.ljust(16).encode() + b"\0" * 32
            + _item(0x10, APP_CONTEXT.encode()) + _item(0x20, pc) + _item(0x50, user))
    return struct.pack(">BBI", 1, 0, len(body)) + body


def _el(group, elem, value):
    return struct.pack("<HHI", group, elem, len(value)) + value


def _text(v):
    b = v.encode("utf-8")
    return b + b" " if len(b) % 2 else b


def encode_query(keys):
    """keys: list of (group, element, value) in ascending tag order; value is a str (text key),
    or a list of such triples for a sequence with one item."""
    out = b""
    for g, e, v in keys:
        if isinstance(v, list):
            item = encode_query(v)
            body = struct.pack("<HHI", 0xFFFE, 0xE000, len(item)) + item
            out += _el(g, e, body)
        elif g == 0x0020 or (g, e) in ((0x0008, 0x1150), (0x0008, 0x1155)):
            b = v.encode()
            out += _el(g, e, b + b"\0" if len(b) % 2 else b)
        else:
            out += _el(g, e, _text(v))
    return out


def _command(message_id):
    elems = (_el(0x0000, 0x0002, _uid(MWL_FIND)) + _el(0x0000, 0x0100, struct.pack("<H", 0x0020))
             + _el(0x0000, 0x0110, struct.pack("<H", message_id)) + _el(0x0000, 0x0700, struct.pack("<H", 0))
             + _el(0x0000, 0x0800, struct.pack("<H", 0x0102)))
    return _el(0x0000, 0x0000, struct.pack("<I", len(elems))) + elems


def _pdata(pcid, last_flags, data):
    pdv = struct.pack(">IBB", len(data) + 2, pcid, last_flags) + data
    return struct.pack(">BBI", 4, 0, len(pdv)) + pdv


def _recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by peer")
        buf += chunk
    return bytes(buf)


def _recv_pdu(sock):
    head = _recv_exact(sock, 6)
    t, _, length = struct.unpack(">BBI", head)
    return t, _recv_exact(sock, length)


def _status(command):
    pos = 0
    while pos + 8 <= len(command):
        g, e, ln = struct.unpack_from("<HHI", command, pos)
        if (g, e) == (0x0000, 0x0900):
            return struct.unpack_from("<H", command, pos + 8)[0]
        pos += 8 + ln
    raise ValueError("no status in C-FIND response")


def find(host, port, keys, calling="BENCH", called="COULOIR", timeout=30.0):
    """Runs one C-FIND on a new association. Returns (matches, final_status, seconds, identifiers)."""
    t0 = time.perf_counter()
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(_assoc_rq(calling, called))
        t, body = _recv_pdu(s)
        if t != 2:
            raise ConnectionError(f"association refused (PDU type {t})")
        s.sendall(_pdata(1, 0x03, _command(1)) + _pdata(1, 0x02, encode_query(keys)))
        matches, identifiers = 0, []
        command, data = b"", b""
        final = None
        while final is None:
            t, body = _recv_pdu(s)
            if t != 4:
                raise ConnectionError(f"unexpected PDU type {t}")
            pos = 0
            while pos < len(body):
                ln, _pcid, flags = struct.unpack_from(">IBB", body, pos)
                frag = body[pos + 6: pos + 4 + ln]
                pos += 4 + ln
                if flags & 1:
                    command += frag
                    if flags & 2:
                        st = _status(command)
                        command = b""
                        if st not in (0xFF00, 0xFF01):
                            final = st
                else:
                    data += frag
                    if flags & 2:
                        matches += 1
                        identifiers.append(data)
                        data = b""
        s.sendall(struct.pack(">BBI", 5, 0, 4) + b"\0" * 4)
        try:
            _recv_pdu(s)  # A-RELEASE-RP
        except (ConnectionError, OSError):
            pass
    return matches, final, time.perf_counter() - t0, identifiers

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


class _Reader:
    """Buffered PDU reader: one recv() brings many PDUs (a server may coalesce its C-FIND
    responses into large writes) and PDUs are parsed in place, so that the client's own cost
    stays far below the servers' (bench/mwl/README.md gives its measured cost)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0

    def _fill(self, n):
        """Makes n bytes available from self.pos."""
        if len(self.buf) - self.pos >= n:
            return
        del self.buf[:self.pos]
        self.pos = 0
        while len(self.buf) < n:
            chunk = self.sock.recv(max(262144, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("connection closed by peer")
            self.buf += chunk

    def pdu(self):
        """Next PDU: (type, buffer, start, end) with the body at buffer[start:end]."""
        self._fill(6)
        t, _, length = _PDU_HEAD.unpack_from(self.buf, self.pos)
        self._fill(6 + length)
        start = self.pos + 6
        self.pos = start + length
        return t, self.buf, start, start + length


_PDU_HEAD = struct.Struct(">BBI")
_PDV_HEAD = struct.Struct(">IBB")
_ELEM_HEAD = struct.Struct("<HHI")


_STATUS_HEAD = struct.pack("<HHI", 0x0000, 0x0900, 2)


def _status(command, pos=0, end=None):
    """Status (0000,0900) of an implicit VR LE command at command[pos:end]: found by its 8-byte
    element header (no other element of a C-FIND-RSP command can hold those bytes), else by
    walking the elements."""
    end = len(command) if end is None else end
    at = command.find(_STATUS_HEAD, pos, end)
    if at >= 0 and at + 10 <= end:
        return command[at + 8] | (command[at + 9] << 8)
    unpack = _ELEM_HEAD.unpack_from
    while pos + 8 <= end:
        g, e, ln = unpack(command, pos)
        if g == 0 and e == 0x0900:
            return command[pos + 8] | (command[pos + 9] << 8)
        pos += 8 + ln
    raise ValueError("no status in C-FIND response")


def find(host, port, keys, calling="BENCH", called="COULOIR", timeout=30.0):
    """Runs one C-FIND on a new association. Returns (matches, final_status, seconds, identifiers)."""
    t0 = time.perf_counter()
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(_assoc_rq(calling, called))
        rd = _Reader(s)
        t = rd.pdu()[0]
        if t != 2:
            raise ConnectionError(f"association refused (PDU type {t})")
        s.sendall(_pdata(1, 0x03, _command(1)) + _pdata(1, 0x02, encode_query(keys)))
        matches, identifiers = 0, []
        command, data = b"", b""
        final = None
        pdu_head = _PDU_HEAD.unpack_from
        while final is None:
            buf, pos = rd.buf, rd.pos  # PDUs already received are parsed without a call each
            if len(buf) - pos >= 6 and len(buf) - pos >= 6 + pdu_head(buf, pos)[2]:
                t, _, length = pdu_head(buf, pos)
                body, pos, end = buf, pos + 6, pos + 6 + length
                rd.pos = end
            else:
                t, body, pos, end = rd.pdu()
            if t != 4:
                raise ConnectionError(f"unexpected PDU type {t}")
            while pos < end:
                ln, _pcid, flags = _PDV_HEAD.unpack_from(body, pos)
                start, stop = pos + 6, pos + 4 + ln
                pos = stop
                if flags & 1:
                    if flags & 2 and not command:  # the whole command in one PDV: parsed in place
                        st = _status(body, start, stop)
                    elif flags & 2:
                        command += body[start:stop]
                        st = _status(command)
                        command = b""
                    else:
                        command += body[start:stop]
                        continue
                    if st not in (0xFF00, 0xFF01):
                        final = st
                else:
                    data += body[start:stop]
                    if flags & 2:
                        matches += 1
                        identifiers.append(bytes(data))
                        data = b""
        s.sendall(struct.pack(">BBI", 5, 0, 4) + b"\0" * 4)
        try:
            rd.pdu()  # A-RELEASE-RP
        except (ConnectionError, OSError):
            pass
    return matches, final, time.perf_counter() - t0, identifiers

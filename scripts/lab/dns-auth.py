#!/usr/bin/python3
"""A tiny authoritative DNS server for the lab's test zone (UDP and TCP, A and AAAA records).

Written rather than configured because the dns-servfail fault needs the authority itself to answer
SERVFAIL (RCODE 2) for its zone while IP stays fine, which dnsmasq cannot be told to do.
Usage: dns-auth.py LISTEN_IP ZONE MODE NAME=IP[,IP]...   MODE: ok | servfail
Answers: known NAME -> its A / AAAA records (AA set; NODATA for a type it has none of); other names in
ZONE -> NXDOMAIN; outside ZONE -> REFUSED.
"""
import socket, socketserver, struct, sys, threading

LISTEN, ZONE, MODE = sys.argv[1], sys.argv[2].lower().rstrip("."), sys.argv[3]
RECORDS = {k.lower().rstrip("."): v.split(",") for k, v in (a.split("=", 1) for a in sys.argv[4:])}
TTL = 30


def read_name(msg, off):
    labels = []
    while True:
        n = msg[off]
        if n == 0:
            return ".".join(labels), off + 1
        if n & 0xC0:
            raise ValueError("compressed name in question")
        labels.append(msg[off + 1 : off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


def answer(query):
    if len(query) < 12:
        return None
    qid, flags, qd = struct.unpack_from("!HHH", query)
    if flags & 0x8000 or qd != 1:
        return None
    try:
        name, off = read_name(query, 12)
    except (ValueError, IndexError):
        return None
    qtype, qclass = struct.unpack_from("!HH", query, off)
    question = query[12 : off + 4]
    lname = name.lower()
    in_zone = lname == ZONE or lname.endswith("." + ZONE)
    rd = flags & 0x0100
    answers = []
    if not in_zone:
        rcode, aa = 5, 0
    elif MODE == "servfail":
        rcode, aa = 2, 0
    elif lname in RECORDS:
        rcode, aa = 0, 0x0400
        if qclass == 1:
            for addr in RECORDS[lname]:
                v6 = ":" in addr
                if qtype == 255 or qtype == (28 if v6 else 1):
                    raw = socket.inet_pton(socket.AF_INET6 if v6 else socket.AF_INET, addr)
                    answers.append(struct.pack("!HHHIH", 0xC00C, 28 if v6 else 1, 1, TTL, len(raw)) + raw)
    else:
        rcode, aa = (0 if lname == ZONE else 3), 0x0400
    hdr = struct.pack("!HHHHHH", qid, 0x8000 | aa | rd | rcode, 1, len(answers), 0, 0)
    return hdr + question + b"".join(answers)


class Udp(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        reply = answer(data)
        if reply:
            sock.sendto(reply, self.client_address)


class Tcp(socketserver.StreamRequestHandler):
    def handle(self):
        raw = self.rfile.read(2)
        if len(raw) == 2:
            reply = answer(self.rfile.read(struct.unpack("!H", raw)[0]))
            if reply:
                self.wfile.write(struct.pack("!H", len(reply)) + reply)


if __name__ == "__main__":
    socketserver.ThreadingUDPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    tcp = socketserver.ThreadingTCPServer((LISTEN, 53), Tcp)
    threading.Thread(target=tcp.serve_forever, daemon=True).start()
    socketserver.ThreadingUDPServer((LISTEN, 53), Udp).serve_forever()

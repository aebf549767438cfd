#!/usr/bin/python3
"""Holds every packet of one NFQUEUE for a fixed delay, then accepts it.

The lab kernel has no netem, so "high latency on the access line" is made in user space: iptables
sends the line's packets to this queue (with --queue-bypass, so packets flow undelayed if this dies)
and we give the ACCEPT verdict DELAY_MS later. Raw nfnetlink (no python-netfilterqueue in Debian's
python for this interpreter); only packet ids are copied (COPY_META), never payloads.
Usage: nfq-delay.py QUEUE_NUM DELAY_MS   (prints "ready" once the queue is bound)
"""
import collections, os, select, socket, struct, sys, time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS = 1, 2
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_ACCEPT = 1
NLM_F_REQUEST, NLMSG_ERROR = 1, 2


def attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


def message(msg, queue, attrs, seq):
    body = struct.pack("!BBH", socket.AF_UNSPEC, 0, queue) + b"".join(attrs)
    kind = (NFNL_SUBSYS_QUEUE << 8) | msg
    return struct.pack("=IHHII", 16 + len(body), kind, NLM_F_REQUEST, seq, 0) + body


def packet_ids(data):
    """Yields the packet id of every NFQNL_MSG_PACKET in one netlink datagram."""
    off = 0
    while off + 16 <= len(data):
        length, kind, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
        if length < 16:
            return
        if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            a = off + 20  # nlmsghdr (16) + nfgenmsg (4)
            while a + 4 <= off + length:
                alen, akind = struct.unpack_from("=HH", data, a)
                if alen < 4:
                    break
                if akind & 0x7FFF == NFQA_PACKET_HDR:
                    yield struct.unpack_from("!I", data, a + 4)[0]
                a += (alen + 3) & ~3
        elif kind == NLMSG_ERROR:
            err = struct.unpack_from("=i", data, off + 16)[0]
            if err != 0:
                sys.exit(f"nfq-delay: netlink error {err}")
        off += (length + 3) & ~3


def main():
    queue, delay_s = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((0, 0))
    s.send(message(NFQNL_MSG_CONFIG, queue, [attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, 0))], 1))
    s.send(message(NFQNL_MSG_CONFIG, queue, [attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))], 2))
    # Netlink requests are handled within send(): the queue is bound now. lab.sh waits for this line
    # before it adds the rule, so no packet bypasses the delay (--queue-bypass) at the start.
    print("ready", flush=True)
    held = collections.deque()  # (release_at, packet_id): a fixed delay keeps it in order
    seq = 3
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        ready, _, _ = select.select([s], [], [], timeout)
        if ready:
            now = time.monotonic()
            for pid in packet_ids(s.recv(65536)):
                held.append((now + delay_s, pid))
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, pid = held.popleft()
            seq += 1
            s.send(message(NFQNL_MSG_VERDICT, queue, [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pid))], seq))


if __name__ == "__main__":
    main()

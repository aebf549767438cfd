#!/usr/bin/python3
"""Empties the kernel's connection tracking table of the current network namespace (IPv4 and IPv6).

What `conntrack -F` does, without the conntrack tool (not among the lab's packages): one ctnetlink
IPCTNL_MSG_CT_DELETE request with no attributes per family, which the kernel reads as "flush".
The lab runs it on every fault and every clear, so a NAT mapping made before a rule change cannot
keep applying to a flow after it (lab.sh flush_conntrack). Exit 0 on success or when the namespace
tracks nothing; 1 with the errno otherwise.
Usage (inside a namespace): ct-flush.py
"""
import errno, os, socket, struct, sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_DELETE = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2


def flush(sock, family, seq):
    body = struct.pack("!BBH", family, 0, 0)  # nfgenmsg: family, version 0, res_id 0
    kind = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE
    sock.send(struct.pack("=IHHII", 16 + len(body), kind, NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body)
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            length, mtype, _flags, rseq, _pid = struct.unpack_from("=IHHII", data, off)
            if mtype == NLMSG_ERROR and rseq == seq:
                return -struct.unpack_from("=i", data, off + 16)[0]
            off += (length + 3) & ~3


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    for seq, family in enumerate((socket.AF_INET, socket.AF_INET6), start=1):
        err = flush(sock, family, seq)
        # ENOENT: nothing tracked in this family (no conntrack user in the namespace yet).
        if err not in (0, errno.ENOENT):
            sys.exit(f"ct-flush: family {family}: {os.strerror(err)}")


if __name__ == "__main__":
    main()

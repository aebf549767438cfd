#!/usr/bin/python3
"""snmpd `pass_persist` handler: the home router's simulated modem line in the standard DSL MIBs.

The lab's access line is a veth, so its line figures are made up here, read from a small state file
that `lab.sh fault line-degraded` rewrites (no snmpd restart). Serves, for the WAN ifIndex:
  ADSL-LINE-MIB (RFC 2662) adslAtucPhysTable / adslAturPhysTable .4 CurrSnrMgn, .5 CurrAtn,
  .8 CurrAttainableRate (0.1 dB, bit/s); VDSL2-LINE-MIB (RFC 5650) xdsl2LineStatusAttainableRateDs/Us
  (.17/.18, bit/s) and xdsl2LineBandTable .2 LnAtten, .3 SigAtten, .4 SnrMargin (0.1 dB) for the bands
  upstream(1) and downstream(2).
Usage (by snmpd): `pass_persist OID line-mib.py STATEFILE` (one long-lived process: a `pass` script
spawned per GET/GETNEXT made a full SNMP read of the lab router take ~2 s), or for a manual look
`line-mib.py STATEFILE -g|-n OID`. STATEFILE lines: key=value (see lab.sh), re-read on every request.
"""
import sys

ADSL = (1, 3, 6, 1, 2, 1, 10, 94, 1, 1)
VDSL2 = (1, 3, 6, 1, 2, 1, 10, 251, 1, 1)


def table(state):
    i = int(state["ifindex"])
    g = lambda k: int(state[k])
    rows = [
        (ADSL + (2, 1, 4, i), "integer", g("snr_us")),  # ATU-C (upstream received at the exchange)
        (ADSL + (2, 1, 5, i), "gauge", g("atten_us")),
        (ADSL + (2, 1, 8, i), "gauge", g("rate_us")),
        (ADSL + (3, 1, 4, i), "integer", g("snr_ds")),  # ATU-R (downstream received by the modem)
        (ADSL + (3, 1, 5, i), "gauge", g("atten_ds")),
        (ADSL + (3, 1, 8, i), "gauge", g("rate_ds")),
        (VDSL2 + (1, 1, 17, i), "gauge", g("rate_ds")),
        (VDSL2 + (1, 1, 18, i), "gauge", g("rate_us")),
    ]
    for band, d in ((1, "us"), (2, "ds")):
        rows += [
            (VDSL2 + (2, 1, 2, i, band), "gauge", g("atten_" + d)),
            (VDSL2 + (2, 1, 3, i, band), "gauge", g("atten_" + d)),
            (VDSL2 + (2, 1, 4, i, band), "integer", g("snr_" + d)),
        ]
    return sorted(rows)


def answer(statefile, mode, oid_text):
    state = dict(l.strip().split("=", 1) for l in open(statefile) if "=" in l)
    oid = tuple(int(x) for x in oid_text.strip(".").split(".") if x)
    for row_oid, kind, value in table(state):
        if (mode == "get" and row_oid == oid) or (mode == "getnext" and row_oid > oid):
            return "." + ".".join(map(str, row_oid)) + "\n" + kind + "\n" + str(value) + "\n"
    return "NONE\n"


def persist(statefile):
    """The pass_persist protocol (snmpd.conf(5)): PING/PONG, then get|getnext|set + OID lines."""
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "PING":
            out = "PONG\n"
        elif cmd in ("get", "getnext"):
            out = answer(statefile, cmd, sys.stdin.readline().strip())
        elif cmd == "set":
            sys.stdin.readline()
            sys.stdin.readline()
            out = "not-writable\n"
        elif cmd == "":
            return
        else:
            out = "NONE\n"
        sys.stdout.write(out)
        sys.stdout.flush()


def main():
    if len(sys.argv) == 2:
        persist(sys.argv[1])
    else:
        sys.stdout.write(answer(sys.argv[1], {"-g": "get", "-n": "getnext"}[sys.argv[2]], sys.argv[3]))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""snmpd `pass` handler: the home router's simulated modem line in the standard DSL MIBs.

The lab's access line is a veth, so its line figures are made up here, read from a small state file
that `lab.sh fault line-degraded` rewrites (no snmpd restart). Serves, for the WAN ifIndex:
  ADSL-LINE-MIB (RFC 2662) adslAtucPhysTable / adslAturPhysTable .4 CurrSnrMgn, .5 CurrAtn,
  .8 CurrAttainableRate (0.1 dB, bit/s); VDSL2-LINE-MIB (RFC 5650) xdsl2LineStatusAttainableRateDs/Us
  (.17/.18, bit/s) and xdsl2LineBandTable .2 LnAtten, .3 SigAtten, .4 SnrMargin (0.1 dB) for the bands
  upstream(1) and downstream(2).
Usage (by snmpd): line-mib.py STATEFILE -g|-n OID   STATEFILE lines: key=value (see lab.sh).
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


def main():
    state = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l)
    mode, oid = sys.argv[2], tuple(int(x) for x in sys.argv[3].strip(".").split(".") if x)
    for row_oid, kind, value in table(state):
        if (mode == "-g" and row_oid == oid) or (mode == "-n" and row_oid > oid):
            print("." + ".".join(map(str, row_oid)))
            print(kind)
            print(value)
            return
    print("NONE")


if __name__ == "__main__":
    main()

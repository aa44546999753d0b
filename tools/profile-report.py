#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Summarise the function_graph traces of tools/bench-guest.sh's profile
mode (BENCH_PROFILE): for each tunnel, the time spent in each traced
function per packet sent in the traced window, side by side.

    tools/profile-report.py DIR [--out FILE]

DIR holds one folder per tunnel with trace.txt (the ftrace buffer), window
("packets N seconds T0 T1 vcpus V") and iperf.json. Times are inclusive: a
function's time counts the functions it calls, traced or not, so a row is
not to be added to the rows below it. Tracing costs each traced call a
microsecond or two, which the totals include.
"""
import argparse
import collections
import json
import os
import re
import sys

# " 1)   2.345 us    |  func();"  or  " 1) + 45.128 us   |  } /* func */"
LINE = re.compile(r"^\s*\d+\)\s+[+!#*@$]?\s*([\d.]+) us\s+\|\s+"
                  r"(?:\}\s*/\*\s*([\w.]+)(?: \[\w+\])?\s*\*/|([\w.]+)(?: \[\w+\])?\(\);)")


def parse_trace(path):
    """{function: [calls, total microseconds]} of one trace."""
    funcs = collections.defaultdict(lambda: [0, 0.0])
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            entry = funcs[m.group(2) or m.group(3)]
            entry[0] += 1
            entry[1] += float(m.group(1))
    return funcs


def parse_window(path):
    words = open(path).read().split()
    try:
        packets = int(words[words.index("packets") + 1])
        t0, t1 = (float(x) for x in words[words.index("seconds") + 1:][:2])
        vcpus = int(words[words.index("vcpus") + 1])
    except (ValueError, IndexError):
        sys.exit(f"profile-report: {path}: not 'packets N seconds T0 T1 vcpus V'")
    return packets, t1 - t0, vcpus


def mbps(path):
    try:
        d = json.load(open(path))
        return d["end"]["sum_received"]["bits_per_second"] / 1e6
    except (OSError, ValueError, KeyError):
        return None


def load(d):
    cases = []
    for c in sorted(os.listdir(d)):
        cd = os.path.join(d, c)
        if not os.path.isfile(os.path.join(cd, "window")):
            continue
        packets, secs, vcpus = parse_window(os.path.join(cd, "window"))
        if packets <= 0:
            sys.exit(f"profile-report: {c}: no packets were sent in the traced window")
        cases.append({"name": c, "packets": packets, "secs": secs, "vcpus": vcpus,
                      "mbps": mbps(os.path.join(cd, "iperf.json")),
                      "funcs": parse_trace(os.path.join(cd, "trace.txt"))})
    if not cases:
        sys.exit(f"profile-report: no profiled tunnel in {d}")
    return cases


def report(cases):
    out = []
    w = out.append
    w("Profile: one TCP stream per tunnel, a function_graph trace of its middle "
      "(tools/profile). us/pkt: microseconds spent in the function, inclusive of "
      "what it calls, per packet the client's tunnel device sent in the window; "
      "calls/pkt: calls per such packet.")
    w("")
    for c in cases:
        cpu = c["vcpus"] * c["secs"] * 1e6 / c["packets"]
        rate = f"{c['mbps']:.1f} Mbit/s" if c["mbps"] is not None else "no iperf3 result"
        w(f"{c['name']}: {c['packets']} packets in {c['secs']:.2f} s on {c['vcpus']} vCPU(s), "
          f"{cpu:.0f} CPU-us per packet at most (every vCPU busy); the run: {rate} while traced")
    w("")
    names = sorted({f for c in cases for f in c["funcs"]},
                   key=lambda f: -max(c["funcs"][f][1] / c["packets"] if f in c["funcs"] else 0
                                      for c in cases))
    head = f"{'function':<36}" + "".join(f"{c['name'] + ' us/pkt':>24}{'calls/pkt':>11}" for c in cases)
    w(head)
    w("-" * len(head))
    for f in names:
        row = f"{f:<36}"
        for c in cases:
            calls, us = c["funcs"].get(f, (0, 0.0))
            row += f"{us / c['packets']:>24.1f}{calls / c['packets']:>11.2f}"
        w(row)
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--out")
    a = ap.parse_args()
    text = report(load(a.dir))
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

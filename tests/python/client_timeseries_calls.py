#!/usr/bin/env python3
"""Runs the timeseries calls of the official ntopng Python client (package ntopng==6.1.240321, historical.py)
against a running server that has read a capture, and checks each answer: HTTP 200 (the client raises
otherwise), envelope rc 0, data of the expected type with the values given on the command line.

    python3 tests/python/client_timeseries_calls.py --url http://127.0.0.1:3000 --user admin --password pw \
        --ifid 0 --host 192.168.1.93 --begin 1589741863 --end 1589742500 --iface-bytes 2810580

Prints one line per call; exits 1 with a message on the first failure (2 when the package is missing).
"""

import argparse
import sys

from client_live_calls import Ntopng, Recorder, check, fail, items_have, keys_present


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--ifid", type=int, default=0)
    ap.add_argument("--host", required=True, help="a local host with traffic in the window")
    ap.add_argument("--begin", type=int, required=True)
    ap.add_argument("--end", type=int, required=True)
    ap.add_argument("--iface-bytes", type=int, required=True, help="the interface's bytes in the window")
    a = ap.parse_args()

    client = Ntopng(username=a.user, password=a.password, url=a.url)
    rec = Recorder(client)
    # The timeseries calls are POSTs: record those envelopes too.
    original = client.issue_post_request

    def issue_post_request(url, params):
        response = original(url, params)
        rec.last_url = response.url
        rec.last = response.json()
        return response

    client.issue_post_request = issue_post_request
    h = client.get_historical_interface(a.ifid)

    def frame_has(*columns):
        def v(df):
            missing = [c for c in columns if c not in df.columns]
            if missing:
                return "columns %s missing from %r" % (missing, list(df.columns))
            if df[columns[0]].fillna(0).sum() <= 0:
                return "no traffic in column %s" % columns[0]
            return None
        return v

    import pandas as pd
    df = check(rec, "get_interface_timeseries", lambda: h.get_interface_timeseries("iface:traffic", a.begin, a.end),
               pd.DataFrame, validate=frame_has("bytes"))
    # One row per point: its interval is the step; rate x step summed = the bytes.
    total = sum(v * iv.length for v, iv in zip(df["bytes"].fillna(0), df.index))
    if total != a.iface_bytes:
        fail("get_interface_timeseries: %r bytes over the points, expected %d" % (total, a.iface_bytes))
    stats = check(rec, "get_interface_timeseries_stats",
                  lambda: h.get_interface_timeseries_stats("iface:traffic", a.begin, a.end), dict,
                  validate=keys_present("total", "average", "95th_percentile", "by_serie"))
    if stats["total"] != a.iface_bytes or stats["by_serie"][0]["total"] != a.iface_bytes:
        fail("get_interface_timeseries_stats: total %r, expected %d" % (stats["total"], a.iface_bytes))
    check(rec, "get_host_timeseries", lambda: h.get_host_timeseries(a.host, "host:traffic", a.begin, a.end),
          pd.DataFrame, validate=frame_has("bytes_sent", "bytes_rcvd"))
    hstats = check(rec, "get_host_timeseries_stats",
                   lambda: h.get_host_timeseries_stats(a.host, "host:traffic", a.begin, a.end), dict,
                   validate=keys_present("total", "by_serie"))
    if len(hstats["by_serie"]) != 2 or hstats["by_serie"][0]["total"] <= 0:
        fail("get_host_timeseries_stats: by_serie %r" % (hstats["by_serie"],))
    meta = check(rec, "get_timeseries_metadata", h.get_timeseries_metadata, list,
                 validate=items_have("schema", "label", "timeseries"))
    if "iface:traffic" not in [m["schema"] for m in meta]:
        fail("get_timeseries_metadata: no iface:traffic in %r" % ([m["schema"] for m in meta],))
    print("PASS: the timeseries calls of the ntopng Python client answered")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs the official ntopng Python client's Historical.get_alerts (package ntopng==6.1.240321) against a
running server and prints the answer (the list of rows) as JSON on stdout, for the caller to compare.

    python3 tests/python/client_alert_calls.py --url http://127.0.0.1:3000 --user admin --password pw \
        --ifid 0 --family flow --begin 0 --end 2000000000 --select "alert_id, COUNT(*) AS n" \
        --where "" --maxhits 100 --group-by alert_id --order-by "n DESC"

Exits 2 when the package is missing; the client raises on any HTTP status but 200.
"""

import argparse
import json
import sys

try:
    from ntopng.ntopng import Ntopng
    from ntopng.historical import Historical
except ImportError as e:
    print(f"the ntopng package is missing: {e}", file=sys.stderr)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ["url", "user", "password", "family", "select", "where", "group-by", "order-by"]:
        ap.add_argument("--" + name, default="")
    for name in ["ifid", "begin", "end", "maxhits"]:
        ap.add_argument("--" + name, type=int, default=0)
    a = ap.parse_args()
    client = Ntopng(username=a.user, password=a.password, url=a.url)
    h = Historical(client, a.ifid)
    rows = h.get_alerts(a.family, a.begin, a.end, a.select, a.where, a.maxhits, a.group_by, a.order_by)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()

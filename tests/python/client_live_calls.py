#!/usr/bin/env python3
"""Runs every "live" call of the official ntopng Python client (package ntopng==6.1.240321) against a
running server, through the package's own classes, and checks each answer: HTTP 200 (the client raises
otherwise), envelope rc 0, and non-empty data of the expected type.

    python3 tests/python/client_live_calls.py --url http://127.0.0.1:3000 --user admin --password pw \
        --ifid 0 --host 192.168.1.93
    python3 tests/python/client_live_calls.py --url ... --token <api token> --ifid 0 --host 192.168.1.93

Prints one line per call; exits 1 with a message on the first failure (2 when the package is missing).
"""

import argparse
import sys

try:
    from ntopng.ntopng import Ntopng
except ImportError:
    print("FAIL: the ntopng package is not installed (pip install ntopng==6.1.240321)")
    sys.exit(2)


class Recorder:
    """Wraps Ntopng.issue_request to keep the last envelope, so rc can be checked (the client only
    returns rsp)."""

    def __init__(self, client):
        self.last = None
        self.last_url = None
        original = client.issue_request

        def issue_request(url, params):
            response = original(url, params)
            self.last_url = response.url
            try:
                self.last = response.json()
            except ValueError:
                self.last = None
            return response

        client.issue_request = issue_request


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(rec, name, call, expected_type, non_empty=True, validate=None):
    try:
        rsp = call()
    except Exception as e:  # the client raises on non-200 answers
        fail("%s: %s (%s)" % (name, e, rec.last_url))
    env = rec.last
    if not isinstance(env, dict) or env.get("rc") != 0:
        fail("%s: rc is not 0: %r (%s)" % (name, env, rec.last_url))
    if env.get("rc_str") != "OK":
        fail("%s: rc_str is %r, not OK" % (name, env.get("rc_str")))
    if not isinstance(rsp, expected_type):
        fail("%s: data is %s, expected %s: %r" % (name, type(rsp).__name__, expected_type.__name__, rsp))
    if non_empty and len(rsp) == 0:
        fail("%s: empty data (%s)" % (name, rec.last_url))
    if validate is not None:
        problem = validate(rsp)
        if problem:
            fail("%s: %s" % (name, problem))
    size = len(rsp) if hasattr(rsp, "__len__") else "-"
    print("ok   %-38s %-6s %-5s %s" % (name, expected_type.__name__, size, rec.last_url))
    return rsp


def keys_present(*keys):
    def v(obj):
        missing = [k for k in keys if k not in obj]
        return "missing keys %s" % missing if missing else None
    return v


def items_have(*keys):
    def v(arr):
        for item in arr:
            if not isinstance(item, dict):
                return "item %r is not an object" % (item,)
            missing = [k for k in keys if k not in item]
            if missing:
                return "item %r lacks %s" % (item, missing)
        return None
    return v


def counted(*keys):
    """items_have(keys), and some item counts traffic (not only an "Other" of 0)."""
    have = items_have(*keys)
    def v(arr):
        bad = have(arr)
        if bad:
            return bad
        if not any(isinstance(i.get("value"), (int, float)) and i["value"] > 0 for i in arr):
            return "no item with a positive value: %r" % (arr,)
        return None
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:3000")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--token")
    ap.add_argument("--ifid", type=int, default=0)
    ap.add_argument("--host", required=True, help="an IP in memory on --ifid")
    ap.add_argument("--vlan", type=int)
    a = ap.parse_args()
    if a.token is None and (a.user is None or a.password is None):
        ap.error("give --token or --user and --password")

    try:
        if a.token is not None:
            client = Ntopng(auth_token=a.token, url=a.url)
        else:
            client = Ntopng(username=a.user, password=a.password, url=a.url)
    except Exception as e:
        fail("connect/test.lua: %s" % e)
    print("ok   %-38s (connect/test.lua answered JSON)" % "Ntopng()")
    rec = Recorder(client)

    check(rec, "get_alert_types", client.get_alert_types, list, validate=items_have("type", "key"))
    check(rec, "get_alert_severities", client.get_alert_severities, list, validate=items_have("severity", "id"))
    ifaces = check(rec, "get_interfaces_list", client.get_interfaces_list, list,
                   validate=items_have("ifid", "ifname", "name"))
    if a.ifid not in [i["ifid"] for i in ifaces]:
        fail("get_interfaces_list: ifid %d not listed in %r" % (a.ifid, ifaces))

    def host_ifaces_ok(rsp):
        entries = next(iter(rsp.values()))
        if not any(e.get("ifid") == a.ifid for e in entries):
            return "host %s not found on ifid %d: %r" % (a.host, a.ifid, rsp)
        return None
    check(rec, "get_host_interfaces_list", lambda: client.get_host_interfaces_list(a.host), dict,
          validate=host_ifaces_ok)

    iface = client.get_interface(a.ifid)
    check(rec, "Interface.get_data", iface.get_data, dict,
          validate=keys_present("ifname", "bytes", "packets", "num_flows", "num_hosts", "throughput"))
    check(rec, "Interface.get_broadcast_domains", iface.get_broadcast_domains, dict,
          validate=keys_present("bcast_domains"))
    check(rec, "Interface.get_address", iface.get_address, dict, validate=keys_present("addresses"))
    check(rec, "Interface.get_dscp_stats", iface.get_dscp_stats, list, validate=counted("label", "value"))
    check(rec, "Interface.get_l7_stats", lambda: iface.get_l7_stats(100), list, validate=items_have("label", "value"))
    hosts = check(rec, "Interface.get_active_hosts", iface.get_active_hosts, list,
                  validate=items_have("ip", "bytes", "num_flows"))
    if a.host not in [h["ip"] for h in hosts]:
        fail("Interface.get_active_hosts: %s not among %d hosts" % (a.host, len(hosts)))
    page = check(rec, "Interface.get_active_hosts_paginated", lambda: iface.get_active_hosts_paginated(1, 100),
                 dict, validate=keys_present("data", "perPage", "currentPage"))
    if len(page["data"]) == 0:
        fail("Interface.get_active_hosts_paginated: empty page")
    check(rec, "Interface.get_top_local_talkers", iface.get_top_local_talkers, list,
          validate=items_have("ip", "value"))
    check(rec, "Interface.get_top_remote_talkers", iface.get_top_remote_talkers, list,
          validate=items_have("ip", "value"))
    flows = check(rec, "Interface.get_active_flows_paginated", lambda: iface.get_active_flows_paginated(1, 100),
                  dict, validate=keys_present("data", "totalRows"))
    if len(flows["data"]) == 0 or flows["totalRows"] < len(flows["data"]):
        fail("Interface.get_active_flows_paginated: %d records for totalRows %r" % (len(flows["data"]), flows["totalRows"]))
    check(rec, "Interface.get_active_l4_proto_flow_counters", iface.get_active_l4_proto_flow_counters, list,
          validate=items_have("id", "count"))
    check(rec, "Interface.get_active_l7_proto_flow_counters", iface.get_active_l7_proto_flow_counters, list,
          validate=items_have("name", "count"))

    host = iface.get_host(a.host, a.vlan)
    data = check(rec, "Host.get_host_data", host.get_host_data, dict, validate=keys_present("ip", "bytes.sent"))
    if data["ip"] != a.host:
        fail("Host.get_host_data: ip %r, expected %r" % (data["ip"], a.host))
    check(rec, "Host.get_l7_stats", host.get_l7_stats, list, validate=items_have("label", "value"))
    check(rec, "Host.get_dscp_stats(rcvd)", lambda: host.get_dscp_stats(True), list,
          validate=counted("label", "value"))
    check(rec, "Host.get_dscp_stats(sent)", lambda: host.get_dscp_stats(False), list,
          validate=counted("label", "value"))
    hflows = check(rec, "Host.get_active_flows_paginated", lambda: host.get_active_flows_paginated(1, 10), dict,
                   validate=keys_present("data", "totalRows"))
    for f in hflows["data"]:
        if a.host not in (f["client"]["ip"], f["server"]["ip"]):
            fail("Host.get_active_flows_paginated: flow %r does not involve %s" % (f, a.host))
    if len(hflows["data"]) == 0:
        fail("Host.get_active_flows_paginated: no flows")
    print("PASS: every live call of the ntopng Python client answered")


if __name__ == "__main__":
    main()

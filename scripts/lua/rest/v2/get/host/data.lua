--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Everything known about one host (§4.9): the Host::lua table. `ifid`, `host` (ip or ip@vlan), `vlan`,
-- `host_stats` (default on), `host_stats_flows` (adds the host's active flows), `limit` (max flows).
local flow_utils = require("flow_utils")

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end
interface.select(ifid)
local host, info = rest_utils.host_or_answer(_GET)
if not host then return end

local host_stats = _GET["host_stats"]
local res = {}
if host_stats == nil or host_stats == "" or host_stats == "true" or host_stats == "1" then
  res = host
end

if _GET["host_stats_flows"] ~= nil then
  local limit = tonumber(_GET["limit"]) or 99999
  local flows_info = interface.getFlowsInfo(hostinfo2hostkey(info), {
    sortColumn = "column_bytes", a2zSortOrder = false, maxHits = limit, toSkip = 0, detailsLevel = "high",
  }) or {}
  local flows, thpt = {}, {}
  for _, f in ipairs(flows_info.flows or {}) do
    if #flows >= limit then break end
    local e = {
      ["srv.ip"] = f["srv.ip"], ["cli.ip"] = f["cli.ip"],
      ["srv.port"] = f["srv.port"], ["cli.port"] = f["cli.port"],
      ["proto.ndpi_id"] = f["proto.ndpi_id"], ["proto.ndpi"] = f["proto.ndpi"],
      bytes = f["bytes"],
      ["cli2srv.throughput_bps"] = f["cli2srv.throughput_bps"] or 0,
      ["cli2srv.throughput_pps"] = f["cli2srv.throughput_pps"] or 0,
      ["srv2cli.throughput_bps"] = f["srv2cli.throughput_bps"] or 0,
      ["srv2cli.throughput_pps"] = f["srv2cli.throughput_pps"] or 0,
    }
    if f["proto.l4"] == "TCP" then
      e["cli2srv.tcp_flags"] = f["cli2srv.tcp_flags"] or 0
      e["srv2cli.tcp_flags"] = f["srv2cli.tcp_flags"] or 0
      e["tcp_established"] = f["tcp_established"] and true or false
    end
    flows[#flows + 1] = e
    local proto = f["proto.ndpi"] or "Unknown"
    local t = thpt[proto] or { cli2srv = { throughput_bps = 0, throughput_pps = 0 },
                               srv2cli = { throughput_bps = 0, throughput_pps = 0 } }
    t.cli2srv.throughput_bps = t.cli2srv.throughput_bps + e["cli2srv.throughput_bps"]
    t.cli2srv.throughput_pps = t.cli2srv.throughput_pps + e["cli2srv.throughput_pps"]
    t.srv2cli.throughput_bps = t.srv2cli.throughput_bps + e["srv2cli.throughput_bps"]
    t.srv2cli.throughput_pps = t.srv2cli.throughput_pps + e["srv2cli.throughput_pps"]
    thpt[proto] = t
  end
  res["flows"] = flows
  res["ndpiThroughputStats"] = thpt
  -- ntopng answers 0 here whatever the number of flows
  res["flows_count"] = 0
end

rest_utils.answer(rest_utils.consts.success.ok, res)

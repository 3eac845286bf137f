--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Active flows of an interface, one page (§4.13): {perPage, currentPage, totalRows, data, sort}.
-- `ifid`, `host` (only flows of that host), paging (`currentPage`, `perPage`), `sortColumn` (column_<name>,
-- default bytes), `sortOrder` (default desc), `verbose=true` (adds packets and TCP details), filters as read
-- by flow_utils.getFlowsFilter().
local flow_utils = require("flow_utils")

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

local function num(v) return tonumber(v) or 0 end

interface.select(ifid)

local pageinfo, current_page, per_page, sort_column, sort_order = flow_utils.getFlowsFilter()
local host = _GET["host"]
if isEmptyString(host) then host = nil end
if host ~= nil and not isEmptyString(_GET["vlan"]) and tonumber(_GET["vlan"]) and tonumber(_GET["vlan"]) ~= 0
    and not string.find(host, "@", 1, true) then
  host = host .. "@" .. _GET["vlan"]
end
local verbose = (_GET["verbose"] == "true")

local flows_stats = interface.getFlowsInfo(host, pageinfo) or {}
local data = {}
for _, f in ipairs(flows_stats.flows or {}) do
  local bytes = num(f["bytes"])
  local cli2srv = num(f["cli2srv.bytes"])
  local pct_cli2srv = 0
  if bytes > 0 then pct_cli2srv = math.floor(100 * cli2srv / bytes + 0.5) end
  local record = {
    key = flow_utils.key_string(f["ntopng.key"]),
    hash_id = flow_utils.key_string(f["hash_entry_id"]),
    first_seen = num(f["seen.first"]),
    last_seen = num(f["seen.last"]),
    client = {
      name = flow_utils.flowinfo2hostname(f, "cli"),
      ip = f["cli.ip"],
      port = num(f["cli.port"]),
      is_broadcast_domain = f["cli.broadcast_domain_host"] and true or false,
      is_dhcp = f["cli.dhcpHost"] and true or false,
      is_blacklisted = f["cli.blacklisted"] and true or false,
    },
    -- as in ntopng, the server's flags are the client's, under is_broadcast
    server = {
      name = flow_utils.flowinfo2hostname(f, "srv"),
      ip = f["srv.ip"],
      port = num(f["srv.port"]),
      is_broadcast = f["cli.broadcast_domain_host"] and true or false,
      is_dhcp = f["cli.dhcpHost"] and true or false,
      is_blacklisted = f["cli.blacklisted"] and true or false,
    },
    vlan = num(f["vlan"]),
    protocol = { l4 = f["proto.l4"] or "", l7 = f["proto.ndpi"] or "Unknown" },
    -- last - first seen, without Flow::lua's extra second (ntopng's flow list shows 0 for a flow of one second)
    duration = math.tointeger(num(f["seen.last"]) - num(f["seen.first"])) or 0,
    bytes = bytes,
    thpt = { pps = num(f["throughput_pps"]), bps = num(f["throughput_bps"]) * 8 },
    breakdown = { cli2srv = pct_cli2srv, srv2cli = 100 - pct_cli2srv },
  }
  -- the flow's score, as ntopng's score-enabled (Enterprise) builds add it; the community answer has none
  if _GET["score"] == "true" then
    record.score = tostring(math.tointeger(num(f["score"] and f["score"]["flow_score"])) or 0)
  end
  if verbose then
    record.packets = num(f["packets"])
    record.tcp = {
      appl_latency = num(f["tcp.appl_latency"]),
      nw_latency = { cli = num(f["tcp.nw_latency.client"]), srv = num(f["tcp.nw_latency.server"]) },
      retransmissions = { cli2srv = num(f["cli2srv.retransmissions"]), srv2cli = num(f["srv2cli.retransmissions"]) },
      out_of_order = { cli2srv = num(f["cli2srv.out_of_order"]), srv2cli = num(f["srv2cli.out_of_order"]) },
      lost = { cli2srv = num(f["cli2srv.lost"]), srv2cli = num(f["srv2cli.lost"]) },
    }
  end
  data[#data + 1] = record
end

rest_utils.answer(rest_utils.consts.success.ok, {
  perPage = per_page,
  currentPage = current_page,
  totalRows = num(flows_stats.numFlows),
  data = data,
  sort = { { sort_column, sort_order } },
})

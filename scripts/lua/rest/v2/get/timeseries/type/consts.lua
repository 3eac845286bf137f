--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/history.md §1.10.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- The charts available for an entity: `query` = family (`iface`, `host`; default `iface`, where ntopng answers
-- 400 without it: the Python client sends none), `ifid` (default the first interface), `host` for `host`,
-- epoch_begin/epoch_end (default the last hour) for the dynamic entries. First the family's static list
-- (the schemas this build writes, present whether or not data exist, as ntopng's), then one entry per
-- stored value of the `top:` schemas with traffic in the window (`query` = the tag to append to ts_query).

local traffic = { label = "Traffic", color = "#c6d9fd" }

-- schema -> descriptor fields; order = priority.
local static = {
  iface = {
    { "iface:traffic", "Traffic", "bps", "Traffic", { bytes = traffic }, true },
    { "iface:traffic_ip", "Traffic by IP version", "bps", "Traffic",
      { bytes_ipv4 = { label = "IPv4", color = "#c6d9fd" }, bytes_ipv6 = { label = "IPv6", color = "#90ee90" } } },
    { "iface:packets_vs_drops", "Packets vs Drops", "pps", "Packets",
      { packets = { label = "Packets", color = "#c6d9fd" }, drops = { label = "Drops", color = "#ff3231" } } },
    { "iface:flows", "Active Flows", "number", "Flows", { num_flows = { label = "Active Flows", color = "#c6d9fd" } } },
    { "iface:new_flows", "New Flows", "fps", "Flows", { new_flows = { label = "New Flows", color = "#c6d9fd" } } },
    { "iface:hosts", "Active Hosts", "number", "Hosts", { num_hosts = { label = "Active Hosts", color = "#c6d9fd" } } },
    { "iface:local_hosts", "Active Local Hosts", "number", "Hosts",
      { num_hosts = { label = "Active Local Hosts", color = "#c6d9fd" } } },
    { "iface:score", "Score", "number", "Score",
      { cli_score = { label = "Client Score", color = "#c6d9fd" }, srv_score = { label = "Server Score", color = "#90ee90" } } },
    { "iface:local2remote", "Local to Remote Traffic", "bps", "Traffic", { bytes = traffic } },
    { "iface:remote2local", "Remote to Local Traffic", "bps", "Traffic", { bytes = traffic } },
    { "iface:tcp_retransmissions", "TCP Retransmissions", "pps", "Packets", { packets = { label = "Retransmissions", color = "#c6d9fd" } } },
    { "iface:tcp_out_of_order", "TCP Out of Order", "pps", "Packets", { packets = { label = "Out of Order", color = "#c6d9fd" } } },
    { "iface:tcp_lost", "TCP Lost", "pps", "Packets", { packets = { label = "Lost", color = "#c6d9fd" } } },
    { "iface:tcp_keep_alive", "TCP Keep Alive", "pps", "Packets", { packets = { label = "Keep Alive", color = "#c6d9fd" } } },
  },
  host = {
    { "host:traffic", "Traffic", "bps", "Traffic",
      { bytes_sent = { label = "Sent", color = "#c6d9fd" },
        bytes_rcvd = { label = "Rcvd", color = "#90ee90", invert_direction = true } }, true },
    { "host:score", "Score", "number", "Score",
      { score_as_cli = { label = "Client Score", color = "#c6d9fd" }, score_as_srv = { label = "Server Score", color = "#90ee90" } } },
    { "host:active_flows", "Active Flows", "number", "Flows",
      { flows_as_client = { label = "As Client", color = "#c6d9fd" }, flows_as_server = { label = "As Server", color = "#90ee90" } } },
    { "host:total_flows", "Total Flows", "fps", "Flows",
      { flows_as_client = { label = "As Client", color = "#c6d9fd" }, flows_as_server = { label = "As Server", color = "#90ee90" } } },
  },
}

local groups = { ["iface:ndpi"] = "Applications", ["iface:ndpi_flows"] = "Application Flows",
                 ["iface:l4protos"] = "L4 Protocols", ["host:ndpi"] = "Applications" }

local family = _GET["query"]
if isEmptyString(family) then family = "iface" end
if static[family] == nil then
  -- A family this build does not write: nothing to chart.
  rest_utils.answer(rest_utils.consts.success.ok, {})
  return
end

local ifid = _GET["ifid"]
if isEmptyString(ifid) then
  ifid = nil
  for id in pairsByKeys(interface.getIfNames(), function(a, b) return tonumber(a) < tonumber(b) end) do
    ifid = ifid or id
  end
end
if ifid == nil then
  rest_utils.answer(rest_utils.consts.err.invalid_interface)
  return
end
local ts_query = "ifid:" .. ifid
if family == "host" then
  local host = _GET["host"]
  if isEmptyString(host) then
    rest_utils.answer(rest_utils.consts.err.invalid_args, { error = "host" })
    return
  end
  if not isEmptyString(_GET["vlan"]) and tonumber(_GET["vlan"]) ~= 0 and not host:find("@", 1, true) then
    host = host .. "@" .. _GET["vlan"]
  end
  ts_query = ts_query .. ",host:" .. host
end

local now = os.time()
local epoch_end = tonumber(_GET["epoch_end"]) or now
local epoch_begin = tonumber(_GET["epoch_begin"]) or (epoch_end - 3600)

local res = {}
for i, d in ipairs(static[family]) do
  local entry = { schema = d[1], id = family, label = d[2], priority = i - 1, measure_unit = d[3], scale = d[4],
                  timeseries = d[5] }
  if d[6] then
    entry.always_visibile = true -- (sic) ntopng's key
    entry.default_visible = true
  end
  res[#res + 1] = entry
end

for _, s in ipairs(ntop.tsStoredSchemas(family, ts_query, epoch_begin, epoch_end)) do
  if s.top_tag then
    local unit = s.counter and ((s.metrics[1] or ""):find("bytes") and "bps" or "pps") or "number"
    for rank, value in ipairs(s.top_values) do
      local series = {}
      for _, m in ipairs(s.metrics) do series[m] = { label = value, use_serie_name = true } end
      res[#res + 1] = { schema = "top:" .. s.schema, id = family, group = groups[s.schema] or s.schema,
                        priority = #static[family] + rank - 1, query = s.top_tag .. ":" .. value, label = value,
                        measure_unit = unit, scale = unit == "bps" and "Traffic" or "Packets", timeseries = series }
    end
  end
end

rest_utils.answer(rest_utils.consts.success.ok, res)

--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Active hosts of an interface, one page (§4.8). The engine returns the page sorted by IP; the page is then
-- sorted by `sortColumn` (column_ip, column_name, column_since, column_last, column_alerts, column_country,
-- column_vlan, column_num_flows, column_num_dropped_flows, column_traffic, column_thpt, column_queries),
-- descending unless sortOrder=asc.

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

local function param(name)
  local v = _GET[name]
  if isEmptyString(v) then return nil end
  return v
end
local function tbl(v) if type(v) == "table" then return v end return {} end
local function num(v) return tonumber(v) or 0 end

interface.select(ifid)

local all = param("all") ~= nil
local current_page = math.tointeger(tonumber(param("currentPage")) or 1) or 1
local per_page = math.tointeger(tonumber(param("perPage")) or getDefaultTableSize()) or getDefaultTableSize()
if current_page < 1 then current_page = 1 end
if per_page < 1 then per_page = getDefaultTableSize() end
local sort_column = param("sortColumn")
local sort_order = param("sortOrder")

local max_hits, to_skip = per_page, (current_page - 1) * per_page
if all then max_hits, to_skip = 2147483647, 0 end

local mode = param("mode") or "all"
local getter = interface.getHostsInfo
if mode == "local" then
  getter = interface.getLocalHostsInfo
elseif mode == "remote" then
  getter = interface.getRemoteHostsInfo
elseif mode == "broadcast_domain" then
  getter = interface.getBroadcastDomainHostsInfo
end

local protocol = param("protocol")
if protocol ~= nil and tonumber(protocol) == nil then protocol = interface.getnDPIProtoId(protocol) end
local traffic_type = nil
if param("traffic_type") == "one_way" then traffic_type = 1 elseif param("traffic_type") == "bidirectional" then traffic_type = 2 end

local hosts_stats = getter(false, "column_ip", max_hits, to_skip, sort_order ~= "desc",
  param("country"), tonumber(param("os")), tonumber(param("vlan")), tonumber(param("asn")),
  tonumber(param("network")), param("mac"), tonumber(param("pool")), tonumber(param("version")),
  tonumber(protocol), traffic_type, mode == "filtered", mode == "blacklisted", nil, mode == "dhcp",
  param("network_cidr"))

local data = {}
for key, h in pairs(tbl(tbl(hosts_stats).hosts)) do
  local ip = h["ip"] or hostkey2hostinfo(key).host
  local vlan = math.tointeger(num(h["vlan"])) or 0
  local info = { host = ip, vlan = vlan }
  local name = h["name"]
  if isEmptyString(name) then name = ip end
  local alias = getHostAltName(hostinfo2hostkey(info))
  if alias ~= nil and alias ~= name then name = name .. " [" .. alias .. "]" end
  local sent, rcvd = num(h["bytes.sent"]), num(h["bytes.rcvd"])
  local as_client, as_server = num(h["active_flows.as_client"]), num(h["active_flows.as_server"])
  local record = {
    key = hostinfo2jqueryid(info),
    ip = ip,
    vlan = vlan,
    name = name,
    first_seen = num(h["seen.first"]),
    last_seen = num(h["seen.last"]),
    os = num(h["os"]),
    num_alerts = num(h["num_alerts"]),
    is_blacklisted = h["is_blacklisted"] and true or false,
    score = { total = num(h["score"]), as_client = num(h["score.as_client"]), as_server = num(h["score.as_server"]) },
    thpt = { pps = num(h["throughput_pps"]), bps = num(h["throughput_bps"]) * 8 },
    bytes = { total = sent + rcvd, sent = sent, recvd = rcvd },
    is_localhost = h["localhost"] and true or false,
    is_multicast = h["is_multicast"] and true or false,
    is_broadcast = h["is_broadcast"] and true or false,
    is_broadcast_domain = h["broadcast_domain_host"] and true or false,
    num_flows = { total = as_client + as_server, as_client = as_client, as_server = as_server },
  }
  if h["country"] ~= nil then record.country = h["country"] end
  data[#data + 1] = record
end

-- The value a record is sorted by, for each column.
local sort_keys = {
  column_ip = function(r) return r.key end,
  column_name = function(r) return string.lower(r.name) end,
  column_since = function(r) return r.first_seen end,
  column_last = function(r) return r.last_seen end,
  column_alerts = function(r) return r.num_alerts end,
  column_country = function(r) return r.country or "" end,
  column_vlan = function(r) return r.vlan end,
  column_num_flows = function(r) return r.num_flows.total end,
  column_num_dropped_flows = function(r) return 0 end,
  column_traffic = function(r) return r.bytes.total end,
  column_thpt = function(r) return r.thpt.bps end,
  column_queries = function(r) return 0 end,
}
local sort_key = sort_keys[sort_column or ""] or sort_keys.column_ip
local ascending = (sort_order == "asc")
table.sort(data, function(a, b)
  local va, vb = sort_key(a), sort_key(b)
  if va == vb then return a.key < b.key end
  if ascending then return va < vb end
  return va > vb
end)

local sort = { {} }
if sort_column ~= nil or sort_order ~= nil then sort = { { sort_column or "", sort_order or "" } } end

rest_utils.answer(rest_utils.consts.success.ok, {
  perPage = per_page,
  currentPage = current_page,
  data = data,
  sort = sort,
})

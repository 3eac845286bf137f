--
-- Helpers for the active-flow REST endpoints (ntopng-lua, written for this project from
-- shared/reference/ntopng/rest_v2.md §4.13 and data_model.md §3.4, §5).
--

require "lua_utils"

local flow_utils = {}

local function param(name)
  local v = _GET[name]
  if isEmptyString(v) then return nil end
  return v
end

-- The page and filters a request asks for, as the `pageinfo` table of interface.getFlowsInfo(host, pageinfo):
-- sortColumn ("column_<name>", default "column_" = bytes), a2zSortOrder, maxHits, toSkip, detailsLevel and
-- the filters (l7protoFilter, l7categoryFilter, l4protoFilter, portFilter, vlanIdFilter, ipVersion,
-- trafficType, flowhostsType, dscpFilter, alertedFlows, ...). Also returns currentPage and perPage.
function flow_utils.getFlowsFilter()
  local per_page = tonumber(param("perPage")) or getDefaultTableSize()
  local current_page = tonumber(param("currentPage")) or 1
  if per_page < 1 then per_page = getDefaultTableSize() end
  if current_page < 1 then current_page = 1 end
  per_page = math.tointeger(per_page) or math.floor(per_page)
  current_page = math.tointeger(current_page) or math.floor(current_page)
  local sort_column = param("sortColumn") or "column_"
  local sort_order = param("sortOrder") or "desc"

  local pageinfo = {
    sortColumn = sort_column,
    a2zSortOrder = (sort_order == "asc"),
    maxHits = per_page,
    toSkip = (current_page - 1) * per_page,
    detailsLevel = (param("verbose") == "true") and "high" or "normal",
  }

  -- application: a name, an id or "master.app"; l4proto: a name or a number (the binding resolves both)
  if param("application") then pageinfo.l7protoFilter = param("application") end
  local category = param("category")
  if category ~= nil then
    pageinfo.l7categoryFilter = tonumber(category) or interface.getnDPICategoryId(category)
  end
  if param("l4proto") then pageinfo.l4protoFilter = param("l4proto") end
  if param("port") then pageinfo.portFilter = tonumber(param("port")) end
  if param("vlan") then pageinfo.vlanIdFilter = tonumber(param("vlan")) end
  if param("version") then pageinfo.ipVersion = tonumber(param("version")) end
  if param("traffic_type") then pageinfo.trafficType = param("traffic_type") end
  if param("flowhosts_type") then pageinfo.flowhostsType = param("flowhosts_type") end
  if param("dscp") then pageinfo.dscpFilter = tonumber(param("dscp")) end
  if param("network") then pageinfo.networkFilter = tonumber(param("network")) end
  if param("host_pool_id") then pageinfo.poolFilter = tonumber(param("host_pool_id")) end
  if param("icmp_type") then pageinfo.icmp_type = tonumber(param("icmp_type")) end
  if param("icmp_cod") then pageinfo.icmp_code = tonumber(param("icmp_cod")) end
  if param("asn") then pageinfo.asnFilter = tonumber(param("asn")) end
  if param("username") then pageinfo.usernameFilter = param("username") end
  if param("pid_name") then pageinfo.pidnameFilter = param("pid_name") end
  if param("talking_with") then pageinfo.talkingWith = param("talking_with") end
  if param("client") then pageinfo.client = param("client") end
  if param("server") then pageinfo.server = param("server") end
  if param("flow_info") then pageinfo.flowInfo = param("flow_info") end
  if param("tcp_flow_state") then pageinfo.tcpFlowStateFilter = param("tcp_flow_state") end
  local alert_type = param("alert_type")
  if alert_type ~= nil then
    if alert_type == "normal" then
      pageinfo.alertedFlows = false
    elseif alert_type == "alerted" then
      pageinfo.alertedFlows = true
    elseif alert_type == "periodic" then
      pageinfo.periodicFlows = true
    elseif alert_type == "filtered" then
      pageinfo.filteredFlows = true
    elseif tonumber(alert_type) then
      pageinfo.statusFilter = tonumber(alert_type)
    end
  end
  if param("alert_type_severity") then pageinfo.statusSeverityFilter = param("alert_type_severity") end

  return pageinfo, current_page, per_page, sort_column, sort_order
end

-- The name shown for one side ("cli" or "srv") of a flow: the host's user alias, else (server side) the
-- server name from the flow (SNI, HTTP Host, DNS query), else the host's symbolic name, else its IP.
function flow_utils.flowinfo2hostname(flow, side)
  local ip = flow[side .. ".ip"] or ""
  local vlan = tonumber(flow["vlan"]) or 0
  local alias = getHostAltName(hostinfo2hostkey({ host = ip, vlan = vlan }))
  if alias ~= nil then return alias end
  if side == "srv" and not isEmptyString(flow["host_server_name"]) then
    return flow["host_server_name"]
  end
  local name = flow[side .. ".host"]
  if not isEmptyString(name) and name ~= ip then return name end
  -- A host with no name goes by its MAC address, as ntopng's flow lists show it (e2e peers_swap_heuristic).
  local mac = flow[side .. ".mac"]
  if not isEmptyString(mac) and mac ~= "00:00:00:00:00:00" then return mac end
  return ip
end

-- A flow's total duration in seconds: Flow::lua's `duration`, else 1 + last - first seen.
function flow_utils.duration(flow)
  local d = tonumber(flow["duration"])
  if d ~= nil then return math.tointeger(d) or d end
  local first, last = tonumber(flow["seen.first"]) or 0, tonumber(flow["seen.last"]) or 0
  return math.tointeger(1 + last - first) or 0
end

-- A u64 key (ntopng.key, hash_entry_id) as the decimal string REST answers use.
function flow_utils.key_string(v)
  if v == nil then return "0" end
  if math.type(v) == "integer" then return string.format("%u", v) end
  if type(v) == "number" then return string.format("%.0f", v) end
  return tostring(v)
end

return flow_utils

--
-- Top talkers of an interface (ntopng-lua). ntopng serves them from its Pro edition
-- (/lua/pro/rest/v2/get/interface/top/{local,remote}/talkers.lua), whose source is not public: this
-- answer is this project's: the hosts with the most traffic, as [{name, ip, vlan, value = bytes
-- sent + received, url}], largest first.
--

require "lua_utils"

local top_talkers = {}

local MAX_TALKERS = 10

local function num(v) return tonumber(v) or 0 end

-- `getter` is interface.getLocalHostsInfo or interface.getRemoteHostsInfo.
function top_talkers.list(getter)
  local hosts = getter(false, "column_traffic", 2147483647, 0, false) or {}
  local res = {}
  for key, h in pairs(hosts.hosts or {}) do
    local info = { host = h["ip"] or hostkey2hostinfo(key).host, vlan = math.tointeger(num(h["vlan"])) or 0 }
    local name = getHostAltName(hostinfo2hostkey(info)) or h["name"]
    if isEmptyString(name) then name = info.host end
    res[#res + 1] = {
      name = name,
      ip = info.host,
      vlan = info.vlan,
      value = num(h["bytes.sent"]) + num(h["bytes.rcvd"]),
      url = ntop.getHttpPrefix() .. "/lua/host_details.lua?host=" .. hostinfo2hostkey(info),
    }
  end
  table.sort(res, function(a, b)
    if a.value ~= b.value then return a.value > b.value end
    return a.ip < b.ip
  end)
  while #res > MAX_TALKERS do table.remove(res) end
  return res
end

return top_talkers

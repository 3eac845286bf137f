--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- The monitored interfaces the user may see (§4.2): [{ifid, ifname, name}] by ifid.
local res = {}
for id, ifname in pairs(interface.getIfNames()) do
  if ntop.isAllowedInterface(ifname) then
    local ifid = math.tointeger(tonumber(id)) or id
    res[#res + 1] = { ifid = ifid, ifname = ifname, name = getHumanReadableInterfaceName(ifid, ifname) }
  end
end
table.sort(res, function(a, b) return a.ifid < b.ifid end)
rest_utils.answer(rest_utils.consts.success.ok, res)

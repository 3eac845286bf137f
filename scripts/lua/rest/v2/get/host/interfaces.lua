--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- The interfaces where a host is in memory (§4.11): {<hostkey> = [{ifid}]}. `host`, `vlan`.
local info = url2hostinfo(_GET)
if info == nil then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end

local ids = {}
for id, ifname in pairs(interface.getIfNames()) do
  if ntop.isAllowedInterface(ifname) then ids[#ids + 1] = math.tointeger(tonumber(id)) or id end
end
table.sort(ids)

local found = {}
for _, id in ipairs(ids) do
  interface.select(tostring(id))
  if interface.getHostInfo(info.host, info.vlan) ~= nil then
    found[#found + 1] = { ifid = id }
  end
end
rest_utils.answer(rest_utils.consts.success.ok, { [hostinfo2hostkey(info)] = found })

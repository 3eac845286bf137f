--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- L7 application constants (§4.17): [{name, appl_id, cat_id}] for every protocol nDPI knows, by name.
if not isEmptyString(_GET["ifid"]) then interface.select(_GET["ifid"]) end

local res = {}
for name, id in pairs(interface.getnDPIProtocols() or {}) do
  id = math.tointeger(tonumber(id)) or 0
  local cat = ntop.getnDPIProtoCategory(id)
  if type(cat) == "table" then cat = cat.id end
  res[#res + 1] = { name = name, appl_id = id, cat_id = math.tointeger(tonumber(cat)) or 0 }
end
table.sort(res, function(a, b) return asc_insensitive(a.name, b.name) end)
rest_utils.answer(rest_utils.consts.success.ok, res)

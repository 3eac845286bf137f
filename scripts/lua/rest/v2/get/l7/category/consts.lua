--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- L7 category constants (§4.18): [{name, cat_id, app_list = [{name, id (a string)}]}], apps sorted
-- case-insensitively, categories by id.
if not isEmptyString(_GET["ifid"]) then interface.select(_GET["ifid"]) end

local res = {}
for name, cat_id in pairs(interface.getnDPICategories() or {}) do
  cat_id = math.tointeger(tonumber(cat_id)) or 0
  local apps = {}
  for app, app_id in pairs(interface.getnDPIProtocols(cat_id) or {}) do
    apps[#apps + 1] = { name = app, id = tostring(math.tointeger(tonumber(app_id)) or app_id) }
  end
  table.sort(apps, function(a, b) return asc_insensitive(a.name, b.name) end)
  res[#res + 1] = { name = name, cat_id = cat_id, app_list = apps }
end
table.sort(res, function(a, b) return a.cat_id < b.cat_id end)
rest_utils.answer(rest_utils.consts.success.ok, res)

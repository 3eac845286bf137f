--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- L7 traffic of one host (§4.10): [{label, value, duration}] sorted by value and collapsed at 3 %
-- (collapse_stats=false keeps every item). `breed` / `ndpi_category` group by breed / category.
local stats_utils = require("stats_utils")
local l7_stats = require("l7_stats")

local ifid = _GET["ifid"]
if isEmptyString(ifid) then
  rest_utils.answer(rest_utils.consts.err.invalid_interface)
  return
end
local info = url2hostinfo(_GET)
if info == nil then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end

interface.select(ifid)
local host = interface.getHostInfo(info.host, info.vlan)
if host == nil then
  rest_utils.answer(rest_utils.consts.err.not_found)
  return
end

local items = l7_stats.items(host["ndpi"], host["ndpi_categories"],
  _GET["breed"] == "true", _GET["ndpi_category"] == "true", true)
stats_utils.sort_desc(items)
if _GET["collapse_stats"] ~= "false" then
  items = stats_utils.collapse_stats(items, 1, 3)
end
rest_utils.answer(rest_utils.consts.success.ok, items)

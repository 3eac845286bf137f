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

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end
interface.select(ifid)
local host = rest_utils.host_or_answer(_GET)
if not host then return end

local items = l7_stats.items(host["ndpi"], host["ndpi_categories"],
  _GET["breed"] == "true", _GET["ndpi_category"] == "true", true)
stats_utils.sort_desc(items)
if _GET["collapse_stats"] ~= "false" then
  items = stats_utils.collapse_stats(items, 1, 3)
end
rest_utils.answer(rest_utils.consts.success.ok, items)

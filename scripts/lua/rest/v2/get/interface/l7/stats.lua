--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- L7 statistics of an interface (§4.4). `ifid`, `ndpistats_mode` (count | sinceStartup), `breed`,
-- `ndpi_category`, `all_values`, `collapse_stats` (default true), `max_values` (default 5).
local stats_utils = require("stats_utils")
local l7_stats = require("l7_stats")

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

local mode = _GET["ndpistats_mode"]
if mode ~= "count" and mode ~= "sinceStartup" then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end

interface.select(ifid)

local res = {}
if mode == "count" then
  -- Active flows per application; breed and category do not apply.
  local max_values = tonumber(_GET["max_values"]) or 5
  local all_values = (_GET["all_values"] == "true")
  local items = {}
  for app, count in pairs(interface.getnDPIFlowsCount() or {}) do
    items[#items + 1] = { label = app, value = tonumber(count) or 0 }
  end
  stats_utils.sort_desc(items)
  local total = stats_utils.total(items)
  local kept_value = 0
  for _, e in ipairs(items) do
    if #res < max_values and (all_values or (total > 0 and e.value * 100 / total > 3)) then
      e.url = l7_stats.app_url(e.label)
      res[#res + 1] = e
      kept_value = kept_value + e.value
    end
  end
  if #res == 0 then
    res[1] = { label = "No flows", value = 0 }
  elseif total - kept_value > 0 then
    res[#res + 1] = { label = "Other", value = total - kept_value }
  end
else
  local ifstats = interface.getStats()
  local items = l7_stats.items(ifstats["ndpi"], ifstats["ndpi_categories"],
    _GET["breed"] == "true", _GET["ndpi_category"] == "true", false)
  stats_utils.sort_desc(items)
  if _GET["collapse_stats"] ~= "false" then
    items = stats_utils.collapse_stats(items, 1, 3)
  end
  res = items
end

rest_utils.answer(rest_utils.consts.success.ok, res)

--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- DSCP statistics of an interface (§4.5): [{label, value}] with value = packets sent + received,
-- sorted by value and collapsed at 1 %.
local stats_utils = require("stats_utils")
local dscp_stats = require("dscp_stats")

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

interface.select(ifid)
local items = dscp_stats.items(interface.getStats()["dscp"], "both")
stats_utils.sort_desc(items)
rest_utils.answer(rest_utils.consts.success.ok, stats_utils.collapse_stats(items, 1, 1))

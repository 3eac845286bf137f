--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/history.md §2.3.
-- The ten alert types (per entity) stored most often, with their share of every stored alert in percent,
-- and the ten of the highest severity: rsp = [{name = "top_alerts_by_count", label, tooltip, value},
-- {name = "top_alerts_by_severity", ...}]. epoch_begin/epoch_end, when given, bound the alerts counted.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local alert_rest = require("alert_rest")

alert_rest.counters("top")

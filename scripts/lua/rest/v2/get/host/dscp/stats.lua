--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- DSCP statistics of one host: [{label, value}], value = packets in `direction` (sent | recvd; both when
-- absent), sorted by value and collapsed at 1 %.
local stats_utils = require("stats_utils")
local dscp_stats = require("dscp_stats")

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end
local direction = _GET["direction"]
if direction ~= nil and direction ~= "sent" and direction ~= "recvd" then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end

interface.select(ifid)
local host = rest_utils.host_or_answer(_GET)
if not host then return end

local dir = "both"
if direction == "sent" then dir = "sent" elseif direction == "recvd" then dir = "rcvd" end
local items = dscp_stats.items(host["dscp"], dir)
stats_utils.sort_desc(items)
rest_utils.answer(rest_utils.consts.success.ok, stats_utils.collapse_stats(items, 1, 1))

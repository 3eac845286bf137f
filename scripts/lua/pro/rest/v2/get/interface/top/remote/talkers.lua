--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Top remote talkers of an interface: see modules/top_talkers.lua. `ifid`.
local top_talkers = require("top_talkers")

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

interface.select(ifid)
rest_utils.answer(rest_utils.consts.success.ok, top_talkers.list(interface.getRemoteHostsInfo))

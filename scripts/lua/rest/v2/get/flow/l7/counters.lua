--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Active flows per application (§4.15): [{name, count}] sorted by name (case-sensitive).
local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

interface.select(ifid)
local stats = interface.getActiveFlowsStats() or {}
local res = {}
for name, s in pairs(stats["ndpi"] or {}) do
  local count = (type(s) == "table") and (s["num_flows"] or s["count"]) or s
  res[#res + 1] = { name = name, count = tonumber(count) or 0 }
end
table.sort(res, function(a, b) return a.name < b.name end)
rest_utils.answer(rest_utils.consts.success.ok, res)

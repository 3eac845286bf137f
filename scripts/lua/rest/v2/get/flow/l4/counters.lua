--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Active flows per L4 protocol (§4.14): [{id = <IP protocol number>, count}], by id.
local l4_protocol_list = require("l4_protocol_list")

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

interface.select(ifid)
local stats = interface.getActiveFlowsStats() or {}
local res = {}
for proto, s in pairs(stats["l4_protocols"] or {}) do
  local id = l4_protocol_list.l4_proto_to_id(proto)
  local count = (type(s) == "table") and (s["count"] or s["num_flows"]) or s
  if id ~= nil then res[#res + 1] = { id = id, count = tonumber(count) or 0 } end
end
table.sort(res, function(a, b) return a.id < b.id end)
rest_utils.answer(rest_utils.consts.success.ok, res)

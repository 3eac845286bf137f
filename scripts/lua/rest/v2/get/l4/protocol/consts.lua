--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- L4 protocol constants (§4.16): [{id, name, other}] in ntopng's order.
local l4_protocol_list = require("l4_protocol_list")

local res = {}
for _, p in ipairs(l4_protocol_list.l4_keys) do
  res[#res + 1] = { name = p[1], id = p[2], other = p[3] }
end
rest_utils.answer(rest_utils.consts.success.ok, res)

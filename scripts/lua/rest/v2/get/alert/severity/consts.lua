--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Alert severity constants (§4.20): [{severity = <name>, id}] by id.
local alert_consts = require("alert_consts")

local res = {}
for _, s in ipairs(alert_consts.get_printable_severities()) do
  res[#res + 1] = { severity = s.name, id = s.severity_id }
end
rest_utils.answer(rest_utils.consts.success.ok, res)

--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")
local alert_rest = require("alert_rest")

-- Deletes the host alerts the filters select (history.md §2.5); administrators only.
if not isAdministrator() then
  rest_utils.answer(rest_utils.consts.err.not_granted)
  return
end
alert_rest.modify("delete", "network")

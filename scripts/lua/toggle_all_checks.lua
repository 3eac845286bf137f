--
-- (ntopng-lua) /lua/toggle_all_checks.lua, written for this project from shared/reference/ntopng/rest_v2.md
-- §4.25: `action` (enable or disable) every check of `check_subdir` (absent or "all": every subdir).
-- Administrators only; the answer has no REST envelope; without `action` nothing is printed. Enabling all
-- also enables the checks that are off by default, as in ntopng.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local json = require("dkjson")
local checks_config = require("checks_config")

local param = checks_config.request_param

if not isAdministrator() then return end

local action = param("action")
if action ~= "enable" and action ~= "disable" then
  if action ~= nil then
    sendHTTPContentTypeHeader("application/json")
    print(json.encode({ error = "action must be enable or disable" }))
  end
  return
end

sendHTTPContentTypeHeader("application/json")
local ok, err = checks_config.set_all_enabled(param("check_subdir"), action == "enable")
if ok then
  print(json.encode({ success = true }))
else
  print(json.encode({ error = err }))
end

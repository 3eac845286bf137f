--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md §4.27:
-- the checks configuration in ntopng's import/export shape, {"0": {config, filters}, alert_exclusions}.
-- Administrators only. With `download` it is served as the attachment scripts_configuration.json, without
-- the envelope.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local json = require("dkjson")
local rest_utils = require("rest_utils")
local checks_config = require("checks_config")

if not isAdministrator() then
  rest_utils.answer(rest_utils.consts.err.not_granted)
  return
end

local cs = checks_config.get() or { config = {} }
local filters = {}
for subdir, _ in pairs(cs.config or {}) do filters[subdir] = {} end
local rsp = { ["0"] = { config = cs.config or {}, filters = filters }, alert_exclusions = {} }

if _GET["download"] ~= nil then
  sendHTTPContentTypeHeader("application/json", "attachment; filename=\"scripts_configuration.json\"")
  print(json.encode(rsp))
else
  rest_utils.answer(rest_utils.consts.success.ok, rsp)
end

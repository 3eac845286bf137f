--
-- (ntopng-lua) /lua/edit_check_config.lua, written for this project from shared/reference/ntopng/rest_v2.md
-- §4.26: replaces the configuration of check `script_key` of `check_subdir` with `JSON`, a string holding
-- {<hook>: {enabled: bool, script_conf: {...}}}. The daemon applies it within a second. The answer has no
-- REST envelope; with a parameter missing nothing is printed (the reason goes to the log).
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local json = require("dkjson")
local checks_config = require("checks_config")

local param = checks_config.request_param

if not isAdministrator() then return end

local subdir, key, text = param("check_subdir"), param("script_key"), param("JSON")
if subdir == nil or subdir == "" or key == nil or key == "" or text == nil or text == "" then
  ntop.traceEvent(TRACE_ERROR, "edit_check_config.lua: check_subdir, script_key and JSON are required")
  return
end

sendHTTPContentTypeHeader("application/json")
local hooks, _, decode_err = json.decode(text)
if decode_err ~= nil then
  print(json.encode({ success = false, error = "JSON: " .. tostring(decode_err) }))
  return
end
local ok, err = checks_config.set_config(subdir, key, hooks)
if ok then
  print(json.encode({ success = true }))
else
  print(json.encode({ success = false, error = err }))
end

--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Edits a user. Administrators only. `username` and any of: `password` (+ `confirm_password`),
-- `full_name`, `user_role`, `allowed_networks`, `allowed_interface` (an ifid, "" = all), `user_language`,
-- `allow_pcap_download`, `allow_historical_flows`, `allow_alerts`.
local user_params = require("user_params")

if not rest_utils.admin_or_answer() then return end

local username = _GET["username"]
if isEmptyString(username) then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end
if not user_params.exists(username) then
  rest_utils.answer(rest_utils.consts.err.user_does_not_exist)
  return
end

local password = _GET["password"]
if not isEmptyString(password) then
  if _GET["confirm_password"] ~= nil and _GET["confirm_password"] ~= password then
    rest_utils.answer(rest_utils.consts.err.password_mismatch)
    return
  end
end
local role = nil
if _GET["user_role"] ~= nil then
  role = user_params.role(_GET["user_role"])
  if role == nil then
    rest_utils.answer(rest_utils.consts.err.invalid_args)
    return
  end
end

-- Each requested change; the first one refused stops the edit.
local changes = {}
if not isEmptyString(password) then
  changes[#changes + 1] = function() return ntop.resetUserPassword(_SESSION["user"], username, "", password) end
end
if role ~= nil then
  changes[#changes + 1] = function() return ntop.changeUserRole(username, role) end
end
if _GET["full_name"] ~= nil then
  changes[#changes + 1] = function() return ntop.changeUserFullName(username, _GET["full_name"]) end
end
if _GET["allowed_networks"] ~= nil then
  changes[#changes + 1] = function() return ntop.changeAllowedNets(username, _GET["allowed_networks"]) end
end
if _GET["allowed_interface"] ~= nil then
  changes[#changes + 1] = function()
    return ntop.changeAllowedIfname(username, user_params.allowed_ifname(_GET["allowed_interface"]))
  end
end
if not isEmptyString(_GET["user_language"]) then
  changes[#changes + 1] = function() return ntop.changeUserLanguage(username, _GET["user_language"]) end
end
if _GET["allow_pcap_download"] ~= nil then
  changes[#changes + 1] = function()
    return ntop.changePcapDownloadPermission(username, user_params.flag(_GET["allow_pcap_download"]))
  end
end
if _GET["allow_historical_flows"] ~= nil then
  changes[#changes + 1] = function()
    return ntop.changeHistoricalFlowPermission(username, user_params.flag(_GET["allow_historical_flows"]))
  end
end
if _GET["allow_alerts"] ~= nil then
  changes[#changes + 1] = function()
    return ntop.changeAlertsPermission(username, user_params.flag(_GET["allow_alerts"]))
  end
end

for _, change in ipairs(changes) do
  if change() == false then
    rest_utils.answer(rest_utils.consts.err.edit_user_failed)
    return
  end
end
rest_utils.answer(rest_utils.consts.success.ok)

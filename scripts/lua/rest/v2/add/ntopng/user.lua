--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Adds a user. Administrators only. `username`, `password`, `confirm_password`, `full_name`,
-- `user_role` (administrator | unprivileged), `allowed_networks`, `allowed_interface` (an ifid),
-- `add_user_language`, `host_pool_id`, `allow_pcap_download`, `allow_historical_flows`, `allow_alerts`.
local user_params = require("user_params")

if not rest_utils.admin_or_answer() then return end

local username = _GET["username"]
local password = _GET["password"]
local role = user_params.role(_GET["user_role"])
if isEmptyString(username) or isEmptyString(password) or role == nil then
  rest_utils.answer(rest_utils.consts.err.invalid_args)
  return
end
username = string.lower(username)
if _GET["confirm_password"] ~= nil and _GET["confirm_password"] ~= password then
  rest_utils.answer(rest_utils.consts.err.password_mismatch)
  return
end
if user_params.exists(username) then
  rest_utils.answer(rest_utils.consts.err.user_already_existing)
  return
end

local allowed_nets = _GET["allowed_networks"]
if isEmptyString(allowed_nets) then allowed_nets = "0.0.0.0/0,::/0" end
local language = _GET["add_user_language"]
if isEmptyString(language) then language = "en" end

local ok = ntop.addUser(username, _GET["full_name"] or "", password, role, allowed_nets,
  user_params.allowed_ifname(_GET["allowed_interface"]), _GET["host_pool_id"], language,
  user_params.flag(_GET["allow_pcap_download"]), user_params.flag(_GET["allow_historical_flows"]),
  user_params.flag(_GET["allow_alerts"]))
if not ok then
  rest_utils.answer(rest_utils.consts.err.add_user_failed)
  return
end
rest_utils.answer(rest_utils.consts.success.ok)

--
-- Request parameters of the user-management endpoints (ntopng-lua; rest_v2.md §5 add/edit/delete user).
--

require "lua_utils"

local user_params = {}

-- The interface name of an `allowed_interface` parameter (an ifid; "" or absent = every interface).
function user_params.allowed_ifname(v)
  if isEmptyString(v) then return "" end
  local names = interface.getIfNames()
  return names[tostring(v)] or names[tonumber(v)] or ""
end

-- A boolean parameter: true for "true"/"1"/"on", false otherwise.
function user_params.flag(v)
  return v == "true" or v == "1" or v == "on"
end

-- The role of a `user_role` parameter: "administrator" or "unprivileged" (nil when invalid).
function user_params.role(v)
  if v == nil or v == "" then return "unprivileged" end
  if v == "administrator" or v == "unprivileged" then return v end
  return nil
end

-- True when `username` is a configured user.
function user_params.exists(username)
  local users = ntop.getUsers() or {}
  return users[username] ~= nil
end

return user_params

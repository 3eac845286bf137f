--
-- REST API v2 answers for ntopng-lua scripts, written for this project from the behaviour described in
-- shared/reference/ntopng/rest_v2.md §1.2-1.3 and the seeds:
--
--   { "rc": <int>, "rc_str": "<CODE>", "rc_str_hr": "<human readable>", "rsp": <payload> }
--
-- sent with the constant's HTTP status and Content-Type application/json; charset=utf-8. A missing payload
-- is an empty table, written as [].
--
-- Each constant in rest_utils.consts has: http_code, rc, str (the rc_str) and str_hr (the rc_str_hr).
--

local json = require("dkjson")

local rest_utils = {}

local function rc(http_code, code, str, str_hr)
  return { http_code = http_code, rc = code, str = str, str_hr = str_hr or "Unknown" }
end

rest_utils.consts = {
  success = {
    ok = rc(200, 0, "OK", "Success"),
    snmp_device_deleted = rc(200, 0, "SNMP_DEVICE_DELETED_SUCCESSFULLY", "SNMP device deleted successfully"),
    snmp_device_added = rc(200, 0, "SNMP_DEVICE_ADDED_SUCCESSFULLY", "SNMP device added successfully"),
    snmp_device_edited = rc(200, 0, "SNMP_DEVICE_EDITED_SUCCESSFULLY", "SNMP device edited successfully"),
    pool_deleted = rc(200, 0, "POOL_DELETED_SUCCESSFULLY", "Pool deleted successfully"),
    pool_added = rc(200, 0, "POOL_ADDED_SUCCESSFULLY", "Pool added successfully"),
    pool_edited = rc(200, 0, "POOL_EDITED_SUCCESSFULLY", "Pool edited successfully"),
    pool_member_bound = rc(200, 0, "POOL_MEMBER_BOUND_SUCCESSFULLY", "Pool member bound successfully"),
    infrastructure_instance_added = rc(200, 0, "INFRASTRUCTURE_INSTANCE_ADDED", "Infrastructure instance added"),
    infrastructure_instance_edited = rc(200, 0, "INFRASTRUCTURE_INSTANCE_EDITED", "Infrastructure instance edited"),
    infrastructure_instance_deleted = rc(200, 0, "INFRASTRUCTURE_INSTANCE_DELETED", "Infrastructure instance deleted"),
  },
  err = {
    not_found = rc(404, -1, "NOT_FOUND", "Not found"),
    invalid_interface = rc(400, -2, "INVALID_INTERFACE", "Invalid interface"),
    not_enabled = rc(400, -2, "NOT_ENABLED"), -- no human readable text in ntopng: "Unknown"
    not_granted = rc(401, -3, "NOT_GRANTED", "Not authorized"),
    invalid_host = rc(400, -4, "INVALID_HOST", "Invalid host"),
    invalid_args = rc(400, -5, "INVALID_ARGUMENTS", "Invalid arguments"),
    internal_error = rc(500, -6, "INTERNAL_ERROR", "Internal error"),
    bad_format = rc(400, -7, "BAD_FORMAT", "Bad format"),
    bad_content = rc(400, -8, "BAD_CONTENT", "Bad content"),
    resolution_failed = rc(400, -9, "NAME_RESOLUTION_FAILED", "Unable to resolve host name to an IP address"),
    snmp_device_already_added = rc(409, -10, "SNMP_DEVICE_ALREADY_ADDED", "SNMP device already added"),
    snmp_device_unreachable = rc(400, -11, "SNMP_DEVICE_UNREACHABLE", "SNMP device unreachable"),
    snmp_device_no_device_discovered = rc(400, -12, "NO_SNMP_DEVICE_DISCOVERED", "No SNMP device discovered"),
    add_pool_failed = rc(409, -13, "ADD_POOL_FAILED", "Unable to add the pool"),
    edit_pool_failed = rc(409, -14, "EDIT_POOL_FAILED", "Unable to edit the pool"),
    delete_pool_failed = rc(409, -15, "DELETE_POOL_FAILED", "Unable to delete the pool"),
    pool_not_found = rc(409, -16, "POOL_NOT_FOUND", "Pool not found"),
    bind_pool_member_failed = rc(409, -17, "BIND_POOL_MEMBER_FAILED", "Unable to bind the pool member"),
    bind_pool_member_already_bound = rc(409, -18, "BIND_POOL_MEMBER_ALREADY_BOUND", "Pool member already bound"),
    password_mismatch = rc(400, -19, "PASSWORD_MISMATCH"), -- no human readable text in ntopng: "Unknown"
    add_user_failed = rc(409, -20, "ADD_USER_FAILED", "Unable to add the user"),
    delete_user_failed = rc(409, -21, "DELETE_USER_FAILED", "Unable to delete the user"),
    snmp_unknown_device = rc(400, -22, "SNMP_UNKNOWN_DEVICE", "Unknown SNMP device"),
    user_already_existing = rc(409, -23, "USER_ALREADY_EXISTING", "User already existing"),
    user_does_not_exist = rc(409, -24, "USER_DOES_NOT_EXIST", "User does not exist"),
    edit_user_failed = rc(400, -25, "EDIT_USER_FAILED", "Unable to edit the user"),
    snmp_device_interface_status_change_failed = rc(400, -26, "SNMP_DEVICE_INTERFACE_STATUS_CHANGE_FAILED",
      "Unable to change the status of the SNMP device interface"),
    configuration_file_mismatch = rc(400, -27, "CONFIGURATION_FILE_MISMATCH", "Configuration file mismatch"),
    partial_import = rc(409, -28, "PARTIAL_IMPORT", "Partial import"),
    add_pool_failed_too_many_pools = rc(409, -53, "ADD_POOL_FAILED_TOO_MANY_POOLS", "Too many pools"),
    add_pool_failed_too_many_pools_enterprise = rc(409, -54, "ADD_POOL_FAILED_TOO_MANY_POOLS_ENTERPRISE",
      "Too many pools"),
    dhcp_active_leases_not_nedge = rc(409, -55, "DHCP_ACTIVE_LEASES_NOT_NEDGE", "Available on nEdge only"),
    dhcp_active_leases_not_routing_mode = rc(409, -56, "DHCP_ACTIVE_LEASES_NOT_ROUTING_MODE",
      "Available in routing mode only"),
    snmp_device_max_devices_num_reached = rc(400, -57, "MAX_SNMP_DEVICES_NUM_REACHED",
      "Maximum number of SNMP devices reached"),
    -- Listed by the interface seed (HTTP 405) without an rc; -58 is this project's choice.
    not_allowed = rc(405, -58, "NOT_ALLOWED", "Method not allowed"),
  },
}

-- ##############################################
-- Response head

-- sendHTTPContentTypeHeader(content_type [, disposition [, charset [, extra_headers [, status]]]])
-- Records the response head: status (default 200), content type with "; charset=<charset>" appended
-- (utf-8 unless given, or unless the type already names one), Content-Disposition when given, and the
-- extra headers (a table name -> value). A later call replaces what an earlier one set.
function rest_utils.sendHTTPContentTypeHeader(content_type, content_disposition, charset, extra_headers, status_code)
  local ct = content_type or "text/html"
  if not string.find(ct, "charset=", 1, true) then
    ct = ct .. "; charset=" .. (charset or "utf-8")
  end
  local headers = {}
  if type(extra_headers) == "table" then
    for k, v in pairs(extra_headers) do headers[tostring(k)] = tostring(v) end
  end
  if content_disposition then
    headers["Content-Disposition"] = tostring(content_disposition)
  end
  _ntopng.set_header(tonumber(status_code) or 200, ct, headers)
end

-- sendHTTPHeader(mime [, disposition [, extra_headers [, status]]])
function rest_utils.sendHTTPHeader(mime, content_disposition, extra_headers, status_code)
  rest_utils.sendHTTPContentTypeHeader(mime, content_disposition, nil, extra_headers, status_code)
end

-- ##############################################
-- Answers

local direct_mode = false
local direct_answer = nil

-- Direct mode: answers are kept (get_answer) instead of being sent, to call a REST script from Lua.
function rest_utils.enable_direct_mode()
  direct_mode = true
  direct_answer = nil
end

function rest_utils.disable_direct_mode()
  direct_mode = false
end

-- The last answer given in direct mode, as JSON text.
function rest_utils.get_answer()
  return direct_answer
end

local function check_rc(rc_const, fname)
  if type(rc_const) ~= "table" or rc_const.rc == nil then
    error(fname .. ": the return code must be one of rest_utils.consts", 3)
  end
end

-- The envelope as JSON text; `extra` keys are added at the top level.
function rest_utils.rc(rc_const, payload, extra, format)
  check_rc(rc_const, "rest_utils.rc")
  local res = {
    rc = rc_const.rc,
    rc_str = rc_const.str,
    rc_str_hr = rc_const.str_hr or "Unknown",
    rsp = payload or {},
  }
  if type(extra) == "table" then
    for k, v in pairs(extra) do res[k] = v end
  end
  return json.encode(res)
end

-- Sends the envelope with the constant's HTTP status, `extra` keys at the top level (recordsFiltered,
-- recordsTotal, draw for list endpoints).
function rest_utils.extended_answer(rc_const, payload, extra, extra_headers, format)
  check_rc(rc_const, "rest_utils.extended_answer")
  local body = rest_utils.rc(rc_const, payload, extra, format)
  if direct_mode then
    direct_answer = body
    return
  end
  rest_utils.sendHTTPContentTypeHeader("application/json", nil, nil, extra_headers, rc_const.http_code)
  print(body)
end

-- rest_utils.answer(rc_const [, payload [, extra_headers]])
function rest_utils.answer(rc_const, payload, extra_headers)
  check_rc(rc_const, "rest_utils.answer")
  rest_utils.extended_answer(rc_const, payload, nil, extra_headers)
end

-- A non-JSON answer: `text` sent as it is with the constant's HTTP status.
-- The `ifid` request parameter of an interface-scoped endpoint, or nil after answering INVALID_INTERFACE
-- (rest_v2.md §3: a missing or empty ifid is an error; an unknown one falls back to the first interface).
-- Use: `local ifid = rest_utils.ifid_or_answer(params) if not ifid then return end`.
function rest_utils.ifid_or_answer(params)
  local ifid = params["ifid"]
  if ifid == nil or ifid == "" then
    rest_utils.answer(rest_utils.consts.err.invalid_interface)
    return nil
  end
  return ifid
end

-- True for an administrator; otherwise answers NOT_GRANTED and returns false (admin-only endpoints).
function rest_utils.admin_or_answer()
  if ntop.isAdministrator() then return true end
  rest_utils.answer(rest_utils.consts.err.not_granted)
  return false
end

-- The host named by `host` (ip or ip@vlan) and `vlan` on the selected interface, as
-- interface.getHostInfo returns it (and the parsed host info), or nil after answering INVALID_ARGUMENTS
-- (no host given) or NOT_FOUND (not in memory). Needs lua_utils (url2hostinfo).
function rest_utils.host_or_answer(params)
  local info = url2hostinfo(params)
  if info == nil then
    rest_utils.answer(rest_utils.consts.err.invalid_args)
    return nil
  end
  local host = interface.getHostInfo(info.host, info.vlan)
  if host == nil then
    rest_utils.answer(rest_utils.consts.err.not_found)
    return nil
  end
  return host, info
end

function rest_utils.vanilla_payload_response(rc_const, text, content_type, extra_headers)
  check_rc(rc_const, "rest_utils.vanilla_payload_response")
  if direct_mode then
    direct_answer = text
    return
  end
  rest_utils.sendHTTPContentTypeHeader(content_type or "text/plain", nil, nil, extra_headers, rc_const.http_code)
  if text ~= nil then print(text) end
end

return rest_utils

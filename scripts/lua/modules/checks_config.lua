--
-- (ntopng-lua) The checks configuration as ntopng keeps it: one JSON document in the key-value store
-- (ntopng.prefs.checks.configset_v1, {config = {<subdir> = {<script_key> = {<hook> = {enabled,
-- script_conf}}}}}), written for this project from shared/reference/ntopng/rest_v2.md §4.24. The daemon
-- writes every check's entry at start-up and applies changes made here within a second.
--
local json = require("dkjson")

local checks_config = {}

checks_config.KEY = "ntopng.prefs.checks.configset_v1"

local function load()
  local text = ntop.getCache(checks_config.KEY)
  if text == nil or text == "" then return nil end
  return json.decode(text)
end

-- Sets `enabled` on every hook of check `subdir`/`key`; returns true, or false and the error.
function checks_config.set_enabled(subdir, key, enabled)
  local cs = load()
  local hooks = cs and cs.config and cs.config[subdir] and cs.config[subdir][key]
  if type(hooks) ~= "table" then return false, "Unknown check" end
  for _, h in pairs(hooks) do
    if type(h) == "table" then h.enabled = enabled end
  end
  ntop.setCache(checks_config.KEY, json.encode(cs))
  return true
end

-- A parameter of the request of a checks page: the form or JSON body first, then the query string.
function checks_config.request_param(name)
  local v = _POST and _POST[name]
  if v == nil or v == "" then v = _GET and _GET[name] end
  return v
end

-- The subdirs the daemon's configset holds (the families of checks it registers).
local function subdirs_of(cs)
  local out = {}
  for subdir, _ in pairs((cs and cs.config) or {}) do out[#out + 1] = subdir end
  table.sort(out)
  return out
end

-- Sets `enabled` on every hook of every check of `subdir` (every subdir when nil or "all"); returns true, or
-- false and the error.
function checks_config.set_all_enabled(subdir, enabled)
  local cs = load()
  if cs == nil or type(cs.config) ~= "table" then return false, "No checks configuration" end
  local targets
  if subdir == nil or subdir == "" or subdir == "all" then
    targets = subdirs_of(cs)
  elseif type(cs.config[subdir]) == "table" then
    targets = { subdir }
  else
    return false, "Unknown check subdir " .. tostring(subdir)
  end
  for _, sd in ipairs(targets) do
    for _, hooks in pairs(cs.config[sd]) do
      if type(hooks) == "table" then
        for _, h in pairs(hooks) do
          if type(h) == "table" then h.enabled = enabled end
        end
      end
    end
  end
  ntop.setCache(checks_config.KEY, json.encode(cs))
  return true
end

-- Why `hooks` is not a check configuration ({<hook> = {enabled = bool, script_conf = {...}}}), or nil.
local function hooks_error(hooks)
  if type(hooks) ~= "table" or next(hooks) == nil then
    return "expected {<hook>: {enabled, script_conf}}"
  end
  for hook, h in pairs(hooks) do
    if type(hook) ~= "string" or type(h) ~= "table" then
      return "expected {<hook>: {enabled, script_conf}}"
    end
    if type(h.enabled) ~= "boolean" then
      return "hook " .. hook .. ": enabled must be a boolean"
    end
    if h.script_conf ~= nil and type(h.script_conf) ~= "table" then
      return "hook " .. hook .. ": script_conf must be an object"
    end
  end
  return nil
end

-- Replaces the configuration of check `subdir`/`key` with `hooks`; returns true, or false and the error.
function checks_config.set_config(subdir, key, hooks)
  local cs = load()
  local current = cs and cs.config and cs.config[subdir] and cs.config[subdir][key]
  if type(current) ~= "table" then return false, "Unknown check" end
  local err = hooks_error(hooks)
  if err then return false, err end
  for _, h in pairs(hooks) do
    if h.script_conf == nil then h.script_conf = {} end
  end
  cs.config[subdir][key] = hooks
  ntop.setCache(checks_config.KEY, json.encode(cs))
  return true
end

-- The whole configset ({config = {<subdir> = {<key> = {<hook> = {enabled, script_conf}}}}}), or nil.
function checks_config.get()
  return load()
end

-- The enable/check.lua and disable/check.lua endpoints (rest_v2.md §4.24): administrators only;
-- `check_subdir` (one of ntopng's subdirs) and `script_key` required, else INVALID_ARGUMENTS; the answer is
-- rc OK with {success = true} or, for an unknown check, {success = false, error}. `ifid` is ignored.
local SUBDIRS = { flow = 1, host = 1, interface = 1, network = 1, system = 1, syslog = 1, snmp_device = 1,
                  active_monitoring = 1 }

function checks_config.rest_set_enabled(params, enabled)
  local rest_utils = require("rest_utils")
  if not isAdministrator() then
    rest_utils.answer(rest_utils.consts.err.not_granted)
    return
  end
  local subdir, key = params["check_subdir"], params["script_key"]
  if key == nil or key == "" or SUBDIRS[subdir or ""] == nil then
    rest_utils.answer(rest_utils.consts.err.invalid_args)
    return
  end
  local ok, err = checks_config.set_enabled(subdir, key, enabled)
  if ok then
    rest_utils.answer(rest_utils.consts.success.ok, { success = true })
  else
    rest_utils.answer(rest_utils.consts.success.ok, { success = false, error = err })
  end
end

return checks_config

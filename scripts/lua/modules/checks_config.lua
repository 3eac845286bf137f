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

return checks_config

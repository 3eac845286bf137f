--
-- (ntopng-lua) Helpers of the REST alert endpoints, written for this project from
-- shared/reference/ntopng/rest_v2.md §4.21-4.22 and history.md §2. The request's parameters go to the
-- alert store as they are (interface.getAlerts parses them; nothing here builds SQL).
--
local rest_utils = require("rest_utils")

local alert_rest = {}

-- The request's parameters as strings.
local function request_params()
  local p = {}
  for k, v in pairs(_GET or {}) do
    if type(v) ~= "table" then p[k] = tostring(v) end
  end
  return p
end

-- Runs `action` on `family` for the request's interface and answers; `shape(res)` gives (payload, extra).
function alert_rest.run(action, family, shape)
  local ifid = rest_utils.ifid_or_answer(_GET)
  if not ifid then return end
  interface.select(ifid)
  local params = request_params()
  params.action = action
  params.family = family
  local r = interface.getAlerts(params)
  if r.status == "invalid_args" then
    rest_utils.answer(rest_utils.consts.err.invalid_args, { error = r.message })
    return
  elseif r.status ~= "ok" then
    rest_utils.answer(rest_utils.consts.err.internal_error, { error = r.message })
    return
  end
  local payload, extra = shape(r.rsp)
  rest_utils.extended_answer(rest_utils.consts.success.ok, payload, extra)
end

-- get/<family>/alert/list.lua: {records, stats} with recordsFiltered/recordsTotal (and draw) at the top.
function alert_rest.list(family)
  alert_rest.run("list", family, function(res)
    local extra = { recordsFiltered = res.recordsFiltered, recordsTotal = res.recordsTotal }
    if _GET["draw"] ~= nil and _GET["draw"] ~= "" then extra.draw = tonumber(_GET["draw"]) end
    return { records = res.records, stats = res.stats }, extra
  end)
end

-- acknowledge/<family>/alerts.lua, delete/<family>/alerts.lua: always rsp [] (ntopng answers nothing else).
function alert_rest.modify(action, family)
  alert_rest.run(action, family, function(res) return {}, nil end)
end

-- get/alert/{type,severity}/counters.lua.
function alert_rest.counters(action)
  alert_rest.run(action, "flow", function(res) return res, nil end)
end

return alert_rest

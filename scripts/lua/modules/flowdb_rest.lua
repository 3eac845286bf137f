--
-- (ntopng-lua) Shared by the stored-flow endpoints under /lua/pro/rest/v2/get/db/ (written for this
-- project from shared/reference/ntopng/history.md §3.3): the request's clauses to interface.execSQLQuery,
-- the rows (every value a string) or a 400 INVALID_ARGUMENTS naming what was refused.
--
local rest_utils = require("rest_utils")

local flowdb_rest = {}

local function given(v)
  if v == nil or v == "" then return nil end
  return v
end

-- The epoch of `names` (the first given), or nil.
local function epoch(params, names)
  for _, n in ipairs(names) do
    local v = given(params[n])
    if v ~= nil then return v end
  end
  return nil
end

-- The request's interface and time window (Unix seconds), or nil after answering why not: stored flows
-- off, no ifid, no window. The spec names the window begin/end_time_clause; the Python client sends
-- epoch_begin/epoch_end.
function flowdb_rest.window(params)
  local ifid = rest_utils.ifid_or_answer(params)
  if not ifid then return nil end
  local prefs = ntop.getPrefs()
  if not (prefs.is_dump_flows_to_sqlite_enabled or prefs.is_dump_flows_to_clickhouse_enabled) then
    rest_utils.answer(rest_utils.consts.err.not_enabled)
    return nil
  end
  local b = epoch(params, { "begin_time_clause", "epoch_begin" })
  local e = epoch(params, { "end_time_clause", "epoch_end" })
  if b == nil or e == nil or not tostring(b):match("^%d+$") or not tostring(e):match("^%d+$") then
    rest_utils.extended_answer(rest_utils.consts.err.invalid_args, {},
      { error = "begin_time_clause/epoch_begin and end_time_clause/epoch_end are required (Unix seconds)" })
    return nil
  end
  return ifid, b, e
end

-- The rows of query `q` (interface.execSQLQuery's table), or nil after answering a refused clause with
-- 400 INVALID_ARGUMENTS and a store failure with INTERNAL_ERROR.
function flowdb_rest.rows(q)
  local ok, rows = pcall(interface.execSQLQuery, q)
  if ok then return rows end
  -- "<where>: interface.execSQLQuery: invalid query: <why>" or "...: query failed: <why>"
  local msg = tostring(rows)
  local why = msg:match("invalid query: (.*)$")
  local rc = why and rest_utils.consts.err.invalid_args or rest_utils.consts.err.internal_error
  rest_utils.extended_answer(rc, {}, { error = why or msg:match("query failed: (.*)$") or msg })
  return nil
end

-- `kind`: "flows" or "topk"; `clauses`: the clause parameters the endpoint takes.
function flowdb_rest.answer(params, kind, clauses)
  local ifid, b, e = flowdb_rest.window(params)
  if not ifid then return end
  local q = { kind = kind, ifid = ifid, begin = b, ["end"] = e }
  for _, c in ipairs(clauses) do
    q[c] = given(params[c])
  end
  local rows = flowdb_rest.rows(q)
  if rows then rest_utils.answer(rest_utils.consts.success.ok, rows) end
end

return flowdb_rest

--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/history.md §1.6-1.9.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- The points of one series (or the top series of `top:<schema>`) over a window: ntopng 6.x keys (`metadata`,
-- `series[].id`, per-series `statistics`) and the pre-6.0 keys beside them (`start`, `step`, `count`,
-- `series[].label`, top-level `statistics` with `by_serie`), which the Python client parses.
-- Params: ts_schema, ts_query (`tag:value,...`, `ifid` required), epoch_begin/epoch_end (default the last
-- hour), limit (target maximum of points, 60), ts_compare (adds `additional_series`), ts_aggregation
-- (`raw`/`1h`/`1d`: InfluxDB only in ntopng, accepted and ignored, as ntopng's RRD path does).
-- An unknown schema, a missing tag, no data or a denied entity answer rc 0 with `{metadata = []}`.

local empty = { metadata = {} }

-- `ts_compare` zooms (graph_common.lua); other values ntopng accepts mean 180 s.
local zooms = { ["1m"] = 60, ["5m"] = 300, ["30m"] = 1800, ["1h"] = 3600, ["1d"] = 86400, ["1w"] = 604800,
                ["1M"] = 2678400, ["1Y"] = 31622400 }

local function bad(what)
  rest_utils.answer(rest_utils.consts.err.invalid_args, { error = what })
end

-- An optional integer parameter: nil when absent, false when not an integer.
local function int_param(name)
  local v = _GET[name]
  if v == nil or v == "" then return nil end
  local n = tonumber(v)
  if n == nil or n ~= math.floor(n) then return false end
  return math.floor(n)
end

local schema, query = _GET["ts_schema"], _GET["ts_query"]
if isEmptyString(schema) or not schema:match("^[%w_:]+$") then return bad("ts_schema") end
if isEmptyString(query) or query:find("'", 1, true) then return bad("ts_query") end

-- tag:value pairs, split at the first ':' (host:fe80::1 keeps its colons).
local tags = {}
for part in query:gmatch("[^,]+") do
  local k, v = part:match("^%s*([^:]+):(.*)$")
  if k then tags[k] = v end
end
if tags.ifid == nil or tags.ifid == "" then return bad("ts_query: ifid is required") end

local now = os.time()
local epoch_end, epoch_begin, limit = int_param("epoch_end"), int_param("epoch_begin"), int_param("limit")
if epoch_end == false then return bad("epoch_end") end
if epoch_begin == false then return bad("epoch_begin") end
if limit == false or (limit and limit < 1) then return bad("limit") end
epoch_end = epoch_end or now
epoch_begin = epoch_begin or (now - 3600)
if epoch_begin < 0 or epoch_end < 0 then return bad("epoch") end

local compare = _GET["ts_compare"]
if not isEmptyString(compare) and not compare:match("^%d+%a$") then return bad("ts_compare") end
local aggregation = _GET["ts_aggregation"]
if not isEmptyString(aggregation) and aggregation ~= "raw" and aggregation ~= "1h" and aggregation ~= "1d" then
  return bad("ts_aggregation")
end

-- isUserAccessAllowed: administrators see everything, others their interfaces and networks.
if not isAdministrator() then
  local names = interface.getIfNames()
  local ifname = names[tostring(tags.ifid)]
  local host = tags.host and (tags.host:match("^(.-)@%d+$") or tags.host)
  if ifname == nil or not ntop.isAllowedInterface(ifname) or (host and not ntop.isAllowedNetwork(host)) then
    rest_utils.answer(rest_utils.consts.success.ok, empty)
    return
  end
end

local rsp = ntop.tsQuery(schema, query, epoch_begin, epoch_end, limit or 60)

if not isEmptyString(compare) and rsp.metadata and rsp.metadata.epoch_begin then
  local m = rsp.metadata
  local zoom = zooms[compare] or 180
  -- Asked one step later, as the query fetches from a step before its begin: the points line up with
  -- the answer's, `zoom` earlier.
  local begin = m.epoch_begin - zoom + m.epoch_step
  local past = ntop.tsQuery(schema, query, begin, begin + m.epoch_step * (m.num_point - 1), limit or 60)
  local additional = {}
  if past.metadata and past.metadata.epoch_begin then
    -- 6.x: the whole answer for the shifted window; pre-6.0: the per-point sum of its series.
    additional[compare .. "_ago"] = past
    local sum = {}
    for i = 1, past.metadata.num_point do
      local s = 0
      for _, serie in ipairs(past.series) do
        local v = serie.data[i]
        if v == v then s = s + v end -- NaN (no point) counts 0, as the legacy fill did
      end
      sum[i] = s
    end
    additional[compare .. " ago"] = sum
  end
  rsp.additional_series = additional
end

rest_utils.answer(rest_utils.consts.success.ok, rsp)

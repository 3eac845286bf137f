--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/history.md §3.3-§4:
-- the stored flows as ntopng's historical flow explorer lists them. `ifid`, `epoch_begin`, `epoch_end`
-- (required), `start`/`length` (paging), `sort`/`order`, filters `<tag>=<value>;<op>` (`cli_ip`, `srv_ip`, `ip`
-- either side, `cli_port`, `srv_port`, `l4proto`, `l7proto`, `vlan_id`, `score`; ops eq neq lt gt lte gte),
-- and `query_preset`: `conversations` (also the Python client's `top_conversations`): bytes, packets and flows
-- per client/server pair; anything else: one record per flow. rsp = {records}, with recordsFiltered and
-- recordsTotal beside it. Records carry `cli_ip`/`srv_ip` objects {value, title, label, tag_key, ip, name,
-- reference}, `cli_name`, `srv_name` and the numbers as numbers.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")
local flowdb_rest = require("flowdb_rest")

-- The most rows one request reads (the flow stores' own limit).
local MAX_ROWS = 100000

local params = _GET or {}

local function given(v)
  if v == nil or v == "" then return nil end
  return v
end

local function invalid(msg)
  rest_utils.extended_answer(rest_utils.consts.err.invalid_args, {}, { error = msg })
end

local ifid, b, e = flowdb_rest.window(params)
if not ifid then return end
local start = tonumber(given(params.start) or "0")
local length = tonumber(given(params.length) or "10")
if start == nil or length == nil or start < 0 or length < 1 or start + length > MAX_ROWS then
  invalid("start and length: 0 <= start, 1 <= length, start + length <= " .. MAX_ROWS)
  return
end

-- Filters: tag -> (columns, kind). An `ip` filter matches either side.
local OPS = { eq = "=", neq = "!=", lt = "<", gt = ">", lte = "<=", gte = ">=" }
local NUMERIC = {
  cli_port = "IP_SRC_PORT", srv_port = "IP_DST_PORT", l4proto = "PROTOCOL", l7proto = "L7_PROTO",
  vlan_id = "VLAN_ID", score = "SCORE",
}
local ADDRESS = { cli_ip = { "SRC" }, srv_ip = { "DST" }, ip = { "SRC", "DST" } }

local conditions = {}
for tag, raw in pairs(params) do
  if NUMERIC[tag] or ADDRESS[tag] then
    local value, op = tostring(raw):match("^(.-);(%a+)$")
    if value == nil then value, op = tostring(raw), "eq" end
    local sql_op = OPS[op]
    if sql_op == nil then
      invalid(tag .. ": unknown operator '" .. op .. "'")
      return
    end
    if NUMERIC[tag] then
      if not value:match("^%d+$") then
        invalid(tag .. ": '" .. value .. "' is not a number")
        return
      end
      conditions[#conditions + 1] = string.format("%s %s %s", NUMERIC[tag], sql_op, value)
    else
      if value:find("'") then
        invalid(tag .. ": '" .. value .. "' is not an address")
        return
      end
      local family = value:find(":", 1, true) and "IPV6" or "IPV4"
      local sides = {}
      for _, side in ipairs(ADDRESS[tag]) do
        sides[#sides + 1] = string.format("%s_%s_ADDR %s '%s'", family, side, sql_op, value)
      end
      local joiner = (sql_op == "!=") and " AND " or " OR "
      conditions[#conditions + 1] = "(" .. table.concat(sides, joiner) .. ")"
    end
  end
end
table.sort(conditions)

local preset = given(params.query_preset)
local conversations = (preset == "conversations" or preset == "top_conversations")
-- ntopng validates `order` as asc|desc: anything else (the client's DESC) leaves the default, descending.
local dir = (params.order == "asc") and "ASC" or "DESC"
local ADDRS = "IP_PROTOCOL_VERSION, IPV4_SRC_ADDR, IPV4_DST_ADDR, IPV6_SRC_ADDR, IPV6_DST_ADDR"
local q = { kind = "flows", ifid = ifid, begin = b, ["end"] = e, maxhits_clause = tostring(MAX_ROWS) }
if #conditions > 0 then q.where_clause = table.concat(conditions, " AND ") end
if conversations then
  local sorts = { bytes = "bytes", packets = "packets", flows = "flows" }
  q.select_clause = ADDRS .. ", SUM(TOTAL_BYTES) AS bytes, SUM(PACKETS) AS packets, COUNT(*) AS flows"
  q.group_by_clause = ADDRS
  q.order_by_clause = (sorts[params.sort or ""] or "bytes") .. " " .. dir
else
  local sorts = { bytes = "TOTAL_BYTES", packets = "PACKETS", first_seen = "FIRST_SEEN", last_seen = "LAST_SEEN",
                  score = "SCORE" }
  q.select_clause = "FIRST_SEEN, LAST_SEEN, " .. ADDRS .. ", IP_SRC_PORT, IP_DST_PORT, PROTOCOL, L7_PROTO, " ..
    "L7_PROTO_MASTER, TOTAL_BYTES, PACKETS, SRC2DST_BYTES, DST2SRC_BYTES, SCORE, VLAN_ID, INFO"
  q.order_by_clause = (sorts[params.sort or ""] or "FIRST_SEEN") .. " " .. dir
end

local rows = flowdb_rest.rows(q)
if not rows then return end

local function address(row, side, tag)
  local ip = (row.IP_PROTOCOL_VERSION == "6") and row["IPV6_" .. side .. "_ADDR"] or row["IPV4_" .. side .. "_ADDR"]
  return { value = ip, title = ip, label = ip, tag_key = tag, ip = ip, name = ip, reference = "" }, ip
end

local records = {}
for i = start + 1, math.min(#rows, start + length) do
  local row = rows[i]
  local cli, cli_name = address(row, "SRC", "cli_ip")
  local srv, srv_name = address(row, "DST", "srv_ip")
  local r = { cli_ip = cli, srv_ip = srv, cli_name = cli_name, srv_name = srv_name }
  if conversations then
    r.bytes, r.packets, r.flows = tonumber(row.bytes), tonumber(row.packets), tonumber(row.flows)
  else
    r.first_seen, r.last_seen = tonumber(row.FIRST_SEEN), tonumber(row.LAST_SEEN)
    r.cli_port, r.srv_port = tonumber(row.IP_SRC_PORT), tonumber(row.IP_DST_PORT)
    r.l4proto, r.l7proto, r.l7proto_master = tonumber(row.PROTOCOL), tonumber(row.L7_PROTO), tonumber(row.L7_PROTO_MASTER)
    r.bytes, r.packets = tonumber(row.TOTAL_BYTES), tonumber(row.PACKETS)
    r.cli2srv_bytes, r.srv2cli_bytes = tonumber(row.SRC2DST_BYTES), tonumber(row.DST2SRC_BYTES)
    r.score, r.vlan_id, r.info = tonumber(row.SCORE), tonumber(row.VLAN_ID), row.INFO or ""
  end
  records[#records + 1] = r
end

rest_utils.extended_answer(rest_utils.consts.success.ok, { records = records },
  { recordsFiltered = #rows, recordsTotal = #rows })

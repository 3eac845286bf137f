--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/history.md §2.2.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")
local alert_rest = require("alert_rest")

-- One family's stored alerts by clauses: alert_family, epoch_begin, epoch_end (required), select_clause,
-- where_clause, maxhits_clause, group_by / group_by_clause, order_by / order_by_clause. The clauses are
-- parsed by the alert store into an allow-listed tree; rsp is an array of {column = "string"} rows.
alert_rest.run("query", "flow", function(res) return res, nil end)

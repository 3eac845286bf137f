--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/history.md §3.3.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local flowdb_rest = require("flowdb_rest")

-- Stored flows: rows of the flows table in [begin, end] of interface ifid, as the clauses select,
-- filter, group and order them; every value a string.
flowdb_rest.answer(_GET, "flows", { "select_clause", "where_clause", "group_by_clause", "order_by_clause", "maxhits_clause" })

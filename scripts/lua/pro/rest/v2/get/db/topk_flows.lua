--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/history.md §3.3.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local flowdb_rest = require("flowdb_rest")

-- Top stored flows: the keys (default IPV4_SRC_ADDR,IPV4_DST_ADDR,L7_PROTO) with topk_clause (SUM)
-- of the values (default BYTES), largest first; every value a string. approx_search is accepted and ignored.
flowdb_rest.answer(_GET, "topk", { "select_keys_clause", "select_values_clause", "topk_clause", "where_clause", "maxhits_clause" })

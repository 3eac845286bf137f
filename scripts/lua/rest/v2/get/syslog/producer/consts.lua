--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/checks.md §4 (the
-- syslog producers ntopng knows): [{title, value}]. No syslog collection runs here; the list is the
-- producers a syslog interface could parse.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

rest_utils.answer(rest_utils.consts.success.ok, {
  { title = "nBox", value = "nbox" },
  { title = "Host Log", value = "host_log" },
  { title = "Suricata", value = "suricata" },
})

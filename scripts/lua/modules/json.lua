--
-- `require "json"`: the same module as dkjson (ntopng-lua).
--
return require("dkjson")

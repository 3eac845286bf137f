-- ntopng-lua: the sandbox, built once per VM while the full standard library is still in reach.
-- Called with a table R of helpers from Rust; returns the kit the pool drives requests with.
--
-- Scripts never see the real globals: each request gets a fresh environment table whose metatable falls
-- back to a shared base environment. Every table of the base (string, table, ntop, ...) is seen through a
-- per-request layer, so a script (or a module such as lua_utils adding string.split) can add or replace
-- entries for its own request without touching what the next request sees.

local R = ...

local G = _G
local real_load, real_type, real_error, real_select = load, type, error, select
local real_next, real_rawget = next, rawget
local real_setmetatable, real_getmetatable = setmetatable, getmetatable
local real_tostring, real_pcall, real_xpcall = tostring, pcall, xpcall
local real_resume = coroutine.resume
local real_io_open, real_io_lines, real_io_type = io.open, io.lines, io.type
local real_collectgarbage = collectgarbage
local concat = table.concat
local string_lib = string

local FAIL = R.FAIL
local PROTECTED = "protected"

-- The environment of the request in progress (one request at a time per VM).
local current_env = nil

-- pairs over a layer: its own entries, then those of its base it does not shadow.
local function layered_pairs(t, base)
  local in_base, k = false, nil
  return function()
    if not in_base then
      local nk, nv = real_next(t, k)
      if nk ~= nil then
        k = nk
        return nk, nv
      end
      in_base, k = true, nil
    end
    while true do
      local nk, nv = real_next(base, k)
      if nk == nil then return nil end
      k = nk
      if real_rawget(t, nk) == nil then return nk, nv end
    end
  end
end

local function layer_mt(base)
  return {
    __index = base,
    __pairs = function(t) return layered_pairs(t, base), t, nil end,
    __metatable = PROTECTED,
  }
end

-- Bindings: a raw binding returns FAIL, message on a bad call; the wrapper raises the message as a plain
-- string error at the caller's line.
local function wrap(f)
  return function(...)
    local r, msg = f(...)
    if r == FAIL then real_error(msg, 2) end
    return r
  end
end

local function stub(msg)
  return function() real_error(msg, 2) end
end

local function env_or_current(env)
  if env == nil then return current_env end
  return env
end

local function text_mode(mode)
  return mode == nil or (real_type(mode) == "string" and string_lib.find(mode, "t", 1, true) ~= nil)
end

-- load: text chunks only; the default environment is the request's, never the real globals.
local function sb_load(chunk, name, mode, env)
  if not text_mode(mode) then return nil, "attempt to load a binary chunk (not allowed)" end
  return real_load(chunk, name, "t", env_or_current(env))
end

-- loadfile / dofile: only files under the scripts directory.
local function sb_loadfile(path, mode, env)
  if not text_mode(mode) then return nil, "attempt to load a binary chunk (not allowed)" end
  local src, chunkname = R.read_script(path)
  if src == nil then return nil, chunkname end
  return real_load(src, chunkname, "t", env_or_current(env))
end

local function sb_dofile(path)
  if path == nil then real_error("dofile: reading a chunk from standard input is not allowed", 2) end
  local f, err = sb_loadfile(path)
  if not f then real_error(err, 2) end
  return f()
end

-- Modules compiled by this VM, by file: { version = <size and mtime>, code = <bytecode> }. Reloading
-- bytecode we produced is several times faster than parsing the source again for every request.
local compiled = {}

-- require: package.loaded and package.preload of the request, then package.path, where only files under
-- the install directory count.
local function sb_require(name)
  if real_type(name) ~= "string" then
    real_error("bad argument #1 to 'require' (string expected, got " .. real_type(name) .. ")", 2)
  end
  local pkg = real_rawget(current_env, "package")
  if real_type(pkg) ~= "table" then real_error("require: 'package' is not a table", 2) end
  local loaded = pkg.loaded
  if real_type(loaded) ~= "table" then real_error("require: 'package.loaded' is not a table", 2) end
  local v = loaded[name]
  if v ~= nil then return v end
  local loader, where
  local pre = real_type(pkg.preload) == "table" and pkg.preload[name] or nil
  if pre ~= nil then
    loader, where = pre, ":preload:"
  else
    local path = pkg.path
    if real_type(path) ~= "string" then real_error("require: 'package.path' must be a string", 2) end
    local canon, chunkname, file, version = R.find_module(name, path)
    if canon == nil then real_error("module '" .. name .. "' not found:" .. chunkname, 2) end
    local f, err
    local cached = compiled[canon]
    if cached ~= nil and cached.version == version then
      f = real_load(cached.code, chunkname, "b", current_env)
    else
      local src
      src, err = R.read_module(canon)
      if src == nil then real_error("error loading module '" .. name .. "': " .. err, 2) end
      f, err = real_load(src, chunkname, "t", current_env)
      if not f then
        real_error("error loading module '" .. name .. "' from file '" .. file .. "':\n\t" .. err, 2)
      end
      compiled[canon] = { version = version, code = string_lib.dump(f) }
    end
    loader, where = f, file
  end
  local r = loader(name, where)
  if r ~= nil then
    loaded[name] = r
  elseif loaded[name] == nil then
    loaded[name] = true
  end
  return loaded[name], where
end

-- print: to the response body; no separator, no newline (ntopng's behaviour).
local function sb_print(...)
  local n = real_select("#", ...)
  if n == 1 then
    local v = ...
    if real_type(v) == "string" then
      R.write(v)
      return
    end
  end
  local t = {}
  for i = 1, n do t[i] = real_tostring((real_select(i, ...))) end
  R.write(concat(t))
end

-- io: reading files of the install and working directories only; io.write goes to the log.
local function sb_io_open(path, mode)
  if real_type(path) ~= "string" then
    real_error("bad argument #1 to 'open' (string expected, got " .. real_type(path) .. ")", 2)
  end
  mode = mode or "r"
  if mode ~= "r" and mode ~= "rb" then
    return nil, path .. ": files can only be opened for reading", 13
  end
  local ok, err = R.check_read_path(path)
  if not ok then return nil, err, 13 end
  return real_io_open(path, mode)
end

local function sb_io_lines(path, ...)
  if real_type(path) ~= "string" then real_error("io.lines: a file name is required", 2) end
  local ok, err = R.check_read_path(path)
  if not ok then real_error(err, 2) end
  return real_io_lines(path, ...)
end

local function sb_io_write(...)
  local t = {}
  for i = 1, real_select("#", ...) do t[i] = real_tostring((real_select(i, ...))) end
  R.log_stdout(concat(t))
end

-- pcall, xpcall and coroutine.resume cannot catch a budget error: once the run is over its budget, a
-- failure they report is raised again, up to the engine.
local function rethrow_if_over_budget(ok, ...)
  if not ok and R.budget_exceeded() then real_error((...), 0) end
  return ok, ...
end

local function sb_pcall(f, ...)
  return rethrow_if_over_budget(real_pcall(f, ...))
end

local function sb_xpcall(f, handler, ...)
  return rethrow_if_over_budget(real_xpcall(f, handler, ...))
end

local function sb_resume(co, ...)
  return rethrow_if_over_budget(real_resume(co, ...))
end

local gc_allowed = { collect = true, count = true, step = true, isrunning = true }
local function sb_collectgarbage(opt, ...)
  opt = opt or "collect"
  if gc_allowed[opt] then return real_collectgarbage(opt, ...) end
  return 0
end

-- The base environment.
local base = {}
for _, k in ipairs({ "assert", "error", "getmetatable", "ipairs", "next", "pairs", "rawequal", "rawget",
  "rawlen", "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "_VERSION" }) do
  base[k] = G[k]
end
base.pcall = sb_pcall
base.xpcall = sb_xpcall
base.print = sb_print
base.load = sb_load
base.loadstring = sb_load -- Lua 5.1 (LuaJIT) name, used by ntopng scripts
base.loadfile = sb_loadfile
base.dofile = sb_dofile
base.require = sb_require
base.collectgarbage = sb_collectgarbage
base.unpack = table.unpack -- Lua 5.1 (LuaJIT) name
base.string = string
base.table = table
base.math = math
base.utf8 = utf8
base.coroutine = {}
for k, v in pairs(coroutine) do base.coroutine[k] = v end
base.coroutine.resume = sb_resume
base.os = { clock = os.clock, date = os.date, difftime = os.difftime, time = os.time }
base.io = { open = sb_io_open, lines = sb_io_lines, write = sb_io_write, type = real_io_type }

local kit = {}

-- Called by Rust once the namespaces and constants are ready.
function kit.install(namespaces, constants, internal)
  for k, v in pairs(namespaces) do base[k] = v end
  for k, v in pairs(constants) do base[k] = v end
  base._ntopng = internal
  kit.layer_mts = {}
  for k, v in pairs(base) do
    if real_type(v) == "table" then kit.layer_mts[k] = layer_mt(v) end
  end
  kit.env_mt = layer_mt(base)
end

local string_mt = real_getmetatable("")
string_mt.__metatable = PROTECTED

-- A fresh environment for one request.
function kit.new_request(get, post, server, session, cookie, default_path)
  local env = real_setmetatable({}, kit.env_mt)
  local loaded = {}
  for k, mt in pairs(kit.layer_mts) do
    local layer = real_setmetatable({}, mt)
    env[k] = layer
    loaded[k] = layer
  end
  local pkg = { path = default_path, cpath = "", loaded = loaded, preload = {}, config = "/\n;\n?\n!\n-\n" }
  loaded._G = env
  loaded.package = pkg
  env.package = pkg
  env._G = env
  env._GET, env._POST, env._SERVER, env._SESSION, env._COOKIE = get, post, server, session, cookie
  -- Method calls on strings ("x"):split(...) see the request's string layer.
  string_mt.__index = env.string
  current_env = env
  return env
end

function kit.end_request()
  string_mt.__index = string_lib
  current_env = nil
end

local function handler(e)
  return R.error_info(e)
end

function kit.run(f)
  return real_xpcall(f, handler)
end

-- f(...) under the same handler (check modules' functions called with their entity's info).
function kit.call(f, ...)
  return real_xpcall(f, handler, ...)
end

kit.wrap = wrap
kit.stub = stub
return kit

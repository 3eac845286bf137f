#!/usr/bin/env python3
"""Extracts the example check scripts of the seed API documents (shared/seeds/*.md) into an install dir.

    python3 tests/support/seed_checks.py <seeds dir> <install dir>

Writes each example to <install dir>/scripts/lua/modules/<family>_checks/seed_<seed>_<section>.lua and
prints one line per script: "<path>\t<family>\t<kind>\t<seed file>". Nothing is copied into the
repository: the tests run it at test time.

A block is a check example when it calls the flow.*, host.* or network.* functions that exist only in check
scripts, and is not a REST script (no rest_utils.answer). kind:
  module    a complete check module (it defines <name>.check and returns the module): written as it is;
  fragment  statements meant for the body of check(): wrapped in
            `local m = {} function m.check(<info>) ... end return m` (info: flow_info, host_info or
            network_info, the names the seeds use).

Some seeds show code with its line breaks lost (a whole module on one line, `--` comments included). The
comment would then swallow the code after it, so a line break is put back where a comment is followed by
a Lua statement (`local x =`, `function a.b(`, `if ... then`, `for x =`, `return`, `end`); the code itself
is not changed.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed_examples  # noqa: E402  (same directory)

FLOW_FNS = r"flow\.(cli|cli_port|srv|srv_port|protocol|vlan_id|is_oneway|is_unicast|cli2srv_bytes|srv2cli_bytes|bytes|l7_master_proto|l7_proto|l7_proto_name|http|dns|ssh|tls_quic|direction|triggerAlert)\("
HOST_FNS = r"host\.(ip|mac|name|vlan_id|is_local|is_unicast|is_multicast|is_broadcast|is_blacklisted|is_rx_only|bytes|bytes_sent|bytes_rcvd|l7|score|getNumContacted\w*|getNumContacts\w*|getUnidirectional\w*|resetHostContacts|isFirstCheckRun|skipVisitedHost|triggerAlert)\("
NETWORK_CHECK = r"network\.(checkContext|getCachedAlertValue|setCachedAlertValue|storeTriggeredAlert|releaseTriggeredAlert)\(|alerts_api\.(store|release)\("

STATEMENT = re.compile(
    r"""\s(?=local\s+function\b|local\s+[A-Za-z_]\w*\s*[=,]|function\s+[\w.:]+\s*\(|if\s.*?\bthen\b"""
    r"""|for\s+\w+\s*(=|,|\bin\b)|while\s.*?\bdo\b|return\b|end\b)"""
)


def comment_start(line):
    """Index of a `--` outside string literals, or -1."""
    quote = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif line.startswith("--", i):
            return i
        i += 1
    return -1


def restore_breaks(code):
    out = []
    for line in code.split("\n"):
        while True:
            c = comment_start(line)
            if c < 0:
                break
            m = STATEMENT.search(line, c + 2)
            if not m:
                break
            out.append(line[:m.start()])
            line = line[m.start() + 1:]
        out.append(line)
    return "\n".join(out)


def family_of(code):
    if re.search(FLOW_FNS, code):
        return "flow"
    if re.search(HOST_FNS, code):
        return "host"
    if re.search(NETWORK_CHECK, code):
        return "network"
    return None


INFO = {"flow": "flow_info", "host": "host_info", "network": "network_info"}

LUAC = next((c for c in ("luac5.4", "luac") if subprocess.run(["sh", "-c", "command -v " + c],
                                                            capture_output=True).returncode == 0), None)


def compiles(code):
    """Whether `code` is Lua (rendered seeds also have table rows and prose that look like code)."""
    if LUAC is None:
        sys.exit("seed_checks.py needs luac (Debian package lua5.4)")
    return subprocess.run([LUAC, "-p", "-"], input=code.encode(), capture_output=True).returncode == 0


def checks(seeds_dir):
    """[(path under scripts/lua, family, kind, code, seed file)]"""
    res, used = [], set()
    for fname in sorted(os.listdir(seeds_dir)):
        if not fname.endswith(".md"):
            continue
        text = open(os.path.join(seeds_dir, fname), encoding="utf-8").read()
        lines = text.split("\n")
        fenced = "```lua" in text
        blocks = seed_examples.fenced_blocks(lines) if fenced else seed_examples.rendered_blocks(lines)
        for heading, code in blocks:
            if "rest_utils.answer(" in code:
                continue
            # A fence closed at the end of a code line.
            if "```" in code:
                code = code[:code.index("```")] + "\n"
            code = restore_breaks(code)
            family = family_of(code)
            if family is None:
                continue
            m = re.search(r"function\s+(\w+)\.check\s*\(", code)
            module = m and re.search(r"\breturn\s+%s\s*$" % m.group(1), code.strip())
            kind = "module" if module else "fragment"
            if kind == "fragment":
                code = "local m = {}\nfunction m.check(%s)\n%s\nend\nreturn m\n" % (INFO[family], code.rstrip("\n"))
            if not compiles(code):
                continue
            base = "modules/%s_checks/seed_%s_%s" % (family, seed_examples.seed_name(fname), seed_examples.slug(heading))
            path, n = base + ".lua", 2
            while path in used:
                path, n = "%s_%d.lua" % (base, n), n + 1
            used.add(path)
            res.append((path, family, kind, code, fname))
    return res


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    seeds_dir, install = sys.argv[1], sys.argv[2]
    found = checks(seeds_dir)
    if not found:
        print("no example check script found in %s" % seeds_dir, file=sys.stderr)
        sys.exit(1)
    for path, family, kind, code, fname in found:
        dest = os.path.join(install, "scripts", "lua", path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8") as f:
            f.write(code)
        print("%s\t%s\t%s\t%s" % (path, family, kind, fname))


if __name__ == "__main__":
    main()

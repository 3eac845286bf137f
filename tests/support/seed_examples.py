#!/usr/bin/env python3
"""Extracts the example REST scripts of the seed API documents (shared/seeds/*.md) into an install dir.

    python3 tests/support/seed_examples.py <seeds dir> <install dir> [--list]

Writes each example, unchanged, to <install dir>/scripts/lua/<path> and prints one line per script:
"<path>\t<seed file>\t<kind>". Nothing is copied into the repository: run it at test time.

The seeds come in two forms: Markdown with ```lua fences (ntop-api) and rendered text without fences
(interface-api), where a code block is a run of Lua-looking lines. A block is an example REST script when it
is complete: it loads rest_utils and answers with rest_utils.answer. Its path is the one its first line
names (`-- scripts/lua/rest/v2/get/...lua`), else rest/v2/get/seed/<seed>/<section>.lua.

kind:
  script    a complete example, written as it is;
  composed  one of the interface-api "Common REST patterns" fragments, preceded by that document's
            "Standard boilerplate" block (which loads the modules and selects _GET.ifid or the first
            interface): both blocks unchanged, one after the other.
"""

import os
import re
import sys

LUA_LINE = re.compile(
    r"""^\s*(--|require\b|local\s|if\s|elseif\s|else\b|end\b|return\b|for\s|while\s|function\s|repeat\b|until\s|[})\]]"""
    r"""|[A-Za-z_][\w.:\[\]"']*\s*(=|\(|\{|,)|[A-Za-z_]\w*\s*=|["'])"""
)


def slug(text):
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s[:48] or "example"


def seed_name(fname):
    # 003_114d22646dccf2bd.interface-api.md -> interface_api
    base = os.path.basename(fname)
    base = re.sub(r"^\d+_[0-9a-f]+\.", "", base)
    return slug(base[:-3] if base.endswith(".md") else base)


def fenced_blocks(lines):
    """(heading, code) for each ```lua block; heading = the nearest title or bold line above."""
    out, heading, i = [], "", 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^#+\s*(.*)", line) or re.match(r"^\*\*(.*?)\*\*", line)
        if m:
            heading = m.group(1)
        if line.strip().startswith("```lua"):
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            out.append((heading, "\n".join(lines[i + 1:j]) + "\n"))
            i = j
        i += 1
    return out


def rendered_blocks(lines):
    """(heading, code) for each run of Lua-looking lines (blank lines allowed inside) in unfenced text;
    heading = the last non-code line above the run."""
    out, heading, i = [], "", 0
    while i < len(lines):
        if LUA_LINE.match(lines[i]):
            j, last = i, i
            while j < len(lines):
                if lines[j].strip() == "":
                    j += 1
                    continue
                if not LUA_LINE.match(lines[j]):
                    break
                last = j
                j += 1
            out.append((heading, "\n".join(lines[i:last + 1]) + "\n"))
            i = last + 1
            continue
        if lines[i].strip():
            heading = lines[i].strip()
        i += 1
    return out


def is_complete_rest_script(code):
    return re.search(r"""require\s*\(?\s*["']rest_utils["']""", code) is not None and "rest_utils.answer(" in code


def examples(seeds_dir):
    """[(path under scripts/lua, code, seed file, kind)]"""
    res = []
    for fname in sorted(os.listdir(seeds_dir)):
        if not fname.endswith(".md"):
            continue
        text = open(os.path.join(seeds_dir, fname), encoding="utf-8").read()
        lines = text.split("\n")
        fenced = "```lua" in text
        blocks = fenced_blocks(lines) if fenced else rendered_blocks(lines)
        ns = seed_name(fname)
        used = set()

        def place(heading, code):
            m = re.match(r"\s*--\s*scripts/lua/(rest/v2/\S+\.lua)", code)
            if m:
                return m.group(1)
            base = "rest/v2/get/seed/%s/%s" % (ns, slug(heading))
            path, n = base + ".lua", 2
            while path in used:
                path, n = "%s_%d.lua" % (base, n), n + 1
            return path

        boilerplate = None
        for heading, code in blocks:
            if heading.startswith("Standard boilerplate") and "interface.select" in code:
                boilerplate = code
            if is_complete_rest_script(code):
                path = place(heading, code)
                used.add(path)
                res.append((path, code, fname, "script"))
            elif (not fenced and boilerplate is not None and heading.startswith("Pattern")
                  and "rest_utils.answer(" in code):
                path = place(heading, code)
                used.add(path)
                res.append((path, boilerplate + "\n" + code, fname, "composed"))
    return res


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    seeds_dir, install = sys.argv[1], sys.argv[2]
    list_only = "--list" in sys.argv[3:]
    found = examples(seeds_dir)
    if not found:
        print("no example REST script found in %s" % seeds_dir, file=sys.stderr)
        sys.exit(1)
    for path, code, fname, kind in found:
        if not list_only:
            dest = os.path.join(install, "scripts", "lua", path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8") as f:
                f.write(code)
        print("%s\t%s\t%s" % (path, fname, kind))


if __name__ == "__main__":
    main()

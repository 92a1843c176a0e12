#!/usr/bin/env python3
"""Size profile of a .wasm file: where the bytes go, by crate and by function (standard library
only; a stand-in for `twiggy top` that needs no install). Prints markdown tables.

The file must keep its `name` section: profile the app with names kept, e.g.

    wasm-bindgen --target web --out-dir /tmp/prof target/wasm32-unknown-unknown/release/X.wasm
    wasm-opt -Oz -g /tmp/prof/X_bg.wasm -o /tmp/prof/X.opt.wasm   # -g keeps names
    python3 scripts/wasm_size.py /tmp/prof/X.opt.wasm

Sizes are the bytes of each function body in the code section (what twiggy calls shallow
size). Rust's legacy symbol mangling carries no generic arguments, so a generic function of a
library instantiated for the app's types (a Leptos view of ours, say) counts for the library.
`<A as B>::f` counts for A's crate unless A comes from core/alloc/std or is a type parameter
(then B's): a heuristic. v0-mangled names (the standard library's) are read roughly.
"gzip alone" is each crate's bodies compressed on their own (gzip -9): they do not add up to the
whole file's gzip, but they rank what compresses badly.

Usage: python3 scripts/wasm_size.py FILE.wasm [--top 40] [--crate NAME]
"""

import argparse
import collections
import gzip
import re
import sys


def leb(data, pos):
    """Reads an unsigned LEB128 at pos: (value, next position)."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(data):
    """Yields (id, name or None, payload start, payload end) for each section."""
    if data[:4] != b"\0asm":
        raise SystemExit("not a wasm file")
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, pos = leb(data, pos + 1)
        end = pos + size
        name = None
        if sid == 0:
            n, p = leb(data, pos)
            name = data[p:p + n].decode("utf-8", "replace")
        yield sid, name, pos, end
        pos = end


def imported_functions(data, start, end):
    """The number of function imports in the import section."""
    count, pos = leb(data, start)
    funcs = 0
    for _ in range(count):
        for _ in range(2):  # module, field
            n, pos = leb(data, pos)
            pos += n
        kind = data[pos]
        pos += 1
        if kind == 0:
            funcs += 1
            _, pos = leb(data, pos)
        elif kind == 1:  # table: reftype, limits
            pos += 1
            flags, pos = leb(data, pos)
            _, pos = leb(data, pos)
            if flags & 1:
                _, pos = leb(data, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(data, pos)
            _, pos = leb(data, pos)
            if flags & 1:
                _, pos = leb(data, pos)
        elif kind == 3:  # global: type, mut
            pos += 2
        elif kind == 4:  # tag
            pos += 1
            _, pos = leb(data, pos)
    return funcs


def function_names(data, start, end):
    """Function index -> name, from the name section's function-names subsection."""
    n, pos = leb(data, start)
    pos += n  # "name"
    names = {}
    while pos < end:
        sub = data[pos]
        size, pos = leb(data, pos + 1)
        sub_end = pos + size
        if sub == 1:
            count, p = leb(data, pos)
            for _ in range(count):
                idx, p = leb(data, p)
                ln, p = leb(data, p)
                names[idx] = data[p:p + ln].decode("utf-8", "replace")
                p += ln
        pos = sub_end
    return names


def demangle_v0(sym):
    """Rust v0 mangling (`_R...`, the standard library's), roughly: its identifiers from the
    first crate name on, joined by `::` (enough to tell the crate and the function)."""
    m = re.search(r"C(?:s[0-9A-Za-z]*_)?(\d+)", sym)
    if not m:
        return sym
    pos, parts = m.start(1), []
    while True:
        m = re.compile(r"(\d+)_?").match(sym, pos)
        if not m:
            break
        n = int(m.group(1))
        ident = sym[m.end():m.end() + n]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ident or "-"):
            break
        parts.append(ident)
        pos = m.end() + n
        # Skip namespace tags and disambiguators up to the next identifier.
        m2 = re.compile(r"(?:[A-Z]|s[0-9A-Za-z]*_|[a-z](?=\d))*").match(sym, pos)
        pos = m2.end()
    return "::".join(parts) if parts else sym


def demangle(sym):
    """Rust legacy mangling (`_ZN...E`) to a path; v0 roughly; other names (wasm-bindgen
    demangles them itself) without their hashes."""
    sym = re.sub(r"\[[0-9a-f]{16}\]", "", sym)
    sym = re.sub(r"::h[0-9a-f]{16}$", "", sym)
    if sym.startswith("_R"):
        return demangle_v0(sym)
    if not sym.startswith("_ZN"):
        return sym
    pos, parts = 3, []
    while pos < len(sym) and sym[pos].isdigit():
        m = re.match(r"\d+", sym[pos:])
        n = int(m.group())
        pos += len(m.group())
        parts.append(sym[pos:pos + n])
        pos += n
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    text = "::".join(parts)
    for a, b in (("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$RF$", "&"), ("$C$", ","),
                 ("$u7b$", "{"), ("$u7d$", "}"), ("$BP$", "*"), ("$u5b$", "["), ("$u5d$", "]"),
                 ("$u27$", "'"), ("$SP$", "@"), ("$LP$", "("), ("$RP$", ")"), ("..", "::")):
        text = text.replace(a, b)
    return text[1:] if text.startswith("_<") else text


STD = {"core", "alloc", "std", "str", "char", "bool", "f32", "f64", "u8", "u16", "u32", "u64", "u128",
       "usize", "i8", "i16", "i32", "i64", "i128", "isize"}


def crate_of(name):
    """The crate a demangled name belongs to (see the module doc for `<A as B>`)."""
    m = re.match(r"<&?(?:mut )?(?:\*(?:const|mut) )?\[?([A-Za-z_][A-Za-z0-9_]*)(?:[^>]* as &?([A-Za-z_][A-Za-z0-9_]*))?", name)
    if m and name.startswith("<"):
        first, trait = m.group(1), m.group(2)
        if (first in STD or re.fullmatch(r"[A-Z][A-Za-z]?", first)) and trait:
            return trait
        return first
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", name)
    if m:
        return m.group(1)
    if name.startswith("__wbg") or name.startswith("__wbindgen") or "wasm_bindgen" in name:
        return "wasm_bindgen"
    return "(other: " + re.sub(r"[^A-Za-z_].*", "", name)[:20] + ")"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wasm")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--crate", help="list only this crate's functions")
    args = ap.parse_args()
    data = open(args.wasm, "rb").read()
    imports = 0
    names = {}
    code = None
    by_section = collections.Counter()
    for sid, name, start, end in sections(data):
        label = {1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
                 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount"}.get(sid, f"custom {name}")
        by_section[label] += end - start
        if sid == 2:
            imports = imported_functions(data, start, end)
        elif sid == 10:
            code = (start, end)
        elif sid == 0 and name == "name":
            names = function_names(data, start, end)
    if code is None:
        raise SystemExit("no code section")
    if not names:
        print("warning: no name section; functions show as indices", file=sys.stderr)
    count, pos = leb(data, code[0])
    funcs = []
    for i in range(count):
        size, body = leb(data, pos)
        full = demangle(names.get(imports + i, f"func[{imports + i}]"))
        funcs.append((size + (body - pos), full, data[body:body + size]))
        pos = body + size
    total = len(data)
    named = total - by_section.get("custom name", 0)
    print(f"file: {args.wasm}: {total:,} B, {named:,} B without the name section, "
          f"gzip -9 of that about {len(gzip.compress(data, 9)):,} B with names\n")
    print("| section | bytes | share |\n|---|---:|---:|")
    for label, size in by_section.most_common():
        print(f"| {label} | {size:,} | {100 * size / named:.1f}% |")
    crates = collections.defaultdict(lambda: [0, 0, []])
    for size, full, body in funcs:
        c = crates[crate_of(full)]
        c[0] += size
        c[1] += 1
        c[2].append(body)
    code_total = sum(f[0] for f in funcs)
    if not args.crate:
        print(f"\ncode: {code_total:,} B in {len(funcs):,} functions\n")
        print("| crate | code bytes | share of code | functions | gzip alone |\n|---|---:|---:|---:|---:|")
        for crate, (size, n, bodies) in sorted(crates.items(), key=lambda kv: -kv[1][0])[:args.top]:
            gz = len(gzip.compress(b"".join(bodies), 9))
            print(f"| {crate} | {size:,} | {100 * size / code_total:.1f}% | {n:,} | {gz:,} |")
    print("\n| function | bytes |\n|---|---:|")
    shown = [f for f in funcs if not args.crate or crate_of(f[1]) == args.crate]
    for size, full, _ in sorted(shown, key=lambda f: -f[0])[:args.top]:
        label = (full if len(full) <= 110 else full[:107] + "...").replace("|", "\\|")
        print(f"| `{label}` | {size:,} |")


if __name__ == "__main__":
    main()

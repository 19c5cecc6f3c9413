#!/usr/bin/env python3
"""Checks that the engine's folders form a stack: no folder reaches a folder that reaches it back.

Evident's engine is split into SwiftPM targets (the stages) and, inside a target, into folders (the rooms). SwiftPM
refuses a cycle between targets, so this script checks what the compiler cannot: the names each folder uses.

For every Swift file under the given source roots, the script removes comments and the text of string literals (but
keeps the code inside string interpolations), collects the names each folder declares (types, top-level functions
and constants, and members that extensions add to types declared elsewhere), and then finds in each folder every
identifier that is declared in exactly one other folder. An edge A -> B means that A uses a name B declares. Names
declared in several folders are ambiguous and left out (they are listed with --verbose). A strongly connected
component of more than one folder is a cycle, and the script fails.

It also checks that each native library (CBLAS, CEvidentKernels) is imported only by its one door in
EvidentLinearAlgebra, and that no string of the engine's targets names a command-line flag.

Usage:
    Scripts/layering.py                       the engine's folders (Sources/Evident*/, one node per folder)
    Scripts/layering.py --dot                 the graph in Graphviz dot
    Scripts/layering.py --edges               every edge with the names that make it
    Scripts/layering.py --quiet               only the verdict (make test runs this)
    Scripts/layering.py --root DIR [...]      other source roots (each subfolder of a root is a node)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

TYPE_KEYWORDS = {"struct", "enum", "class", "actor", "protocol", "typealias"}
MEMBER_KEYWORDS = {"func", "var", "let", "case", "init", "subscript", "static"}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
STRING_OPENING = re.compile(r'(#*)("""|")')


def strip_comments_and_strings(source: str) -> str:
    """Returns `source` with comments and string literal text blanked; interpolated code is kept."""
    out: list[str] = []
    i = 0
    n = len(source)
    # Stack of contexts: "code", or ("string", closing delimiter, raw hash count, is multiline). An interpolation
    # pushes "code" with a parenthesis depth.
    stack: list = [["code", 0]]
    while i < n:
        top = stack[-1]
        c = source[i]
        if top[0] == "code":
            if source.startswith("//", i):
                end = source.find("\n", i)
                i = n if end < 0 else end
                continue
            if source.startswith("/*", i):
                depth = 0
                while i < n:
                    if source.startswith("/*", i):
                        depth += 1
                        i += 2
                    elif source.startswith("*/", i):
                        depth -= 1
                        i += 2
                        if depth == 0:
                            break
                    else:
                        if source[i] == "\n":
                            out.append("\n")
                        i += 1
                out.append(" ")
                continue
            match = STRING_OPENING.match(source, i) if c in "\"#" else None
            if match:
                hashes = len(match.group(1))
                delimiter = match.group(2)
                stack.append(["string", delimiter, hashes])
                out.append(" ")
                i = match.end()
                continue
            if c == "(":
                top[1] += 1
            elif c == ")":
                if top[1] == 0 and len(stack) > 1:
                    stack.pop()  # end of an interpolation
                    out.append(" ")
                    i += 1
                    continue
                top[1] -= 1
            out.append(c)
            i += 1
            continue
        # Inside a string literal.
        _, delimiter, hashes = top
        closing = delimiter + "#" * hashes
        if source.startswith(closing, i):
            stack.pop()
            out.append(" ")
            i += len(closing)
            continue
        escape = "\\" + "#" * hashes
        if source.startswith(escape + "(", i):
            stack.append(["code", 0])
            out.append(" ")
            i += len(escape) + 1
            continue
        if source.startswith(escape, i):
            i += len(escape) + 1
            out.append(" ")
            continue
        out.append("\n" if c == "\n" else " ")
        i += 1
    return "".join(out)


def tokens(code: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z_0-9]*|[{}.`@]|\S", code)


def declarations(code: str) -> tuple[set[str], set[str], set[str]]:
    """Returns the names of types and top-level symbols, of members that extensions add, and of all members."""
    words = tokens(code)
    declared: set[str] = set()
    extension_members: set[str] = set()
    members: set[str] = set()
    depth = 0
    # For each open brace, whether it opened an extension body (members there are names this file adds to a type
    # that may live elsewhere).
    scopes: list[str] = []
    pending_scope = "other"
    for index, word in enumerate(words):
        if word == "{":
            scopes.append(pending_scope)
            pending_scope = "other"
            depth += 1
            continue
        if word == "}":
            if scopes:
                scopes.pop()
            depth = max(0, depth - 1)
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "extension":
            pending_scope = "extension"
            continue
        if word in {"struct", "enum", "class", "actor", "protocol"} and IDENTIFIER.fullmatch(following):
            if words[index - 1 : index] != ["."]:  # not `.self`-style member named like a keyword
                declared.add(following)
                pending_scope = "type"
            continue
        if word == "typealias" and IDENTIFIER.fullmatch(following):
            declared.add(following)
            continue
        if word in {"func", "var", "let", "case"} and IDENTIFIER.fullmatch(following):
            if words[index - 1 : index] == ["."]:
                continue
            scope = scopes[-1] if scopes else "top"
            if scope == "top" and word != "case":
                declared.add(following)
                continue
            members.add(following)
            if scope == "extension" and word != "let":
                extension_members.add(following)
    return declared, extension_members, members


def swift_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.swift") if ".build" not in path.parts)


def node_of(path: Path, root: Path, has_folders: bool) -> str:
    """`Target/Folder` for a file in a folder of a target that has folders, else the target's name."""
    relative = path.relative_to(root)
    target = root.name
    if not has_folders:
        return target
    return f"{target}/{relative.parts[0]}" if len(relative.parts) > 1 else f"{target}/(top)"


def target_graph() -> dict[str, list[str]] | None:
    """The package's targets and the targets each depends on, from `swift package dump-package`; `None` without
    SwiftPM."""
    try:
        dump = subprocess.run(
            ["swift", "package", "dump-package"], cwd=PROJECT, capture_output=True, text=True, check=True, timeout=300
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    graph: dict[str, list[str]] = {}
    for target in json.loads(dump)["targets"]:
        names = []
        for dependency in target.get("dependencies", []):
            for kind in ("byName", "target"):
                if kind in dependency:
                    names.append(dependency[kind][0])
        graph[target["name"]] = names
    return graph


# The one door to each native library: only these files may import it.
NATIVE_DOORS = {"CBLAS": "Sources/EvidentLinearAlgebra/BLAS.swift", "CEvidentKernels": "Sources/EvidentLinearAlgebra/Kernels.swift"}
# The engine's targets, whose messages state facts and leave the advice (and the flags) to the front ends.
ENGINE_TARGETS = ("Evident", "EvidentCorpus", "EvidentStorage", "EvidentLinearAlgebra")
FLAG_IN_STRING = re.compile(r'"[^"\n]*(?<![\w-])--[a-z][a-z-]*')


def door_and_wording_problems() -> list[str]:
    """Imports of a native library outside its door, anywhere in Sources/ and Tests/, and command-line flags in the
    string literals of the engine's targets."""
    problems = []
    for folder in ("Sources", "Tests"):
        for path in swift_files(PROJECT / folder):
            relative = str(path.relative_to(PROJECT))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                match = re.match(r"\s*(?:@\w+\s+)*(?:public |package |internal )?import (\w+)", line)
                if match and match.group(1) in NATIVE_DOORS and NATIVE_DOORS[match.group(1)] != relative:
                    problems.append(
                        f"{relative}:{number}: imports {match.group(1)}; only {NATIVE_DOORS[match.group(1)]} may")
                if relative.split("/")[1] in ENGINE_TARGETS and not line.lstrip().startswith("//"):
                    if FLAG_IN_STRING.search(line):
                        problems.append(f"{relative}:{number}: a command-line flag in the engine's words: {line.strip()}")
    return problems


def strongly_connected_components(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index_of[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(edges.get(node, ())):
            if successor not in index_of:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index_of[successor])
        if low[node] == index_of[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in nodes:
        if node not in index_of:
            visit(node)
    return components


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", nargs="+", type=Path, help="source roots; default: Sources/Evident*")
    parser.add_argument("--dot", action="store_true", help="print the graph in Graphviz dot")
    parser.add_argument("--edges", action="store_true", help="print every edge with the names behind it")
    parser.add_argument("--verbose", action="store_true", help="also list the names declared in several folders")
    parser.add_argument("--quiet", action="store_true", help="print only the verdict (and any cycle)")
    parser.add_argument("--targets", action="store_true", help="also print the SwiftPM target graph")
    arguments = parser.parse_args()

    roots = arguments.root or sorted(
        path for path in (PROJECT / "Sources").iterdir()
        if path.is_dir() and path.name.startswith("Evident") and path.name not in {"EvidentCLI", "EvidentServer",
                                                                                       "EvidentTestSupport"}
        and any(path.rglob("*.swift"))
    )
    files: dict[str, list[tuple[Path, str]]] = defaultdict(list)
    for root in roots:
        paths = swift_files(root)
        has_folders = any(len(path.relative_to(root).parts) > 1 for path in paths)
        for path in paths:
            code = strip_comments_and_strings(path.read_text(encoding="utf-8"))
            files[node_of(path, root, has_folders)].append((path, code))
    if not files:
        print("layering: no Swift files under " + ", ".join(map(str, roots)), file=sys.stderr)
        return 2

    # A member that an extension adds counts only when no other folder declares a member of that name: `count`
    # or `encode` in an extension says nothing about which folder a use of `.count` reaches.
    owners: dict[str, set[str]] = defaultdict(set)
    member_owners: dict[str, set[str]] = defaultdict(set)
    added: dict[str, set[str]] = defaultdict(set)
    for node, entries in files.items():
        for _, code in entries:
            types, extension_members, members = declarations(code)
            for name in types:
                owners[name].add(node)
            for name in members:
                member_owners[name].add(node)
            for name in extension_members:
                added[name].add(node)
    for name, nodes in added.items():
        if member_owners[name] == nodes:
            owners[name] |= nodes
    unique = {name: next(iter(nodes)) for name, nodes in owners.items() if len(nodes) == 1}
    ambiguous = {name: nodes for name, nodes in owners.items() if len(nodes) > 1}

    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for node, entries in files.items():
        for _, code in entries:
            for word in set(IDENTIFIER.findall(code)):
                owner = unique.get(word)
                if owner is not None and owner != node:
                    edges[node][owner].add(word)

    nodes = sorted(files)
    graph = {node: set(edges[node]) for node in nodes}
    cycles = [component for component in strongly_connected_components(nodes, graph) if len(component) > 1]

    if arguments.dot:
        print("digraph folders {")
        for node in nodes:
            for target in sorted(graph[node]):
                print(f'  "{node}" -> "{target}";')
        print("}")
    elif not arguments.quiet:
        for node in nodes:
            targets = sorted(graph[node])
            print(f"{node} -> {', '.join(targets) if targets else '(nothing)'}")
            if arguments.edges:
                for target in targets:
                    names = sorted(edges[node][target])
                    shown = ", ".join(names[:12]) + (f" … ({len(names)} names)" if len(names) > 12 else "")
                    print(f"    {target}: {shown}")
    if arguments.targets:
        graph = target_graph()
        if graph is None:
            print("\n(swift package dump-package failed: no target graph)")
        else:
            print("\nSwiftPM targets (SwiftPM itself refuses a cycle between them):")
            for name in sorted(graph):
                print(f"  {name} -> {', '.join(sorted(graph[name])) or '(nothing)'}")
    if arguments.verbose:
        print("\nnames declared in several folders (not counted):")
        for name in sorted(ambiguous):
            print(f"  {name}: {', '.join(sorted(ambiguous[name]))}")

    problems = door_and_wording_problems() if arguments.root is None else []
    for problem in problems:
        print(f"layering: {problem}", file=sys.stderr)
    if cycles:
        print("\nlayering: the folders do not form a stack; each line is a cycle (run with --edges to see why):",
              file=sys.stderr)
        for component in cycles:
            print("  " + " <-> ".join(component), file=sys.stderr)
        return 1
    if problems:
        return 1
    print(
        f"\nlayering: {len(nodes)} folders form a stack (no cycle); native libraries are reached only through their"
        " doors; the engine's strings name no command-line flag",
        file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

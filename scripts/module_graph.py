#!/usr/bin/env python3
"""ferry's module graph, written once: the `ferry_module(NAME DEPS ...)` lines of CMakeLists.txt.

Each module is a static library `ferry_<dir>`; its DEPS on other `ferry_*` libraries are the
allowed arrows. This script checks the source tree and the documentation against them:

  module_graph.py check [ROOT]     every `#include "X/..."` in module M (M/*.{hpp,cpp} and
                                   M/detail/) names M itself or a module M reaches through DEPS;
                                   the graph has no cycle; ARCHITECTURE.md's generated block
                                   equals `render` (so the doc names every arrow and every
                                   module one includes). Prints each violation; exit 1 if any.
  module_graph.py render [ROOT]    prints the block ARCHITECTURE.md holds between
                                   <!-- module-graph:begin --> and <!-- module-graph:end -->.
  module_graph.py update [ROOT]    rewrites that block in ARCHITECTURE.md.
  module_graph.py selftest [ROOT]  proves the check catches what it must: for every ordered pair
                                   of modules (A, B) where B is not below A, an include of B in A
                                   is refused; and on a copy of the tree, includes injected into
                                   real files (core -> cli, manifest -> sync, http -> registry)
                                   make `check` fail naming each, while the untouched copy passes.

cli/ is the executable: it may include any module. tests/ are not checked.
"""
import re
import subprocess
import sys
from pathlib import Path

BEGIN, END = "<!-- module-graph:begin -->", "<!-- module-graph:end -->"
MODULE_CALL = re.compile(r"^\s*ferry_module\(\s*(\w+)((?:[^)]|\n)*)\)", re.M)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def read_graph(root: Path) -> dict:
    """{module: set of modules it depends on directly}, from CMakeLists.txt."""
    text = (root / "CMakeLists.txt").read_text()
    graph = {}
    for name, rest in MODULE_CALL.findall(text):
        deps = re.findall(r"\bferry_(\w+)", rest)
        graph[name] = set(deps)
    if not graph:
        raise SystemExit("module_graph: no ferry_module(...) calls in CMakeLists.txt")
    return graph


def reachable(graph: dict, start: str) -> set:
    seen, todo = set(), list(graph.get(start, ()))
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph.get(m, ()))
    return seen


def floors(graph: dict) -> dict:
    """Each module's floor: 0 for a module with no module dependency, else 1 + the highest
    floor among its dependencies (raises on a cycle)."""
    result, visiting = {}, set()

    def floor(m):
        if m in result:
            return result[m]
        if m in visiting:
            raise SystemExit(f"module_graph: cycle through {m}")
        visiting.add(m)
        result[m] = 1 + max((floor(d) for d in graph[m]), default=-1)
        visiting.discard(m)
        return result[m]

    for m in graph:
        floor(m)
    return result


def render(graph: dict, includes: dict) -> str:
    """The table ARCHITECTURE.md holds: floors, the declared arrows, and the modules whose
    headers each module's code includes beyond its direct arrows (reached through them)."""
    level = floors(graph)
    lines = ["| floor | module | depends on (CMakeLists.txt DEPS) | also includes (reached through those) |",
             "|---:|---|---|---|"]
    cli_uses = ", ".join(sorted(includes.get("cli", ()))) or "—"
    lines.append(f"| {max(level.values()) + 1} | cli (the `ferry` executable) | any module | {cli_uses} |")
    for m in sorted(graph, key=lambda m: (-level[m], m)):
        deps = ", ".join(sorted(graph[m])) or "—"
        further = ", ".join(sorted(includes.get(m, set()) - graph[m] - {m})) or "—"
        lines.append(f"| {level[m]} | {m} | {deps} | {further} |")
    return "\n".join(lines)


def include_edges(root: Path, graph: dict) -> dict:
    """{module or "cli": set of modules whose headers its sources include}."""
    edges = {}
    for rel in tracked_sources(root):
        module = rel.split("/", 1)[0]
        if module not in graph and module != "cli":
            continue
        path = root / rel
        if not path.is_file():
            continue
        for line in path.read_text(errors="replace").splitlines():
            found = INCLUDE.match(line)
            if found and found.group(1) in graph and found.group(1) != module:
                edges.setdefault(module, set()).add(found.group(1))
    return edges


def tracked_sources(root: Path) -> list:
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "--", "*.cpp", "*.hpp"],
                             capture_output=True, text=True, check=True).stdout.split()
        if out:
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.suffix in (".cpp", ".hpp")]


def include_violations(root: Path, graph: dict) -> list:
    problems = []
    for rel in tracked_sources(root):
        module = rel.split("/", 1)[0]
        if module not in graph:
            continue  # cli/, tests/, tools
        path = root / rel
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            found = INCLUDE.match(line)
            if not found:
                continue
            target = found.group(1)
            if not allowed_include(graph, module, target):
                problems.append(f"{rel}:{number}: {module} includes {target}/, which {module} does not "
                                f"depend on (CMakeLists.txt: ferry_module({module} DEPS ...))")
    return problems


def allowed_include(graph: dict, module: str, target: str) -> bool:
    """The rule `check` applies to one include edge."""
    return target != "cli" and (target not in graph or target == module or target in reachable(graph, module))


def selftest(root: Path) -> int:
    import shutil
    import tempfile
    graph = read_graph(root)
    failures = []
    for a in graph:
        for b in list(graph) + ["cli"]:
            below = b in reachable(graph, a) or b == a
            if allowed_include(graph, a, b) != below:
                failures.append(f"rule: {a} -> {b} judged {'allowed' if not below else 'refused'}")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "tree"
        copy.mkdir()
        for name in ["CMakeLists.txt", "ARCHITECTURE.md", *graph, "cli"]:
            src = root / name
            if src.is_dir():
                shutil.copytree(src, copy / name, ignore=shutil.ignore_patterns("examples"))
            elif src.exists():
                shutil.copy(src, copy / name)
        if main(["", "check", str(copy)]) != 0:
            failures.append("the untouched copy does not pass")
        injected = {"core/log.hpp": "cli/app.hpp", "manifest/digest.hpp": "sync/runner.hpp",
                    "http/session.hpp": "registry/client.hpp"}
        for file, header in injected.items():
            path = copy / file
            path.write_text(f'#include "{header}"\n' + path.read_text())
        problems = include_violations(copy, graph)
        for file, header in injected.items():
            if not any(p.startswith(f"{file}:1: ") and f"includes {header.split('/')[0]}/" in p for p in problems):
                failures.append(f"an include of {header} in {file} was not caught")
    for f in failures:
        print("selftest:", f)
    print(f"module_graph selftest: {'FAILED' if failures else 'ok'} ({len(graph)} modules)")
    return 1 if failures else 0


def doc_block(root: Path):
    text = (root / "ARCHITECTURE.md").read_text()
    if BEGIN not in text or END not in text:
        return text, None
    head, rest = text.split(BEGIN, 1)
    block, tail = rest.split(END, 1)
    return text, block.strip("\n")


def main(argv):
    command = argv[1] if len(argv) > 1 else "check"
    root = Path(argv[2] if len(argv) > 2 else Path(__file__).resolve().parent.parent)
    if command == "selftest":
        return selftest(root)
    graph = read_graph(root)
    table = render(graph, include_edges(root, graph))
    if command == "render":
        print(table)
        return 0
    if command == "update":
        text, block = doc_block(root)
        if block is None:
            raise SystemExit(f"module_graph: ARCHITECTURE.md has no {BEGIN} ... {END} block")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        (root / "ARCHITECTURE.md").write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")
        return 0
    if command != "check":
        raise SystemExit(__doc__)
    problems = include_violations(root, graph)
    floors(graph)  # a cycle ends here with its message
    _, block = doc_block(root)
    if block is None:
        problems.append(f"ARCHITECTURE.md: no generated module graph ({BEGIN} ... {END})")
    elif block != table:
        problems.append("ARCHITECTURE.md: the module graph block differs from CMakeLists.txt's "
                        "ferry_module DEPS; run `python3 scripts/module_graph.py update`")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

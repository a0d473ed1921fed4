#!/usr/bin/env bash
# Checks the module graph (scripts/module_graph.py: every include follows the arrows of
# CMakeLists.txt's ferry_module DEPS, no cycle, ARCHITECTURE.md's table matches) and the
# ownership rules of ARCHITECTURE.md ("Primitives") that the compiler cannot:
#  - only store/ (and store's own unit tests) include store/detail/ headers: everyone else
#    goes through the seam, store/store.hpp and store/open.hpp;
#  - only core/ renames files into place (core/file_io.hpp owns atomic writes);
#  - no tracked text file holds a merge's conflict markers (a resolved merge once left some
#    in README.md and ARCHITECTURE.md).
# Prints each offending line and exits 1; exits 0 when the tree follows the rules.
set -u
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root" || exit 2
status=0
if ! python3 "$root/scripts/module_graph.py" check "$root"; then
    echo "the module graph is broken (see above; python3 scripts/module_graph.py update rewrites ARCHITECTURE.md's table)"
    status=1
fi
# Every key the plan's top level and its sync entries accept is named in ARCHITECTURE.md's plan
# table (the key lists of reader.map in plan/plan.cpp and plan/sync_section.cpp).
plan_table="$(sed -n '/^## The plan file/,/^## /p' ARCHITECTURE.md)"
for file in plan/plan.cpp plan/sync_section.cpp; do
    keys=$(tr '\n' ' ' <"$file" | grep -oE 'reader\.map\([^{]*\{[^}]*\}' | grep -oE '"[a-z_]+"' | tr -d '"' | sort -u)
    for key in $keys; do
        if ! grep -qE "\`$key:?\`" <<<"$plan_table"; then
            echo "ARCHITECTURE.md's plan table does not name the key '$key' ($file accepts it)"
            status=1
        fi
    done
done
sources() { git ls-files -- '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.cpp' -o -name '*.hpp'; }

if hits=$(sources | grep -v -e '^store/' -e '^tests/unit/store/' | xargs grep -n '#include "store/detail/' 2>/dev/null); then
    echo "store/detail/ included outside store/ (use store/store.hpp or store/open.hpp):"
    echo "$hits"
    status=1
fi
if hits=$(sources | grep -v -e '^core/' -e '^tests/' | xargs grep -nE '(^|[^_[:alnum:]])(std::)?(::)?rename\(|fs::rename\(|filesystem::rename\(' 2>/dev/null); then
    echo "a file renamed into place outside core/ (use core::fileio):"
    echo "$hits"
    status=1
fi
if hits=$(git ls-files 2>/dev/null | grep -v -e '^wip/' -e '\.bundle$' | xargs grep -HnIE '^(<<<<<<< |>>>>>>> |=======$)' 2>/dev/null); then
    echo "merge conflict markers left in:"
    echo "$hits"
    status=1
fi
exit $status

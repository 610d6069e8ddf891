#!/usr/bin/env bash
# Refreshes the shipped SigmaHQ snapshot (rules/sigma/sigmahq/) from a local SigmaHQ checkout,
# without network access.
#
#   scripts/update-sigma.sh SIGMA_CHECKOUT [COMMIT]
#
# SIGMA_CHECKOUT is a clone of https://github.com/SigmaHQ/sigma (or a folder with the same layout:
# rules/, rules-emerging-threats/, …, such as ../shared/testdata/sigma/rules). With COMMIT the files
# are read from that commit of the clone (`git archive`, so the working tree may be anywhere);
# without it, from the working tree as it is.
#
# Which rules are copied, the same way on every run:
#   - from the folders in SIGMA_FOLDERS (default: rules rules-emerging-threats; SigmaHQ's
#     rules-threat-hunting/ holds hunting queries, too broad to raise alerts, and deprecated/,
#     unsupported/, rules-placeholder/, rules-compliance/ are never read),
#   - every .yml file whose `status` is not deprecated or unsupported,
#   - whose logsource rules/sigma/config.yml maps: each of the rule's product, category and service
#     is named by a config entry all of whose keys equal the rule's values (case-insensitive). That
#     is SigmaConfig.scope's test for "not no event"; SigmaConfigTests checks that the snapshot is
#     exactly this selection.
# Files are copied unmodified (each keeps its author: the DRL asks for it), in SigmaHQ's folder
# structure under rules/sigma/sigmahq/, which is emptied first.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 SIGMA_CHECKOUT [COMMIT]" >&2
    exit 2
fi
checkout=$1
commit=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
config=$root/rules/sigma/config.yml
target=$root/rules/sigma/sigmahq
folders=${SIGMA_FOLDERS:-rules rules-emerging-threats}
export LC_ALL=C

[[ -d $checkout ]] || { echo "no folder $checkout" >&2; exit 1; }
[[ -f $config ]] || { echo "no configuration $config" >&2; exit 1; }

source=$checkout
scratch=
if [[ -n $commit ]]; then
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    # shellcheck disable=SC2086  # folders is a list of names
    git -C "$checkout" archive --format=tar "$commit" -- $folders | tar -x -C "$scratch"
    source=$scratch
    commit=$(git -C "$checkout" rev-parse "$commit^{commit}")
elif git -C "$checkout" rev-parse --git-dir >/dev/null 2>&1; then
    commit=$(git -C "$checkout" rev-parse HEAD)
    if [[ -n $(git -C "$checkout" status --porcelain -- $folders) ]]; then
        echo "warning: $checkout has local changes; pass a COMMIT for a reproducible snapshot" >&2
    fi
else
    commit=unknown
fi

# The selection, in awk: the configuration's entries first, then each rule's status and logsource.
# shellcheck disable=SC2016  # the program is awk, not shell
program='
    function clean(text) {
        sub(/[ \t]+#.*$/, "", text)
        gsub(/^[ \t"\047]+|[ \t"\047]+$/, "", text)
        return tolower(text)
    }
    function decide(    name, e, n, list, i, applies, covered) {
        if (status == "deprecated" || status == "unsupported") return
        for (name in rule) {
            covered = 0
            for (e = 1; e <= entries && !covered; e++) {
                n = split(keys[e], list, " ")
                applies = 1
                for (i = 1; i <= n; i++) if (!(list[i] in rule) || rule[list[i]] != entry[e, list[i]]) applies = 0
                if (applies && index(" " keys[e] " ", " " name " ")) covered = 1
            }
            if (!covered) return
        }
        print file
    }
    FILENAME == config {
        if ($0 ~ /^[a-z]/) { inside = ($0 ~ /^logsources:/); next }
        if (!inside) next
        if ($0 ~ /^  - /) entries++
        if (match($0, /^(  - |    )(product|category|service):/)) {
            key = substr($0, 5, RLENGTH - 5)
            entry[entries, key] = clean(substr($0, RLENGTH + 1))
            keys[entries] = keys[entries] " " key
        }
        next
    }
    FNR == 1 {
        if (file != "") decide()
        file = FILENAME; status = ""; inlog = 0; split("", rule)
    }
    /^status:/ { status = clean(substr($0, 8)) }
    /^[^ \t#]/ { inlog = ($0 ~ /^logsource:/) }
    inlog && match($0, /^[ \t]+(product|category|service):/) {
        key = $0; sub(/^[ \t]+/, "", key); sub(/:.*/, "", key)
        rule[key] = clean(substr($0, RLENGTH + 1))
    }
    END { if (file != "") decide() }
'

cd "$source"
# shellcheck disable=SC2086  # folders is a list of names
list=$(find $folders -type f -name '*.yml' | sort | xargs -r -d '\n' awk -v config="$config" "$program" "$config" | sort)

rm -rf "$target"
mkdir -p "$target"
count=0
while IFS= read -r path; do
    [[ -n $path ]] || continue
    mkdir -p "$target/$(dirname "$path")"
    cp "$path" "$target/$path"
    count=$((count + 1))
done <<<"$list"

bytes=$(find "$target" -type f -name '*.yml' -exec cat {} + | wc -c)
echo "rules/sigma/sigmahq: $count rule files, $bytes bytes, from SigmaHQ commit $commit (folders: $folders)"
if [[ $commit != unknown ]]; then
    echo "update the commit in rules/sigma/README.md if it changed"
fi

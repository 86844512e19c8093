#!/bin/sh
# Usage (inside a sandbox): bench/iproute2.sh PLAN
#
# Runs PLAN, `ip` command lines as vethkit's --dry-run prints them, the
# fastest way iproute2 allows, in three batches that keep each line after
# those it needs:
#   1. one `ip -batch` of the namespaces and the sysctls set inside them
#      (`ip netns exec NS sysctl -w ...`: ip forks sysctl for each);
#   2. one `ip -batch` of the links made in the caller's namespace, then
#      one `sysctl -w` of the sysctls set there (the ends' disable_ipv6),
#      then one `ip -batch` of the other lines for it (bridge, ports,
#      addresses, links up);
#   3. one `ip -n NS -batch -` a namespace, for its lines.
# A line of any other form stops it: the plan would need another batching.
set -eu
plan=$1
awk -v first=/run/ip-batch-1 -v links=/run/ip-batch-links -v sysctls=/run/sysctls \
    -v second=/run/ip-batch-2 -v each=/run/ip-batch-netns '
    /^ip netns (add|exec) / { sub(/^ip /, ""); print > first; next }
    /^ip -n [^ ]+ / { netns = $3; sub(/^ip -n [^ ]+ /, ""); print netns, $0 > each; next }
    /^ip link add / { sub(/^ip /, ""); print > links; next }
    /^ip / { sub(/^ip /, ""); print > second; next }
    /^sysctl -w [^ ]+$/ { print $3 > sysctls; next }
    { print "iproute2.sh: no batch for: " $0 > "/dev/stderr"; exit 1 }
' "$plan"
for batch in /run/ip-batch-1 /run/ip-batch-links /run/sysctls /run/ip-batch-2; do
    [ -s "$batch" ] || continue
    case $batch in
    */sysctls) xargs sysctl -q -w < "$batch" ;;
    *) ip -batch "$batch" ;;
    esac
done
# The lines of each namespace in their order, one ip a namespace (the
# plans put each namespace's lines together).
[ ! -s /run/ip-batch-netns ] || awk '{ netns = $1; sub(/^[^ ]+ /, ""); if (netns != last) { if (last != "") close(command); command = "ip -n " netns " -batch -"; last = netns } print | command }' \
    /run/ip-batch-netns

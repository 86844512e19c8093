#!/bin/sh
# Usage (inside a sandbox): bench/lab.sh METHOD N [RSS_LOG]
#
# Builds a lab of N hosts -- each a namespace hI with a veth end vI in it,
# addressed 10.0.X.Y/16 with a default route via the bridge, the other end
# bI on bridge br0 (10.0.0.1/16), everything up -- and measures it to
# working: the build has exited, every port is up on br0, a sample of hosts
# (the first, the middle, the last and five more) answer a ping to the
# gateway, and the CPUs are quiet again (`vethkit-bench quiet`). Then, for
# vethkit and iproute2, takes it down. Prints "EXIT_MS WORKING_MS USER_MS
# SYSTEM_MS DOWN_MS DOWN_QUIET_MS": the build's exit and the lab working,
# after the start; the CPU time all CPUs spent meanwhile; the teardown's
# exit (the namespaces and links are gone then) and the CPUs quiet after
# it (the kernel frees dead namespaces in the background); "-" when not
# measured.
#
# With QUIET=1 both ends of each host have their IPv6 off (veth-add
# --no-ipv6 --peer-no-ipv6).
#
# METHOD:
#   vethkit   veth-add --batch FILE | br-attach br0 --addr ... -, then netns-reset --all
#             (with RSS_LOG, each vethkit command's peak memory is appended there)
#   iproute2  the same final state the fastest way iproute2 allows: vethkit's
#             own --dry-run lines, in PLAN (bench/plan.sh), run by
#             bench/iproute2.sh; taken down with one ip -batch of link del
#             and netns del
#   floor     the kernel's share: one ip -batch of the namespaces, the veths
#             and the ports alone (no addresses, routes or sysctls, the
#             hosts' ends left down)
set -eu
here=$(dirname "$0")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
method=$1
n=$2
rss_log=${3:-}

hosts "$n" > /run/hosts

measure_rss() {
    if [ -n "$rss_log" ]; then
        vethkit-bench rss "$rss_log" "$@"
    else
        "$@"
    fi
}

fail() {
    echo "lab.sh: $method, $n hosts: $*" >&2
    exit 1
}

# The sample of hosts that must answer: the first, the middle, the last,
# and five drawn at random (the same five in every run of this N).
sample=$(awk -v n="$n" 'BEGIN { srand(n); printf "1 %d %d", (n + 1) / 2, n; for (k = 0; k < 5; k++) printf " %d", 1 + int(rand() * n) }')

# shellcheck disable=SC2046 # three numbers
set -- $(vethkit-bench now)
start=$1 user_start=$2 system_start=$3
case $method in
vethkit)
    measure_rss veth-add --batch /run/hosts | measure_rss br-attach br0 --addr 10.0.0.1/16 - ;;
iproute2)
    sh "$here/iproute2.sh" "${PLAN:?iproute2 needs PLAN, from bench/plan.sh}" ;;
floor)
    i=1
    while [ "$i" -le "$n" ]; do
        echo "netns add h$i"
        echo "link add b$i up type veth peer name v$i netns h$i"
        i=$((i + 1))
    done > /run/ip-batch
    {
        echo "link add br0 type bridge"
        echo "link set br0 up"
        i=1
        while [ "$i" -le "$n" ]; do echo "link set b$i master br0"; i=$((i + 1)); done
    } >> /run/ip-batch
    ip -batch /run/ip-batch ;;
*)
    echo "lab.sh: unknown method $method" >&2
    exit 2 ;;
esac > /dev/null
exited=$(($(vethkit-bench now | cut -d' ' -f1) - start))

if [ "$method" = floor ]; then
    ports=$(ip -o link show master br0 | wc -l)
    [ "$ports" -eq "$n" ] || fail "$ports of $n ports on br0"
else
    ports=$(ip -o link show master br0 | grep -c ' state UP ' || true)
    [ "$ports" -eq "$n" ] || fail "$ports of $n ports up on br0"
    for host in $sample; do
        tries=0
        until nsenter --net="/run/netns/h$host" ping -c 1 -W 1 -q 10.0.0.1 > /dev/null; do
            tries=$((tries + 1))
            [ "$tries" -lt 30 ] || fail "h$host does not answer"
        done
    done
fi
quiet=$(vethkit-bench quiet) || fail "the CPUs did not go quiet"
# shellcheck disable=SC2086 # three numbers
set -- $quiet
working=$(($1 - start)) user=$(($2 - user_start)) system=$(($3 - system_start))

[ "$method" = floor ] || for host in 1 "$n"; do
    ip -n "h$host" -o address show dev "v$host" | grep -q " $(address "$host") " ||
        fail "h$host has no address $(address "$host")"
    ip -n "h$host" route show default | grep -q "via 10.0.0.1 dev v$host" ||
        fail "h$host has no default route"
    ip -n "h$host" -o link show lo | grep -q 'state UNKNOWN' || fail "h$host: lo is down"
    if [ -n "${QUIET:-}" ]; then
        ! ip -n "h$host" -o address show dev "v$host" | grep -q inet6 || fail "h$host has IPv6"
        ! ip -o address show dev "b$host" | grep -q inet6 || fail "port b$host has IPv6"
    fi
done

case $method in
vethkit) teardown() { measure_rss netns-reset --all; } ;;
iproute2)
    teardown() {
        {
            i=1
            while [ "$i" -le "$n" ]; do echo "link del b$i"; i=$((i + 1)); done
            echo "link del br0"
            i=1
            while [ "$i" -le "$n" ]; do echo "netns del h$i"; i=$((i + 1)); done
        } > /run/ip-teardown
        ip -batch /run/ip-teardown
    } ;;
floor)
    echo "$exited $working $user $system - -"
    exit 0 ;;
esac
start=$(vethkit-bench now | cut -d' ' -f1)
teardown
down=$(($(vethkit-bench now | cut -d' ' -f1) - start))
[ -z "$(ip netns list)" ] || fail "namespaces left after the teardown"
[ "$(ip -o link show | wc -l)" -eq 1 ] || fail "links left after the teardown"
quiet=$(vethkit-bench quiet) || fail "the CPUs did not go quiet after the teardown"
echo "$exited $working $user $system $down $((${quiet%% *} - start))"

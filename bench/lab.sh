#!/bin/sh
# Usage (inside a sandbox): bench/lab.sh METHOD N [RSS_LOG]
#
# Builds a lab of N hosts -- each a namespace hI with a veth end vI in it,
# addressed 10.0.X.Y/16 with a default route via the bridge, the other end
# bI on bridge br0 (10.0.0.1/16), everything up -- checks that it is
# there, and for vethkit and iproute2 takes it down again and checks that
# nothing is left. Prints "BUILD_MS TEARDOWN_MS" ("-" when not measured).
#
# With QUIET=1, an nftables bridge rule drops the hosts' IPv6 at br0 before
# it is flooded (a diagnostic: the hosts' IPv6 autoconfiguration -- DAD, MLD
# reports, router solicitations, four packets a host -- is flooded to every
# port, which makes a big lab's build quadratic in the kernel).
#
# METHOD:
#   vethkit   veth-add --batch FILE | br-attach br0 --addr ... -, then netns-reset --all
#             (with RSS_LOG, each vethkit command's peak memory is appended there)
#   iproute2  the fastest iproute2 script: one ip -batch for the bridge, the
#             namespaces, the veths and the ports, then one ip -n hI -batch -
#             a namespace for lo, the address, up and the route; taken down
#             with one ip -batch of link del and netns del
#   loop      the walk-through's way: a shell loop of single ip commands
#   floor     the kernel's share alone: the first ip -batch of iproute2 (the
#             bridge, the namespaces, the veths and the ports) and nothing
#             else: no addresses or routes, the hosts' ends left down
set -eu
here=$(dirname "$0")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
method=$1
n=$2
rss_log=${3:-}

if [ -n "${QUIET:-}" ]; then
    nft -f - <<'RULES'
table bridge bench-quiet {
    chain prerouting {
        type filter hook prerouting priority 0;
        ether type ip6 drop
    }
}
RULES
fi

address() { echo "10.0.$(($1 / 250)).$(($1 % 250 + 2))/16"; }

i=1
while [ "$i" -le "$n" ]; do
    echo "v$i b$i --netns h$i --addr $(address "$i") --gateway 10.0.0.1"
    i=$((i + 1))
done > /run/hosts
{
    echo "link add br0 type bridge"
    echo "link set br0 up"
    echo "address add 10.0.0.1/16 dev br0"
    i=1
    while [ "$i" -le "$n" ]; do
        echo "netns add h$i"
        echo "link add b$i up type veth peer name v$i netns h$i"
        echo "link set b$i master br0"
        i=$((i + 1))
    done
} > /run/ip-batch

measure_rss() {
    if [ -n "$rss_log" ]; then
        vethkit-bench rss "$rss_log" "$@"
    else
        "$@"
    fi
}

start=$(now_ms)
case $method in
vethkit)
    measure_rss veth-add --batch /run/hosts | measure_rss br-attach br0 --addr 10.0.0.1/16 - ;;
iproute2)
    ip -batch /run/ip-batch
    i=1
    while [ "$i" -le "$n" ]; do
        printf 'link set lo up\nlink set v%s up\naddress add %s dev v%s\nroute add default via 10.0.0.1\n' \
            "$i" "$(address "$i")" "$i" | ip -n "h$i" -batch -
        i=$((i + 1))
    done ;;
floor)
    ip -batch /run/ip-batch ;;
loop)
    ip link add br0 type bridge
    ip link set br0 up
    ip address add 10.0.0.1/16 dev br0
    i=1
    while [ "$i" -le "$n" ]; do
        ip netns add "h$i"
        ip link add "b$i" type veth peer name "v$i" netns "h$i"
        ip link set "b$i" master br0
        ip link set "b$i" up
        ip -n "h$i" link set lo up
        ip -n "h$i" address add "$(address "$i")" dev "v$i"
        ip -n "h$i" link set "v$i" up
        ip -n "h$i" route add default via 10.0.0.1
        i=$((i + 1))
    done ;;
*)
    echo "lab.sh: unknown method $method" >&2
    exit 2 ;;
esac
build=$(($(now_ms) - start))

fail() {
    echo "lab.sh: $method, $n hosts: $*" >&2
    exit 1
}
if [ "$method" = floor ]; then
    ports=$(ip -o link show master br0 | wc -l)
    [ "$ports" -eq "$n" ] || fail "$ports of $n ports on br0"
    echo "$build -"
    exit 0
fi
ports=$(ip -o link show master br0 | grep -c ' state UP ' || true)
[ "$ports" -eq "$n" ] || fail "$ports of $n ports up on br0"
for host in 1 "$n"; do
    ip -n "h$host" -o address show dev "v$host" | grep -q " $(address "$host") " ||
        fail "h$host has no address $(address "$host")"
    ip -n "h$host" route show default | grep -q "via 10.0.0.1 dev v$host" ||
        fail "h$host has no default route"
    ip -n "h$host" -o link show lo | grep -q 'state UNKNOWN' || fail "h$host: lo is down"
done

if [ -n "${QUIET:-}" ]; then
    echo "$build -"
    exit 0
fi
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
loop)
    echo "$build -"
    exit 0 ;;
esac
settle
start=$(now_ms)
teardown
down=$(($(now_ms) - start))
[ -z "$(ip netns list)" ] || fail "namespaces left after the teardown"
[ "$(ip -o link show | wc -l)" -eq 1 ] || fail "links left after the teardown"
echo "$build $down"

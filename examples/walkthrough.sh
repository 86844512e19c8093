#!/bin/sh
# The classic ip/iptables walk-through, step by step, done with vethkit.
# `make demo` runs it inside a throwaway sandbox (tests/sandbox): it never
# touches the host's network. Each command is shown before it runs.
set -eu

if [ -t 1 ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold='' plain=''; fi
say() { printf '\n%s## %s%s\n' "$bold" "$*" "$plain"; }
run() { printf '$ %s\n' "$*"; "$@"; }
run_sh() { printf '$ %s\n' "$1"; sh -c "$1"; }
# await FILE WORD: wait (up to 10 s) until a line of FILE starts with WORD.
await() {
    tries=0
    until grep -q "^$2" "$1" 2>/dev/null; do
        tries=$((tries + 1)); [ "$tries" -lt 100 ] || { echo "no $2 in $1" >&2; exit 1; }
        sleep 0.1
    done
}

say "0. The lab: a fake outside world, made by hand"
echo "# An 'outside' namespace holding 203.0.113.1 (TEST-NET-3), reached through the uplink 203.0.113.2:"
run ip netns add outside
run ip link add uplink type veth peer name wan netns outside
run ip addr add 203.0.113.2/24 dev uplink
run ip link set uplink up
run ip -n outside addr add 203.0.113.1/24 dev wan
run ip -n outside link set wan up
run ip route add default via 203.0.113.1
snapshot() {
    ip -br link show; ip -br address show; ip route show; ip netns list
    nft list ruleset; sysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter
}
snapshot > /run/before
echo "# (a snapshot of this state is kept in /run/before, for the end)"

say "1. A veth pair, both ends in this namespace"
run veth-add veth1 veth2 --addr 10.1.1.1/24 --peer-addr 10.1.1.2/24
run ip -br address show
echo "# Pinging across one namespace needs accept_local and a relaxed rp_filter."
echo "# sysctl-set keeps the old values, so they can be put back:"
run sysctl-set net.ipv4.conf.veth1.accept_local=1 net.ipv4.conf.veth2.accept_local=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.veth1.rp_filter=0 net.ipv4.conf.veth2.rp_filter=0
run ping -c 2 -I veth2 10.1.1.1
run sysctl-set --restore
run sysctl-set net.ipv4.conf.veth1.accept_local
run ip link del veth1

say "2. The ends in two namespaces"
echo "# What it will do, as ip commands:"
run veth-add --dry-run veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24
run veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24
run ip netns list
run netns-exec ns1 ip -br address show
run netns-exec ns2 ping -c 2 10.1.1.1

say "3. A bridge joining two more namespaces"
run br-attach br0 --addr 10.1.1.1/16
echo "# veth-add prints the end it leaves here; br-attach reads it from stdin:"
run_sh "veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1 | br-attach br0 -"
run_sh "veth-add veth4 br-veth4 --netns ns4 --addr 10.1.1.4/24 --gateway 10.1.1.1 | br-attach br0 -"
echo "# The bridge's ports (bridge link would name each port's peer as if it were here):"
run ip -br link show master br0
run netns-exec ns4 ping -c 2 10.1.1.3
echo "# and the bridge's own address, the namespaces' gateway:"
run netns-exec ns3 ping -c 2 10.1.1.1

say "4. NAT to the fake outside, through a DROP policy"
echo "# Forwarding on (recorded, so that the reset turns it off again), and a host firewall"
echo "# as Docker leaves it: FORWARD policy DROP (bridged frames pass it too)."
run sysctl-set net.ipv4.ip_forward=1
run iptables -P FORWARD DROP
echo "# ns4 and ns3 share br0, with nothing to route: only the policy can stop them now"
echo "# (with br_netfilter loaded, frames bridged between ports pass iptables FORWARD):"
run_sh "netns-exec ns4 ping -c 1 -W 1 10.1.1.3 >/dev/null && echo '# not blocked: br_netfilter is not loaded here' || echo '# blocked by the DROP policy'"
run nat-masq --dry-run br0 10.1.1.0/24
run nat-masq br0 10.1.1.0/24
run netns-exec ns4 ping -c 2 10.1.1.3
echo "# and ns3 reaches the outside, masqueraded as the uplink's 203.0.113.2:"
run netns-exec ns3 ping -c 2 203.0.113.1
echo "# A service in the lab, published on port 8080 of this host (Docker's -p 8080:80): a tiny"
echo "# TCP server in ns3 (vethkit-test-tcp, of this repository) answers one connection with hello."
run_sh "netns-exec ns3 vethkit-test-tcp listen 10.1.1.3:80 > /run/server &"
await /run/server listening
run nat-masq br0 10.1.1.0/24 --publish 8080:10.1.1.3:80
echo "# fetched from the fake outside, through the uplink's address:"
run netns-exec outside vethkit-test-tcp connect 203.0.113.2:8080
echo "# and the server saw the outside's own address (the first line is its own):"
run cat /run/server
run nft list ruleset
run iptables -S FORWARD

say "5. A slower link: at most 10 Mbit/s to ns3"
echo "# A link shapes what it sends: br-veth3 carries what the bridge sends to ns3. A rate"
echo "# alone is a token bucket (tbf), with a burst of ten full frames and 50 ms of queue:"
run link-shape --dry-run br-veth3 --rate 10mbit
run link-shape br-veth3 --rate 10mbit
echo "# 2 MB from ns4 to ns3, timed by the receiver in ns3 (vethkit-test-tcp again). 16 Mbit"
echo "# at 10 Mbit/s take at least 1.6 s; the frames' headers and TCP's start add a little:"
transfer() {
    rm -f /run/transfer
    run_sh "netns-exec ns3 vethkit-test-tcp receive-timed 10.1.1.3:5001 > /run/transfer &"
    await /run/transfer listening
    run netns-exec ns4 vethkit-test-tcp send 10.1.1.3:5001 2000000
    await /run/transfer received
    run tail -n 1 /run/transfer
}
transfer
echo "# What the kernel keeps (limit: the queue's bytes, 50 ms at the rate and the burst):"
run link-shape --show br-veth3
echo "# The qdisc link-shape replaced was recorded; --clear puts it back (for a veth, noqueue):"
run link-shape --clear br-veth3
run link-shape --show br-veth3
echo "# and the same 2 MB without the limit:"
transfer

say "6. Back to the default namespace"
echo "# The walk-through's 'ip -n ns1 link set netns 1 dev veth1', to this namespace (never PID 1's):"
run netns-reset --dry-run ns1
run netns-reset ns1
echo "# veth1 is back, down and without its address: the kernel moves a link to another"
echo "# namespace down, leaving its addresses, routes and bridge port behind."
run ip -br link show veth1
echo "# What the reset will send; the veth1 of section 1, deleted by hand, is gone and left out:"
run netns-reset --all --dry-run
echo "# And instead of rebooting: undo everything vethkit recorded, and nothing else."
run netns-reset --all
run ip -br link show
run ip netns list
echo "# The DROP policy was set by hand, not by vethkit: it stays, without nat-masq's rule."
run iptables -S FORWARD
echo "# What was made by hand goes by hand:"
run nft delete table ip filter
echo "# Section 0's snapshot against now (links, addresses, routes, namespaces, ruleset, sysctls):"
snapshot > /run/after
run diff /run/before /run/after
echo "# no difference: the state is back"

say "7. One lab, two machines: VXLAN"
echo "# Two 'machines', A and B: each a network and mount namespace with a /run of its own (its"
echo "# own namespaces and journal), its eth0 on an underlay, 198.51.100.0/24 on bridge under0 here."
run ip link add under0 type bridge
run ip link set under0 up
machine() {
    mkfifo "/run/ready-$1"
    unshare --net --mount --propagation private sh -c \
        "exec 3>/run/ready-$1; mount -t tmpfs tmpfs /run; echo up >&3; exec 3>&-; exec sleep infinity" &
    echo $! > "/run/pid-$1"
    read -r _ < "/run/ready-$1"
    ip link add "u$1" master under0 up type veth peer name eth0 netns "$(cat "/run/pid-$1")"
    on "$1" ip address add "198.51.100.$2/24" dev eth0
    on "$1" ip link set eth0 up
}
on() { machine=$1; shift; nsenter -t "$(cat "/run/pid-$machine")" -n -m "$@"; }
on_sh() { printf '%s$ %s\n' "$1" "$2"; on "$1" sh -c "$2"; }
machine A 1
machine B 2
echo "# On each machine, a host on br0 (MTU 1450: VXLAN adds 50 bytes to the uplink's 1500),"
echo "# and a VXLAN link to the other machine on the same bridge: the two bridges become one."
on_sh A "veth-add v1 b1 --netns h1 --addr 10.9.0.1/24 --mtu 1450 | br-attach br0 -"
on_sh A "vxlan-add --dry-run vx42 --id 42 --remote 198.51.100.2 --dev eth0"
on_sh A "vxlan-add vx42 --id 42 --remote 198.51.100.2 --dev eth0 | br-attach br0 -"
on_sh B "veth-add v2 b2 --netns h2 --addr 10.9.0.2/24 --mtu 1450 | br-attach br0 -"
on_sh B "vxlan-add vx42 --id 42 --remote 198.51.100.1 --dev eth0 | br-attach br0 -"
echo "# A's host pings B's, 1400-byte packets too:"
on_sh A "netns-exec h1 ping -c 2 10.9.0.2"
on_sh A "netns-exec h1 ping -c 1 -M do -s 1372 10.9.0.2"
on_sh A "bridge fdb show dev vx42"
echo "# Each machine undoes its own lab:"
on_sh A "netns-reset --all"
on_sh B "netns-reset --all"
on_sh A "ip -br link show"
kill "$(cat /run/pid-A)" "$(cat /run/pid-B)"
run ip link del under0

say "Done: everything above lived in the sandbox and is gone with it"

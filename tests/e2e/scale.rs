//! Scale: a lab of 2000 IPv6-quiet hosts, 500 a bridge, each bridge's hosts
//! built in one `veth-add --batch --no-ipv6 | br-attach -` pipeline; every
//! host checked with iproute2 from inside its namespace, a sample of them
//! pinging their bridge; then one reset, with nothing left. Not timed: `make bench`
//! measures; this checks that nothing breaks, leaks or is skipped at scale.

use vethkit_tests::sandbox;

const HOSTS: usize = 2000;
/// Hosts a bridge: a broadcast on a bridge of N veth ports queues N - 1
/// copies on the CPU's backlog, which holds 1000 (`net.core.netdev_max_backlog`)
/// and drops the rest, the answer among them. 500 leaves room.
const PER_BRIDGE: usize = 500;

#[test]
fn two_thousand_hosts_are_built_work_and_are_reset() {
    let run = sandbox(&format!(
        r#"
        n={HOSTS}
        bridges=$(seq 0 $(( (n - 1) / {PER_BRIDGE} )))
        # host I: on bridge brB, in 10.(B+1).0.0/16
        i=1
        while [ $i -le $n ]; do
            b=$(( (i - 1) / {PER_BRIDGE} ))
            echo "v$i b$i --netns h$i --addr 10.$((b + 1)).$((i / 250)).$((i % 250 + 2))/16 --gateway 10.$((b + 1)).0.1" >> /run/hosts$b
            i=$((i + 1))
        done
        for b in $bridges; do
            veth-add --batch /run/hosts$b --no-ipv6 | br-attach br$b --addr 10.$((b + 1)).0.1/16 -
        done
        section namespaces
        ip netns list | wc -l
        section ports-up
        for b in $bridges; do
            ip -o link show master br$b | grep -c ' state UP '
        done
        section hosts-wrong
        i=1
        while [ $i -le $n ]; do
            b=$(( (i - 1) / {PER_BRIDGE} ))
            host=$(printf 'address show dev v%s\nroute show default\nlink show dev v%s\nlink show dev lo\n' $i $i |
                nsenter --net=/run/netns/h$i ip -o -batch -)
            case $host in
            *inet6*) echo "h$i has IPv6" ;;
            *"inet 10.$((b + 1)).$((i / 250)).$((i % 250 + 2))/16 "*"default via 10.$((b + 1)).0.1 dev v$i "*"v$i@"*",UP,LOWER_UP>"*"lo: <LOOPBACK,UP,LOWER_UP>"*) ;;
            *) echo "h$i" ;;
            esac
            i=$((i + 1))
        done | head -n 5
        section pings
        # Three tries each: on a machine busy with other work, a first ARP
        # request flooded to 500 ports can be dropped.
        for i in 1 $(seq 100 100 $n); do
            gateway=10.$(( (i - 1) / {PER_BRIDGE} + 1 )).0.1
            ip netns exec h$i ping -c 3 -i 0.3 -W 3 -q $gateway > /dev/null && echo "h$i reached $gateway"
        done | wc -l
        section reset
        netns-reset --all
        ip netns list | wc -l
        ip -o link show | wc -l
        "#
    ))
    .ok();
    assert_eq!(run.section("namespaces"), HOSTS.to_string());
    assert_eq!(
        run.section("ports-up"),
        vec![PER_BRIDGE.to_string(); HOSTS / PER_BRIDGE].join("\n")
    );
    assert_eq!(run.section("hosts-wrong"), "", "hosts built wrong");
    assert_eq!(run.section("pings"), (HOSTS / 100 + 1).to_string());
    assert_eq!(
        run.section("reset"),
        "0\n1",
        "namespaces and links (lo) left after netns-reset --all"
    );
}

//! nat-masq's published ports and IPv6 subnets, checked with real TCP and
//! UDP traffic from a fake outside, from the host and from the lab, with
//! `nft -j list ruleset`, `iptables -S` and `ip6tables -S`.

use vethkit_tests::{assert_refused, sandbox, DOCKER_STYLE_DROP_BOTH, FAKE_OUTSIDE};

/// The walk-through's bridge, dual-stack: br0 (10.1.1.1/16, fd00:1::1/64)
/// joining ns3 and ns4, each with a default route of each family.
const BRIDGE: &str = r#"
br-attach br0 --addr 10.1.1.1/16 --addr fd00:1::1/64
veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --addr fd00:1::3/64 --gateway 10.1.1.1 --gateway fd00:1::1 | br-attach br0 -
veth-add veth4 br-veth4 --netns ns4 --addr 10.1.1.4/24 --addr fd00:1::4/64 --gateway 10.1.1.1 --gateway fd00:1::1 | br-attach br0 -
"#;

/// The fake outside's IPv6 side: 2001:db8::1 there, 2001:db8::2 on the
/// uplink, the default route through it.
const FAKE_OUTSIDE_V6: &str = r#"
ip addr add 2001:db8::2/64 dev uplink nodad
ip -n outside addr add 2001:db8::1/64 dev wan nodad
ip -6 route add default via 2001:db8::1
"#;

/// `serve NS MODE ADDR:PORT`: a server of vethkit-test-tcp in NS, once,
/// writing what it sees to /run/server, listening when this returns.
const SERVE: &str = r#"
serve() {
    netns-exec "$1" vethkit-test-tcp "$2" "$3" > /run/server 2>&1 &
    for i in $(seq 600); do grep -q listening /run/server && return; sleep 0.1; done
    echo "the server in $1 did not start"; exit 1
}
seen() { wait; sed 1d /run/server; }
# Until the bridge's own link-local address has passed duplicate address
# detection, the kernel sends no neighbour solicitation for a packet it
# forwards there (the solicitation's source must be a usable address of
# the link): wait for DAD to end before IPv6 traffic is sent in.
dad_done() {
    for i in $(seq 100); do
        ip -6 address show dev br0 tentative | grep -q . || return 0
        sleep 0.1
    done
    echo "br0's IPv6 addresses are still tentative"; exit 1
}
"#;

/// A TCP server in ns3, published on port 8080 of the host (IPv4 and
/// IPv6), is reached from the fake outside (the server sees the client),
/// from the host itself (it sees the host's address), and from ns4 through
/// the host's address (hairpin: it sees the bridge's address).
fn published_ports_are_reached(setup: &str) {
    let run = sandbox(&format!(
        r#"
        {setup}
        {BRIDGE}
        {FAKE_OUTSIDE}
        {FAKE_OUTSIDE_V6}
        {SERVE}
        section before
        serve ns3 listen 10.1.1.3:80
        netns-exec outside vethkit-test-tcp connect 203.0.113.2:8080 2>/dev/null || echo unreachable
        kill $!; wait
        nat-masq br0 10.1.1.0/24 fd00:1::/64 --publish 8080:10.1.1.3:80 --publish 8080:[fd00:1::3]:80
        section outside
        serve ns3 listen 10.1.1.3:80
        netns-exec outside vethkit-test-tcp connect 203.0.113.2:8080
        seen
        section host
        serve ns3 listen 10.1.1.3:80
        vethkit-test-tcp connect 203.0.113.2:8080
        seen
        section loopback
        serve ns3 listen 10.1.1.3:80
        vethkit-test-tcp connect 127.0.0.1:8080 2>/dev/null || echo "not published"
        kill $!; wait
        section lab
        serve ns3 listen 10.1.1.3:80
        netns-exec ns4 vethkit-test-tcp connect 203.0.113.2:8080
        seen
        dad_done
        section outside6
        serve ns3 listen [fd00:1::3]:80
        netns-exec outside vethkit-test-tcp connect [2001:db8::2]:8080
        seen
        section host6
        serve ns3 listen [fd00:1::3]:80
        vethkit-test-tcp connect [2001:db8::2]:8080
        seen
        section lab6
        serve ns3 listen [fd00:1::3]:80
        netns-exec ns4 vethkit-test-tcp connect [2001:db8::2]:8080
        seen
        "#
    ))
    .ok();
    assert_eq!(run.section("before"), "unreachable");
    assert_eq!(
        run.section("outside"),
        "hello\n203.0.113.1",
        "the client's own address"
    );
    assert_eq!(
        run.section("host"),
        "hello\n203.0.113.2",
        "the host's address"
    );
    assert_eq!(run.section("loopback"), "not published");
    assert_eq!(
        run.section("lab"),
        "hello\n10.1.1.1",
        "hairpin: the bridge's address"
    );
    assert_eq!(run.section("outside6"), "hello\n2001:db8::1");
    assert_eq!(run.section("host6"), "hello\n2001:db8::2");
    assert_eq!(run.section("lab6"), "hello\nfd00:1::1");
}

#[test]
fn published_ports_are_reached_from_outside_the_host_and_the_lab() {
    published_ports_are_reached("");
}

#[test]
fn published_ports_are_reached_under_a_drop_policy() {
    published_ports_are_reached(DOCKER_STYLE_DROP_BOTH);
}

/// A UDP port published on one address of the host is answered; the same
/// port of another address is not published.
#[test]
fn a_udp_port_published_on_one_address_is_answered() {
    let run = sandbox(&format!(
        r#"
        {DOCKER_STYLE_DROP_BOTH}
        {BRIDGE}
        {FAKE_OUTSIDE}
        {SERVE}
        nat-masq br0 --publish 203.0.113.2:5353:10.1.1.3:53/udp
        section answered
        serve ns3 udp-listen 10.1.1.3:53
        netns-exec outside vethkit-test-tcp udp-ask 203.0.113.2:5353
        seen
        section elsewhere
        serve ns3 udp-listen 10.1.1.3:53
        netns-exec ns4 vethkit-test-tcp udp-ask 10.1.1.1:5353 2>/dev/null || echo unanswered
        kill $!
        "#
    ))
    .ok();
    assert_eq!(run.section("answered"), "hello\n203.0.113.1");
    assert_eq!(run.section("elsewhere"), "unanswered");
}

/// IPv6 masquerade: ns3 (fd00:1::3) reaches a server at 2001:db8::1
/// outside, which sees the uplink's address; with forwarding recorded and
/// put back by `netns-reset --all`.
#[test]
fn ipv6_subnets_are_masqueraded_as_the_uplink() {
    let run = sandbox(&format!(
        r#"
        {DOCKER_STYLE_DROP_BOTH}
        {BRIDGE}
        {FAKE_OUTSIDE}
        {FAKE_OUTSIDE_V6}
        {SERVE}
        section before
        serve outside listen [2001:db8::1]:8080
        netns-exec ns3 vethkit-test-tcp connect [2001:db8::1]:8080 2>/dev/null || echo unreachable
        kill $!; wait
        nat-masq br0 fd00:1::/64
        dad_done
        section after
        serve outside listen [2001:db8::1]:8080
        netns-exec ns3 vethkit-test-tcp connect [2001:db8::1]:8080
        seen
        section forwarding
        sysctl -n net.ipv6.conf.all.forwarding net.ipv6.conf.br0.forwarding net.ipv4.ip_forward
        section tables
        nft list tables
        netns-reset --all
        section reset
        sysctl -n net.ipv6.conf.all.forwarding
        nft list ruleset | grep -c vethkit || true
        "#
    ))
    .ok();
    assert_eq!(run.section("before"), "unreachable");
    assert_eq!(run.section("after"), "hello\n2001:db8::2");
    assert_eq!(run.section("forwarding"), "1\n1\n0", "IPv6 forwarding only");
    assert_eq!(
        run.section("tables"),
        "table ip filter\ntable ip6 filter\ntable ip6 vethkit"
    );
    assert_eq!(run.section("reset"), "0\n0");
}

/// Foreign tables and the user's iptables and ip6tables rules are the
/// same, byte for byte, after nat-masq creates, re-runs and deletes; a
/// re-run adds nothing; `--delete` of a publish removes exactly its rules;
/// `netns-reset --all` leaves the ruleset as it was.
#[test]
fn publishes_leave_foreign_rules_alone_and_go_exactly() {
    let run = sandbox(&format!(
        r#"
        nft add table inet other
        nft add chain inet other userchain '{{ type filter hook forward priority -10; policy accept; }}'
        nft add rule inet other userchain ip saddr 192.0.2.0/24 counter accept comment '"not ours"'
        {DOCKER_STYLE_DROP_BOTH}
        iptables -A FORWARD -s 198.51.100.0/24 -j ACCEPT
        ip6tables -A FORWARD -s 2001:db8:1::/64 -j ACCEPT
        {BRIDGE}
        foreign() {{ nft -a list table inet other; iptables -S | grep -v vethkit; ip6tables -S | grep -v vethkit; }}
        foreign > /run/foreign
        nft list ruleset > /run/before
        publish="br0 10.1.1.0/24 fd00:1::/64 --publish 8080:10.1.1.3:80 --publish 8080:[fd00:1::3]:80"
        nat-masq $publish
        section created
        foreign | diff /run/foreign - && echo identical
        section again
        nft -j list ruleset > /run/first
        nat-masq $publish
        nft -j list ruleset | cmp /run/first - && echo same
        nat-masq --dry-run $publish
        section list
        nat-masq --list | sed 's/ handle [0-9]*//'
        section json
        nat-masq --list --json br0
        section iptables
        iptables -S FORWARD
        section ip6tables
        ip6tables -S FORWARD
        nat-masq --delete br0 --publish 8080:10.1.1.3:80 2>/run/err
        section deleted
        cat /run/err
        nat-masq --list | grep -c 'publish 8080:10.1.1.3:80' || true
        nat-masq --list | grep -c 'publish 8080:\[fd00:1::3\]:80'
        foreign | diff /run/foreign - && echo identical
        section all
        nat-masq --delete br0 2>&1
        foreign | diff /run/foreign - && echo identical
        nft list tables
        netns-reset --all
        section reset
        nft list ruleset | diff /run/before - && echo same
        "#
    ))
    .ok();
    assert_eq!(run.section("created"), "identical");
    assert_eq!(
        run.section("again"),
        "same",
        "a re-run adds nothing and plans nothing"
    );
    let list = run.section("list");
    for (chain, comment) in [
        (
            "ip vethkit prerouting",
            "vethkit: br0 publish 8080:10.1.1.3:80/tcp dnat",
        ),
        (
            "ip vethkit output",
            "vethkit: br0 publish 8080:10.1.1.3:80/tcp dnat here",
        ),
        (
            "ip vethkit postrouting",
            "vethkit: br0 publish 8080:10.1.1.3:80/tcp hairpin 10.1.0.0/16",
        ),
        (
            "ip filter FORWARD",
            "vethkit: br0 publish 8080:10.1.1.3:80/tcp in",
        ),
        (
            "ip6 vethkit prerouting",
            "vethkit: br0 publish 8080:[fd00:1::3]:80/tcp dnat",
        ),
        (
            "ip6 vethkit postrouting",
            "vethkit: br0 fd00:1::/64 masquerade",
        ),
        ("ip6 filter FORWARD", "vethkit: br0 fd00:1::/64 out"),
    ] {
        let line = format!("{chain}: {comment}");
        assert!(
            list.lines().any(|listed| listed == line),
            "no {line} in:\n{list}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&run.section("json")).expect("JSON");
    let of = |family: &str| {
        json.as_array()
            .expect("a JSON array")
            .iter()
            .filter(|rule| rule["family"] == family)
            .count()
    };
    assert_eq!(
        (of("ip"), of("ip6")),
        (14, 14),
        "each family: 5 forward accepts and 5 in filter FORWARD, a masquerade, a hairpin, 2 DNATs"
    );
    assert_eq!(
        run.section("iptables"),
        "-P FORWARD DROP\n\
         -A FORWARD -i br0 -o br0 -m comment --comment \"vethkit: br0\" -j ACCEPT\n\
         -A FORWARD -s 10.1.1.0/24 -i br0 -m comment --comment \"vethkit: br0 10.1.1.0/24 out\" -j ACCEPT\n\
         -A FORWARD -d 10.1.1.0/24 -o br0 -m comment --comment \"vethkit: br0 10.1.1.0/24 in\" -j ACCEPT\n\
         -A FORWARD -d 10.1.1.3/32 -o br0 -p tcp -m tcp --dport 80 -m comment --comment \"vethkit: br0 publish 8080:10.1.1.3:80/tcp in\" -j ACCEPT\n\
         -A FORWARD -s 10.1.1.3/32 -i br0 -p tcp -m tcp --sport 80 -m comment --comment \"vethkit: br0 publish 8080:10.1.1.3:80/tcp out\" -j ACCEPT\n\
         -A FORWARD -s 198.51.100.0/24 -j ACCEPT"
    );
    assert_eq!(
        run.section("ip6tables"),
        "-P FORWARD DROP\n\
         -A FORWARD -i br0 -o br0 -m comment --comment \"vethkit: br0\" -j ACCEPT\n\
         -A FORWARD -s fd00:1::/64 -i br0 -m comment --comment \"vethkit: br0 fd00:1::/64 out\" -j ACCEPT\n\
         -A FORWARD -d fd00:1::/64 -o br0 -m comment --comment \"vethkit: br0 fd00:1::/64 in\" -j ACCEPT\n\
         -A FORWARD -d fd00:1::3/128 -o br0 -p tcp -m tcp --dport 80 -m comment --comment \"vethkit: br0 publish 8080:[fd00:1::3]:80/tcp in\" -j ACCEPT\n\
         -A FORWARD -s fd00:1::3/128 -i br0 -p tcp -m tcp --sport 80 -m comment --comment \"vethkit: br0 publish 8080:[fd00:1::3]:80/tcp out\" -j ACCEPT\n\
         -A FORWARD -s 2001:db8:1::/64 -j ACCEPT"
    );
    assert_eq!(
        run.section("deleted"),
        "nat-masq: removed 7 rules of br0 for 8080:10.1.1.3:80/tcp\n0\n7\nidentical"
    );
    assert_eq!(
        run.section("all"),
        "nat-masq: removed 21 rules of br0 and tables ip vethkit and ip6 vethkit\n\
         identical\n\
         table inet other\n\
         table ip filter\n\
         table ip6 filter"
    );
    assert_eq!(run.section("reset"), "same");
}

/// Turning IPv6 forwarding on stops an interface with `accept_ra` 1
/// taking router advertisements: nat-masq says so when its default route
/// came from one, and leaves it alone.
#[test]
fn an_interface_losing_its_advertised_route_is_warned_about() {
    let run = sandbox(&format!(
        r#"
        {FAKE_OUTSIDE}
        ip link add br0 type bridge
        ip -6 route add default via fe80::1 dev uplink proto ra
        section warning
        nat-masq br0 fd00:1::/64 2>&1 | grep "router advertisements"
        section accept_ra
        sysctl -n net.ipv6.conf.uplink.accept_ra
        "#
    ))
    .ok();
    assert_eq!(
        run.section("warning"),
        "nat-masq: warning: with IPv6 forwarding on, uplink takes no more router advertisements (accept_ra is 1), and its default route came from one: keep it with sysctl-set net.ipv6.conf.uplink.accept_ra=2"
    );
    assert_eq!(run.section("accept_ra"), "1", "not vethkit's to change");
}

#[test]
fn bad_publishes_are_one_line_errors_and_change_nothing() {
    let bridge = "ip link add br0 type bridge\nip addr add 10.1.1.1/16 dev br0";
    let published = format!("{bridge}\nnat-masq br0 --publish 8080:10.1.1.3:80");
    assert_refused(
        "nat-masq",
        &[
            (bridge, "nat-masq br0 --publish 0:10.1.1.3:80", 2, "port 0 is out of range: a port is 1 to 65535"),
            (bridge, "nat-masq br0 --publish 8080:10.1.1.3:65536", 2, "port 65536 is out of range"),
            (bridge, "nat-masq br0 --publish 8080:10.1.1.3:80/sctp", 2, "unknown protocol \"sctp\": tcp or udp"),
            (bridge, "nat-masq br0 --publish 8080-10.1.1.3", 2, "is not a port to publish: give [HOSTIP:]HOSTPORT:ADDR:PORT[/tcp|/udp]"),
            (bridge, "nat-masq br0 --publish 8080:fd00::3:80", 2, "is not a port to publish"),
            (
                bridge,
                "nat-masq br0 --publish 8080:10.9.0.3:80",
                1,
                "cannot publish 8080:10.9.0.3:80/tcp: 10.9.0.3 is in no subnet of br0 (10.1.1.1/16), so nothing would reach it",
            ),
            (
                bridge,
                "nat-masq br0 --publish 8080:[fd00:1::3]:80",
                1,
                "cannot publish 8080:[fd00:1::3]:80/tcp: br0 has no IPv6 address, so nothing would reach fd00:1::3 (give it one with br-attach br0 --addr)",
            ),
            (
                bridge,
                "nat-masq br0 --publish 8080:[fe80::3]:80",
                2,
                "fe80::3 cannot be the lab address a port is published to: it is link-local",
            ),
            (
                bridge,
                "nat-masq br0 --publish 8080:10.1.1.3:80 --publish 8080:10.1.1.4:80",
                2,
                "--publish 8080:10.1.1.4:80/tcp: 8080/tcp is published twice (also --publish 8080:10.1.1.3:80/tcp)",
            ),
            (
                &published,
                "nat-masq br0 --publish 10.1.1.1:8080:10.1.1.4:80",
                1,
                "cannot publish 10.1.1.1:8080:10.1.1.4:80/tcp: 8080/tcp is published already, to 10.1.1.3:80 on br0 (nat-masq --delete br0 --publish 8080:10.1.1.3:80/tcp)",
            ),
            (
                bridge,
                "nat-masq br0 --publish 192.0.2.1:8080:10.1.1.3:80",
                1,
                "192.0.2.1 is not an address of this host",
            ),
            (
                bridge,
                "nat-masq br0 --publish 127.0.0.1:8080:10.1.1.3:80",
                2,
                "127.0.0.1 cannot be the host address a port is published on: it is a loopback address",
            ),
            (
                bridge,
                "nat-masq br0 fe80::/64",
                2,
                "fe80::/64 is link-local",
            ),
        ],
    );
}

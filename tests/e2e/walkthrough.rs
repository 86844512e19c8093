//! The walk-through, section by section, with real traffic as the oracle.

use vethkit_tests::sandbox;

/// Section 1: a veth pair with both ends in one namespace only "pings
/// across" with accept_local=1 and rp_filter relaxed, set by sysctl-set;
/// `sysctl-set --restore` gives back the exact old values.
#[test]
fn section_1_same_namespace_pair_pings_across_with_relaxed_sysctls() {
    let run = sandbox(
        r#"
        conf=/proc/sys/net/ipv4/conf
        values() { for key in all/rp_filter veth1/rp_filter veth2/rp_filter veth1/accept_local veth2/accept_local; do echo "$key $(cat $conf/$key)"; done; }
        veth-add veth1 veth2 --addr 10.1.1.1/24 --peer-addr 10.1.1.2/24
        echo 1 > $conf/veth2/rp_filter
        section old
        values
        section before
        ping -c 1 -W 1 -I veth2 10.1.1.1 >/dev/null 2>&1 && echo reached || echo unreachable
        sysctl-set net.ipv4.conf.veth1.accept_local=1 net.ipv4.conf.veth2.accept_local=1 \
            net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.veth1.rp_filter=0 net.ipv4.conf.veth2.rp_filter=0
        section set
        values
        section after
        ping -c 1 -W 2 -I veth2 10.1.1.1 >/dev/null && echo reached
        sysctl-set --restore
        section restored
        values
        "#,
    )
    .ok();
    assert_eq!(
        run.section("before"),
        "unreachable",
        "the walk-through says this fails before the sysctls"
    );
    assert_eq!(
        run.section("set"),
        "all/rp_filter 0\nveth1/rp_filter 0\nveth2/rp_filter 0\nveth1/accept_local 1\nveth2/accept_local 1"
    );
    assert_eq!(run.section("after"), "reached");
    assert!(run.section("old").contains("veth2/rp_filter 1"));
    assert_eq!(
        run.section("restored"),
        run.section("old"),
        "the exact old values, read from /proc"
    );
}

/// Section 2: the ends in two namespaces, ping from one to the other.
#[test]
fn section_2_two_namespaces_ping() {
    let run = sandbox(
        r#"
        veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24
        section ping
        netns-exec ns2 ping -c 1 -W 2 10.1.1.1 >/dev/null && echo reached
        section back
        netns-exec ns1 ping -c 1 -W 2 10.1.1.2 >/dev/null && echo reached
        "#,
    )
    .ok();
    assert_eq!(
        run.stdout.lines().next(),
        Some("=== ping"),
        "both ends are in namespaces: nothing to print"
    );
    assert_eq!(run.section("ping"), "reached");
    assert_eq!(run.section("back"), "reached");
}

/// Section 3: a bridge in the caller's namespace, and two namespaces
/// joined to it through the pipeline `veth-add ... | br-attach br0 -`.
#[test]
fn section_3_bridge_joins_two_namespaces() {
    let run = sandbox(
        r#"
        br-attach br0 --addr 10.1.1.1/16
        veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1 | br-attach br0 -
        veth-add veth4 br-veth4 --netns ns4 --addr 10.1.1.4/24 --gateway 10.1.1.1 | br-attach br0 -
        section ping
        netns-exec ns4 ping -c 1 -W 2 10.1.1.3 >/dev/null && echo reached
        section gateway
        netns-exec ns3 ping -c 1 -W 2 10.1.1.1 >/dev/null && echo reached
        section links
        ip -j -d link show
        section bridge
        bridge -j link show
        "#,
    )
    .ok();
    assert_eq!(run.section("ping"), "reached");
    assert_eq!(run.section("gateway"), "reached");
    let links = run.json("links");
    let find = |name: &str| {
        links
            .as_array()
            .unwrap()
            .iter()
            .find(|link| link["ifname"] == name)
            .unwrap_or_else(|| panic!("no {name}: {links}"))
            .clone()
    };
    assert_eq!(find("br0")["linkinfo"]["info_kind"], "bridge");
    for port in ["br-veth3", "br-veth4"] {
        let link = find(port);
        assert_eq!(link["master"], "br0", "{link}");
        assert_eq!(link["linkinfo"]["info_kind"], "veth");
    }
    let ports: Vec<(String, String, String)> = run
        .json("bridge")
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let text = |key: &str| p[key].as_str().unwrap_or_default().to_string();
            (text("ifname"), text("master"), text("state"))
        })
        .collect();
    let expected = |name: &str| {
        (
            name.to_string(),
            "br0".to_string(),
            "forwarding".to_string(),
        )
    };
    assert_eq!(ports, [expected("br-veth3"), expected("br-veth4")]);
}

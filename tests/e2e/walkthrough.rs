//! The walk-through, section by section, with real traffic as the oracle.

use vethkit_tests::sandbox;

/// Section 1: a veth pair with both ends in one namespace only "pings
/// across" with accept_local=1 and rp_filter relaxed (written by hand here).
#[test]
fn section_1_same_namespace_pair_pings_across_with_relaxed_sysctls() {
    let run = sandbox(
        r#"
        veth-add veth1 veth2 --addr 10.1.1.1/24 --peer-addr 10.1.1.2/24
        section before
        ping -c 1 -W 1 -I veth2 10.1.1.1 >/dev/null 2>&1 && echo reached || echo unreachable
        for key in all/rp_filter veth1/rp_filter veth2/rp_filter; do echo 0 > /proc/sys/net/ipv4/conf/$key; done
        for key in veth1/accept_local veth2/accept_local; do echo 1 > /proc/sys/net/ipv4/conf/$key; done
        section after
        ping -c 1 -W 2 -I veth2 10.1.1.1 >/dev/null && echo reached
        "#,
    )
    .ok();
    assert_eq!(
        run.section("before"),
        "unreachable",
        "the walk-through says this fails before the sysctls"
    );
    assert_eq!(run.section("after"), "reached");
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

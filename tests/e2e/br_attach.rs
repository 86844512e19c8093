//! br-attach, checked with iproute2's JSON output (`ip -j -d link`,
//! `bridge -j link`) and real traffic.

use serde_json::Value;
use vethkit_tests::{
    assert_mirrored_by_ip, assert_refused, assert_same_state, journal_standing, sandbox,
};

/// Two veth pairs made by `ip`, one end of each left free for a bridge.
const PORTS: &str = "ip link add br-veth3 type veth peer name veth3; \
                     ip link add br-veth4 type veth peer name veth4";

/// Setups and the argument sets the mirror test runs after them, covering
/// each option that changes kernel state.
const MIRRORED: &[(&str, &str)] = &[
    ("", "br0"),
    ("", "br0 --addr 10.1.1.1/16 --addr 2001:db8::1/64"),
    (PORTS, "br0 br-veth3 br-veth4"),
    (PORTS, "br0 --stp --mtu 1400 br-veth3"),
    (PORTS, "br0 --no-stp --no-up br-veth3 br-veth4"),
    (
        "ip netns add ns3; ip -n ns3 link add veth3 type veth peer name veth4",
        "-n ns3 br0 veth3 --addr 10.1.1.1/16",
    ),
    (
        "ip link add br-veth3 type veth peer name veth3; ip link add br0 type bridge; \
         ip link set br-veth3 master br0",
        "br0 --detach br-veth3",
    ),
];

/// For each argument set: the `--dry-run` lines run by `ip` in one
/// sandbox, br-attach in another, leave the same kernel state.
#[test]
fn mirror_dry_run_lines_run_by_ip_leave_the_same_state() {
    for (setup, arguments) in MIRRORED {
        assert_mirrored_by_ip("br-attach", setup, arguments);
    }
}

fn link<'a>(links: &'a Value, name: &str) -> &'a Value {
    links
        .as_array()
        .and_then(|links| links.iter().find(|link| link["ifname"] == name))
        .unwrap_or_else(|| panic!("no {name} in {links}"))
}

/// `(port, bridge)` for each port `bridge -j link` lists.
fn bridge_ports(listing: &Value) -> Vec<(String, String)> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    listing
        .as_array()
        .expect("a list of ports")
        .iter()
        .map(|port| (text(&port["ifname"]), text(&port["master"])))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn flags(link: &Value) -> Vec<&str> {
    link["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

#[test]
fn a_bridge_is_created_up_addressed_with_its_ports_up() {
    let run = sandbox(&format!(
        r#"
        {PORTS}
        section out
        br-attach br0 br-veth3 br-veth4 --addr 10.1.1.1/16 --stp --mtu 1400
        section links
        ip -j -d link show
        section bridge
        bridge -j link show
        section addrs
        ip -j addr show dev br0
        "#
    ))
    .ok();
    assert_eq!(run.section("out"), "", "nothing on stdout without --json");
    let links = run.json("links");
    let bridge = link(&links, "br0");
    assert_eq!(bridge["linkinfo"]["info_kind"], "bridge");
    assert_eq!(bridge["linkinfo"]["info_data"]["stp_state"], 1);
    assert_eq!(bridge["mtu"], 1400);
    assert!(flags(bridge).contains(&"UP"));
    for port in ["br-veth3", "br-veth4"] {
        let port = link(&links, port);
        assert_eq!(port["master"], "br0");
        assert_eq!(port["linkinfo"]["info_slave_kind"], "bridge");
        assert!(flags(port).contains(&"UP"));
    }
    assert_eq!(
        bridge_ports(&run.json("bridge")),
        pairs(&[("br-veth3", "br0"), ("br-veth4", "br0")])
    );
    let addrs = &run.json("addrs")[0]["addr_info"];
    assert_eq!(addrs[0]["local"], "10.1.1.1");
    assert_eq!(addrs[0]["prefixlen"], 16);
}

#[test]
fn rerunning_succeeds_and_changes_nothing() {
    let run = sandbox(&format!(
        r#"
        {PORTS}
        args="br0 br-veth3 br-veth4 --addr 10.1.1.1/16"
        br-attach $args
        section state1
        dump_state
        cp /run/vethkit/journal /run/journal1
        br-attach $args
        printf 'br-veth3\nbr-veth4\n' | br-attach br0 -
        section state2
        dump_state
        section same
        cmp /run/journal1 /run/vethkit/journal && echo journal unchanged
        section dry
        br-attach --dry-run $args
        "#
    ))
    .ok();
    assert_same_state(&run.json("state1"), &run.json("state2"), "a second run");
    assert_eq!(run.section("same"), "journal unchanged");
    assert_eq!(run.section("dry"), "", "nothing left to do");
}

#[test]
fn ports_are_read_from_stdin_one_a_line() {
    let run = sandbox(&format!(
        r#"
        {PORTS}
        section json
        printf '# ports\nbr-veth3\n\n  br-veth4  \n' | br-attach br0 - --json
        section bridge
        bridge -j link show
        "#
    ))
    .ok();
    let json: Value = serde_json::from_str(&run.section("json")).expect("JSON");
    assert_eq!(json["bridge"], "br0");
    assert_eq!(
        json["attached"],
        serde_json::json!(["br-veth3", "br-veth4"])
    );
    assert_eq!(
        bridge_ports(&run.json("bridge")),
        pairs(&[("br-veth3", "br0"), ("br-veth4", "br0")])
    );
}

/// Ports on stdin are attached as they arrive, while the writer is still
/// writing: `veth-add --batch ... | br-attach br0 -` attaches each end
/// soon after it is made.
#[test]
fn ports_on_stdin_are_attached_before_stdin_ends() {
    let run = sandbox(&format!(
        r#"
        {PORTS}
        {{
            echo br-veth3
            for try in $(seq 600); do
                ip -o link show master br0 2>/dev/null | grep -q br-veth3 && break
                sleep 0.1
            done
            ip -br link show master br0 | cut -d@ -f1 > /run/while-writing
            echo br-veth4
        }} | br-attach br0 -
        section while-writing
        cat /run/while-writing
        section after
        ip -br link show master br0 | cut -d@ -f1
        "#
    ))
    .ok();
    assert_eq!(run.section("while-writing"), "br-veth3");
    assert_eq!(run.section("after"), "br-veth3\nbr-veth4");
}

#[test]
fn detach_removes_a_port_and_only_from_its_bridge() {
    let run = sandbox(&format!(
        r#"
        {PORTS}
        br-attach br0 br-veth3 br-veth4
        section detach
        br-attach br0 --detach br-veth3
        br-attach br0 --detach br-veth3
        echo again ok
        section bridge
        bridge -j link show
        section links
        ip -j -d link show br-veth3
        section journal
        cat /run/vethkit/journal
        "#
    ))
    .ok();
    assert_eq!(run.section("detach"), "again ok");
    assert_eq!(
        bridge_ports(&run.json("bridge")),
        pairs(&[("br-veth4", "br0")])
    );
    let port = &run.json("links")[0];
    assert!(port.get("master").is_none(), "{port}");
    assert!(
        flags(port).contains(&"UP"),
        "a detached port stays up, as ip leaves it"
    );
    let standing = journal_standing(&run.section("journal"));
    assert!(
        standing
            .iter()
            .any(|e| e["undo"]["step"] == "link-master" && e["undo"]["dev"] == "br-veth3"),
        "the detach is recorded with its undo: {standing:?}"
    );
}

/// The kernel refuses to make `lo` a port after the bridge was created,
/// addressed and brought up: all of that is undone, the journal agrees.
#[test]
fn a_failure_half_way_is_rolled_back() {
    let run = sandbox(
        r#"
        section status
        br-attach br0 --addr 10.1.1.1/16 lo 2>/run/err || echo $?
        section stderr
        cat /run/err
        section links
        ip -br link show | cut -d' ' -f1
        section journal
        cat /run/vethkit/journal
        "#,
    )
    .ok();
    assert_eq!(run.section("status"), "1");
    let stderr = run.section("stderr");
    assert!(
        stderr.starts_with("br-attach: cannot attach lo to br0: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(run.section("links"), "lo", "br0 was deleted again");
    let journal = run.section("journal");
    assert!(journal.contains("link-del"), "{journal}");
    assert!(journal_standing(&journal).is_empty(), "{journal}");
}

#[test]
fn bad_input_is_a_one_line_error_and_changes_nothing() {
    assert_refused(
        "br-attach",
        &[
            (
                PORTS,
                "br-attach br0 br-veth3 veth9",
                1,
                "cannot attach veth9 to br0: no interface named veth9 in the current network namespace",
            ),
            (
                "ip netns add ns3; ip -n ns3 link add veth3 type veth peer name veth4",
                "br-attach -n ns3 br0 veth3 veth9",
                1,
                "no interface named veth9 in netns ns3",
            ),
            (
                PORTS,
                "br-attach br-veth4 br-veth3",
                1,
                "cannot use br-veth4 as a bridge: it exists and is a veth, not a bridge",
            ),
            (
                &format!("{PORTS}; ip link add br1 type bridge; ip link set br-veth3 master br1"),
                "br-attach br0 br-veth4 br-veth3",
                1,
                "cannot attach br-veth3 to br0: it is a port of br1",
            ),
            (
                &format!("{PORTS}; ip link add br1 type bridge; ip link set br-veth3 master br1"),
                "br-attach br0 --detach br-veth3",
                1,
                "cannot detach br-veth3 from br0: it is a port of br1",
            ),
            (
                "ip link add br0 type bridge",
                "br-attach br0 --mtu 1400",
                1,
                "bridge br0 exists with mtu 1500, not 1400",
            ),
            (
                "ip link add br0 type bridge",
                "br-attach br0 --stp",
                1,
                "spanning tree off, not on",
            ),
            ("", "br-attach br0 br0", 1, "a bridge cannot be its own port"),
            (
                "ip link add br0 type bridge; ip link set br0 up; \
                 seq 1 1024 | sed 's/.*/link add p& type veth peer name q&/' | ip -batch -; \
                 seq 1 1023 | sed 's/.*/link set p& master br0/' | ip -batch -",
                "br-attach br0 p1024",
                1,
                "cannot attach p1024 to br0: the bridge has 1023 ports, the most a Linux bridge can have",
            ),
            ("", "br-attach -n ns9 br0", 1, "no network namespace named ns9"),
            ("", "br-attach abcdefghijklmnop", 2, "16 bytes"),
            ("", "br-attach br0 bad/port", 2, "bad/port"),
            ("", "br-attach br0 --addr 10.1.1.1/33", 2, "10.1.1.1/33"),
            (PORTS, "br-attach br0 br-veth3 --detach br-veth4", 2, "--detach"),
            (
                // Streamed: br-veth3 is attached before line 2 is read, then rolled back.
                &format!("{PORTS}; printf 'br-veth3\\nnot/a/name\\n' > /run/stdin"),
                "br-attach br0 -",
                2,
                "stdin: line 2: ",
            ),
            ("", "br-attach 'br%d'", 2, "may not contain '%'"),
            (
                "veth-add p2 p2x >/dev/null; br-attach br0 p2",
                "br-attach br0 p2x",
                1,
                "cannot attach p2x to br0: its peer p2 is a port of br0 too: both ends of one veth pair on one bridge make a loop",
            ),
            (
                "veth-add p2 p2x >/dev/null",
                "br-attach br0 p2 p2x",
                1,
                "cannot attach p2 to br0: its peer p2x is being attached to br0 too",
            ),
            (
                "veth-add p2 p2x >/dev/null; br-attach br0 p2; printf 'p2x\\n' > /run/stdin",
                "br-attach br0 -",
                1,
                "cannot attach p2x to br0: its peer p2 is a port of br0 too",
            ),
        ],
    );
}

/// A dry run of ports from stdin knows the ports already on the bridge,
/// as the real run and a dry run of the same names as arguments do.
#[test]
fn a_dry_run_from_stdin_knows_the_ports_already_attached() {
    let run = sandbox(&format!(
        r#"
        {PORTS}
        br-attach br0 br-veth3
        section stdin
        echo br-veth3 | br-attach --dry-run br0 -
        echo "status $?"
        section arguments
        br-attach --dry-run br0 br-veth3
        echo "status $?"
        "#
    ))
    .ok();
    assert_eq!(run.section("stdin"), "status 0");
    assert_eq!(run.section("arguments"), "status 0");
}

/// `-v` shows, as each step is applied, the very lines `--dry-run` prints.
#[test]
fn verbose_shows_each_step_as_its_dry_run_line() {
    let run = sandbox(&format!(
        r#"
        {PORTS}
        args="br0 br-veth3 br-veth4 --addr 10.1.1.1/16"
        section plan
        br-attach --dry-run $args
        section verbose
        br-attach -v $args 2>&1 | sed 's/^br-attach: //'
        "#
    ))
    .ok();
    assert_eq!(run.section("verbose"), run.section("plan"));
    assert_eq!(
        run.section("plan"),
        "ip link add name br0 type bridge\nip address add 10.1.1.1/16 dev br0\nip link set dev br0 up\n\
         ip link set dev br-veth3 master br0\nip link set dev br-veth3 up\n\
         ip link set dev br-veth4 master br0\nip link set dev br-veth4 up"
    );
}

/// A bridge's IPv6 address, the hosts' gateway, is usable when the
/// br-attach that gives the bridge its first port (and so its carrier)
/// returns, though an earlier br-attach added it. Ten bridges, for a race
/// to show.
#[test]
fn the_bridges_ipv6_address_is_usable_when_its_first_port_is_attached() {
    let run = sandbox(
        r#"
        section pings
        for i in $(seq 10); do
            br-attach br$i --addr fd00:$i::1/64 >/dev/null
            veth-add h$i bh$i --netns h$i --addr fd00:$i::2/64 | br-attach br$i - &&
                netns-exec h$i ping -6 -c1 -W1 fd00:$i::1 >/dev/null && echo ok || echo "h$i: no answer"
        done | sort | uniq -c
        "#,
    )
    .ok();
    assert_eq!(run.section("pings").trim(), "10 ok", "{}", run.stderr);
}

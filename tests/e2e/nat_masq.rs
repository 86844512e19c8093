//! nat-masq, checked with `nft -j list ruleset`, `iptables -S` and real
//! traffic: ping across the bridge, TCP to a fake outside; and the mirror
//! test of every kind of rule (published ports and IPv6 included, whose
//! traffic is tested in `nat_masq_publish.rs`).

use serde_json::Value;
use vethkit_tests::{
    assert_refused, assert_same_lines, journal_standing, mirror, sandbox, DOCKER_STYLE_DROP_BOTH,
    FAKE_OUTSIDE,
};

/// The walk-through's bridge section: br0 (10.1.1.1/16) joining ns3 and ns4.
const BRIDGE: &str = r#"
br-attach br0 --addr 10.1.1.1/16
veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1 | br-attach br0 -
veth-add veth4 br-veth4 --netns ns4 --addr 10.1.1.4/24 --gateway 10.1.1.1 | br-attach br0 -
"#;

/// The fake outside, with a TCP server listening there once, writing what
/// it sees to /run/server.
const OUTSIDE_SERVER: &str = r#"
netns-exec outside vethkit-test-tcp listen 203.0.113.1:8080 > /run/server 2>&1 &
for i in $(seq 600); do grep -q listening /run/server && break; sleep 0.1; done
"#;

/// Docker leaves the iptables FORWARD policy at DROP.
const DOCKER_STYLE_DROP: &str = "iptables -P FORWARD DROP";

/// Section 3 under a DROP policy: bridged traffic passes iptables FORWARD
/// (br_netfilter), so ns4 cannot reach ns3 until nat-masq puts accepts
/// in iptables' chain too.
#[test]
fn forwarding_on_the_bridge_gets_past_a_drop_policy() {
    let run = sandbox(&format!(
        r#"
        {DOCKER_STYLE_DROP}
        {BRIDGE}
        section before
        netns-exec ns4 ping -c 1 -W 1 10.1.1.3 >/dev/null 2>&1 && echo reached || echo blocked
        nat-masq br0
        section after
        netns-exec ns4 ping -c 1 -W 2 10.1.1.3 >/dev/null && echo reached
        section iptables
        iptables -S FORWARD
        "#
    ))
    .ok();
    assert_eq!(run.section("before"), "blocked");
    assert_eq!(run.section("after"), "reached");
    assert_eq!(
        run.section("iptables"),
        "-P FORWARD DROP\n-A FORWARD -i br0 -o br0 -m comment --comment \"vethkit: br0\" -j ACCEPT"
    );
}

/// The NAT section: ns3 reaches a TCP server outside only after
/// `nat-masq br0 10.1.1.0/24`, and the server sees the uplink's address.
fn nat_reaches_the_outside_masqueraded(setup: &str) {
    let run = sandbox(&format!(
        r#"
        {setup}
        {BRIDGE}
        {FAKE_OUTSIDE}
        {OUTSIDE_SERVER}
        section before
        netns-exec ns3 vethkit-test-tcp connect 203.0.113.1:8080 2>/dev/null || echo unreachable
        nat-masq br0 10.1.1.0/24
        section after
        netns-exec ns3 vethkit-test-tcp connect 203.0.113.1:8080
        wait
        section server
        cat /run/server
        section forward
        cat /proc/sys/net/ipv4/ip_forward
        "#
    ))
    .ok();
    assert_eq!(run.section("before"), "unreachable");
    assert_eq!(run.section("after"), "hello");
    assert_eq!(
        run.section("server"),
        "listening\n203.0.113.2",
        "the server sees the masqueraded source"
    );
    assert_eq!(run.section("forward"), "1");
}

#[test]
fn nat_reaches_the_outside_masqueraded_as_the_uplink() {
    nat_reaches_the_outside_masqueraded("");
}

#[test]
fn nat_reaches_the_outside_under_a_drop_policy() {
    nat_reaches_the_outside_masqueraded(DOCKER_STYLE_DROP);
}

/// Argument sets for the mirror test, each after a DROP policy or not.
const MIRRORED: &[(&str, &str)] = &[
    ("", "br0"),
    ("", "br0 10.1.1.0/24"),
    ("", "br0 10.1.1.0/24 10.2.0.0/25 10.3.0.0/20"),
    (DOCKER_STYLE_DROP, "br0 10.1.1.0/24"),
    ("", "br0 fd00:1::/64"),
    (
        "",
        "br0 10.1.1.0/24 fd00:1::/64 --publish 8080:10.1.1.3:80 --publish 8080:[fd00:1::3]:80",
    ),
    (
        "",
        "br0 --publish 10.1.1.1:53:10.1.1.3:53/udp --publish [fd00:1::1]:8443:[fd00:1::3]:443",
    ),
    (
        DOCKER_STYLE_DROP_BOTH,
        "br0 10.1.1.0/24 fd00:1::/64 --publish 8080:10.1.1.3:80 --publish 5353:[fd00:1::3]:53/udp",
    ),
];

/// The `--dry-run` lines run by `sh` (an `nft -f` here-document and
/// `sysctl -w`) make the same ruleset and forwarding as nat-masq.
#[test]
fn mirror_dry_run_lines_run_by_sh_make_the_same_ruleset() {
    let bridge = "ip link add br0 type bridge\nip addr add 10.1.1.1/16 dev br0\nip addr add fd00:1::1/64 dev br0 nodad";
    for (setup, arguments) in MIRRORED {
        let mirror = mirror(
            "nat-masq",
            &format!("{setup}\n{bridge}"),
            arguments,
            "nft -j list ruleset; sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding",
        );
        assert!(
            mirror.plan.starts_with("nft -f - <<'END'\n"),
            "{}",
            mirror.plan
        );
        // Forwarding is turned on for each family with subnets or published ports.
        assert_eq!(
            mirror.plan.contains("sysctl -w net.ipv4.ip_forward=1"),
            arguments.contains("10."),
            "{}",
            mirror.plan
        );
        assert_eq!(
            mirror
                .plan
                .contains("sysctl -w net.ipv6.conf.all.forwarding=1"),
            arguments.contains("fd00:"),
            "{}",
            mirror.plan
        );
        assert_same_lines(
            &mirror.by_plan,
            &mirror.by_command,
            &format!(
                "nat-masq {arguments} and its plan run by sh; plan:\n{}",
                mirror.plan
            ),
        );
    }
}

#[test]
fn rerunning_adds_no_duplicates_and_list_shows_each_rule() {
    let run = sandbox(&format!(
        r#"
        {DOCKER_STYLE_DROP}
        ip link add br0 type bridge
        nat-masq br0 10.1.1.0/24
        nft -j list ruleset > /run/first
        section again
        nat-masq br0 10.1.1.0/24
        nat-masq br0
        nft -j list ruleset | cmp /run/first - && echo same
        section dry
        nat-masq --dry-run br0 10.1.1.0/24
        section list
        nat-masq --list
        section json
        nat-masq --list --json
        "#
    ))
    .ok();
    assert_eq!(run.section("again"), "same");
    assert_eq!(run.section("dry"), "", "nothing left to do");
    let list = run.section("list");
    assert_eq!(list.lines().count(), 7, "{list}");
    assert!(list.contains("ip vethkit postrouting handle"), "{list}");
    let json: Value = serde_json::from_str(&run.section("json")).expect("JSON");
    let comments: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["comment"].as_str().unwrap())
        .collect();
    assert!(
        comments.iter().all(|c| c.starts_with("vethkit: br0")),
        "{comments:?}"
    );
    assert!(comments.contains(&"vethkit: br0 10.1.1.0/24 masquerade"));
}

/// A table of another owner and a user's rule in iptables' FORWARD chain
/// are the same, byte for byte, after nat-masq creates and deletes its own.
#[test]
fn foreign_rules_are_never_touched() {
    let run = sandbox(
        r#"
        nft add table inet other
        nft add chain inet other userchain '{ type filter hook forward priority -10; policy accept; }'
        nft add rule inet other userchain ip saddr 192.0.2.0/24 counter accept comment '"not ours"'
        iptables -P FORWARD DROP
        iptables -A FORWARD -s 198.51.100.0/24 -j ACCEPT
        ip link add br0 type bridge
        foreign() { nft -a list table inet other; iptables -S FORWARD | grep -v vethkit; }
        foreign > /run/before
        nat-masq br0 10.1.1.0/24
        section created
        foreign | diff /run/before - && echo identical
        section iptables
        iptables -S FORWARD
        nat-masq --delete br0
        section deleted
        foreign | diff /run/before - && echo identical
        iptables -S FORWARD | grep -c vethkit || true
        nft list tables
        "#,
    )
    .ok();
    assert_eq!(run.section("created"), "identical");
    let iptables = run.section("iptables");
    assert!(
        iptables.ends_with("-A FORWARD -s 198.51.100.0/24 -j ACCEPT"),
        "the user's rule stays last:\n{iptables}"
    );
    assert_eq!(
        run.section("deleted"),
        "identical\n0\ntable inet other\ntable ip filter",
        "vethkit's table and rules are gone, the rest stays"
    );
}

/// Deleting one subnet leaves the bridge's forward accept and other
/// subnets, and says what it removed; deleting what is not there says so.
#[test]
fn delete_removes_only_what_it_names_and_says_so() {
    let run = sandbox(
        r#"
        ip link add br0 type bridge
        nat-masq br0 10.1.1.0/24 10.2.0.0/24
        section dry
        nat-masq --dry-run --delete br0 10.1.1.0/24 | sed 's/handle [0-9]*/handle N/'
        nat-masq --delete br0 10.1.1.0/24 2>/run/err
        section said
        cat /run/err
        section left
        nat-masq --list | sed 's/^[^:]*: //'
        section nothing
        nat-masq --delete nosuchbr 2>&1
        nat-masq --delete br0 10.9.0.0/24 2>&1
        section all
        nat-masq --delete br0 2>&1
        nft list tables
        "#,
    )
    .ok();
    assert_eq!(
        run.section("dry"),
        "nft -f - <<'END'\ndelete rule ip vethkit forward handle N\ndelete rule ip vethkit forward handle N\ndelete rule ip vethkit postrouting handle N\nEND"
    );
    assert_eq!(
        run.section("said"),
        "nat-masq: removed 3 rules of br0 for 10.1.1.0/24"
    );
    assert_eq!(
        run.section("left"),
        "vethkit: br0\nvethkit: br0 10.2.0.0/24 out\nvethkit: br0 10.2.0.0/24 in\nvethkit: br0 10.2.0.0/24 masquerade"
    );
    assert_eq!(
        run.section("nothing"),
        "nat-masq: no rules of nosuchbr to remove\nnat-masq: no rules of br0 for 10.9.0.0/24 to remove"
    );
    assert_eq!(
        run.section("all"),
        "nat-masq: removed 4 rules of br0 and table ip vethkit"
    );
}

/// `--list BRIDGE` shows that bridge's rules only; `--json` alone lists
/// every rule as JSON, and after a change, the bridge's.
#[test]
fn list_keeps_to_the_bridge_it_names_and_json_lists() {
    let run = sandbox(
        r#"
        ip link add br0 type bridge
        ip link add br1 type bridge
        nat-masq br0 10.1.1.0/24
        section created
        nat-masq --json br1
        section br1
        nat-masq --list br1 | sed 's/^[^:]*: //'
        section json
        nat-masq --json
        "#,
    )
    .ok();
    let comments = |text: &str| -> Vec<String> {
        let json: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        json.as_array()
            .expect("a JSON array")
            .iter()
            .map(|rule| rule["comment"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(comments(&run.section("created")), ["vethkit: br1"]);
    assert_eq!(run.section("br1"), "vethkit: br1");
    assert_eq!(comments(&run.section("json")).len(), 5);
}

/// A table made again by hand under vethkit's name is not vethkit's:
/// `netns-reset --all` leaves it, and its rule, and says so.
#[test]
fn a_table_made_again_by_hand_is_left_alone() {
    let run = sandbox(
        r#"
        ip link add br0 type bridge
        nat-masq br0 10.1.1.0/24
        nft delete table ip vethkit
        nft add table ip vethkit
        nft add chain ip vethkit forward '{ type filter hook forward priority 0; policy accept; }'
        nft add rule ip vethkit forward accept comment '"vethkit: br0"'
        nft list ruleset > /run/hand-made
        section reset
        netns-reset --all 2>&1
        section same
        nft list ruleset | diff /run/hand-made - && echo same
        section forward
        cat /proc/sys/net/ipv4/ip_forward
        "#,
    )
    .ok();
    assert_eq!(run.section("same"), "same");
    assert_eq!(
        run.section("forward"),
        "0",
        "the sysctl was still vethkit's"
    );
    let reset = run.section("reset");
    assert!(
        reset.contains("not deleting in table ip vethkit: it is not the table vethkit made or added to, but one made since under that name"),
        "{reset}"
    );
}

/// A table deleted by hand is gone: `netns-reset --all` says which of
/// its deletions it leaves out, and undoes the rest.
#[test]
fn a_table_deleted_by_hand_is_said_to_be_gone() {
    let run = sandbox(
        r#"
        ip link add br0 type bridge
        nat-masq br0 10.1.1.0/24
        nft delete table ip vethkit
        section reset
        netns-reset --all 2>&1
        section forward
        cat /proc/sys/net/ipv4/ip_forward
        section ruleset
        nft list ruleset
        "#,
    )
    .ok();
    assert_eq!(
        run.section("reset"),
        "netns-reset: not deleting the rules of table ip vethkit: it is gone\n\
         netns-reset: not deleting table ip vethkit: it is gone"
    );
    assert_eq!(run.section("forward"), "0");
    assert_eq!(run.section("ruleset"), "");
}

/// The journal holds how to undo the batch (and the sysctl): applied, it
/// leaves the ruleset and ip_forward as they were.
#[test]
fn the_journal_records_the_undo_of_the_batch_and_the_sysctl() {
    let run = sandbox(
        r#"
        ip link add br0 type bridge
        nat-masq br0 10.1.1.0/24
        section journal
        cat /run/vethkit/journal
        "#,
    )
    .ok();
    let standing = journal_standing(&run.section("journal"));
    let steps: Vec<&str> = standing
        .iter()
        .map(|entry| entry["undo"]["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["nft", "sysctl-restore"]);
    let ops = standing[0]["undo"]["ops"].as_array().unwrap();
    assert_eq!(
        ops.last().unwrap()["op"],
        "delete-table",
        "vethkit made the table: its undo deletes it"
    );
    assert_eq!(standing[1]["undo"]["value"], "0");
}

#[test]
fn bad_input_is_a_one_line_error_and_changes_nothing() {
    let bridge = "ip link add br0 type bridge";
    assert_refused(
        "nat-masq",
        &[
            (bridge, "nat-masq br0 10.1.1.0/33", 2, "10.1.1.0/33"),
            (
                bridge,
                "nat-masq br0 banana",
                2,
                "\"banana\" is not a subnet",
            ),
            ("", "nat-masq", 2, "BRIDGE"),
            (
                bridge,
                "nat-masq br0 10.1.1.1/24",
                2,
                "10.1.1.1/24 has host bits set: give the network, 10.1.1.0/24",
            ),
            ("", "nat-masq br9 10.1.1.0/24", 1, "no interface named br9"),
            (
                bridge,
                "nat-masq br0 0.0.0.0/0",
                2,
                "0.0.0.0/0 is every address: it would masquerade this host's own traffic too",
            ),
            (
                bridge,
                "nat-masq br0 224.0.0.0/4",
                2,
                "224.0.0.0/4 is a multicast range",
            ),
            (
                bridge,
                "nat-masq --list br0 10.1.1.0/24",
                2,
                "cannot be used",
            ),
        ],
    );
}

/// Legacy iptables' FORWARD chain is out of nf_tables' reach: nat-masq
/// refuses, changing nothing. Where the kernel hides the list of legacy
/// tables (a user namespace, run as nobody), it warns instead.
#[test]
fn legacy_iptables_in_use_is_refused_or_warned_about() {
    let setup = "ip link add br0 type bridge; iptables-legacy -P FORWARD DROP";
    let run = sandbox(&format!(
        "{setup}\nsection readable\n[ -r /proc/net/ip_tables_names ] && echo yes || echo no"
    ))
    .ok();
    if run.section("readable") == "yes" {
        assert_refused(
            "nat-masq",
            &[(
                setup,
                "nat-masq br0 10.1.1.0/24",
                1,
                "legacy iptables (x_tables) is in use here (tables filter in /proc/net/ip_tables_names)",
            )],
        );
    } else {
        let run = sandbox(&format!("{setup}\nnat-masq br0 10.1.1.0/24")).ok();
        assert_eq!(
            run.stderr,
            "nat-masq: warning: cannot read /proc/net/ip_tables_names (permission denied): if legacy iptables is in use here, its FORWARD chain may still drop this traffic\n"
        );
    }
}

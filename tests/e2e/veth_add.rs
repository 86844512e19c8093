//! veth-add, checked with iproute2's JSON output and real traffic.

use serde_json::Value;
use vethkit_tests::{
    assert_mirrored_by_ip, assert_refused, assert_same_state, journal_standing, refusal, sandbox,
};

/// The argument sets the mirror test runs, covering each option that
/// changes kernel state.
const MIRRORED: &[&str] = &[
    "veth1 veth2",
    "veth1 veth2 --addr 10.1.1.1/24 --peer-addr 10.1.1.2/24",
    "veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24",
    "veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1",
    "br-veth3 veth3 --peer-netns ns3 --peer-addr 10.1.1.3/24 --peer-gateway 10.1.1.1",
    "a b --netns lab --peer-netns lab2 --addr 2001:db8::1/64 --addr 10.9.0.1/30 --peer-addr 2001:db8::2/64 --gateway 2001:db8::2",
    "veth5 veth6 --mtu 1400 --no-up",
    "veth1 veth2 --netns h1 --no-ipv6 --addr 10.1.1.1/24 --peer-addr 10.1.1.2/24",
    "veth1 veth2 --netns h1 --peer-netns h1 --no-ipv6 --peer-no-ipv6",
    "veth1 veth2 --netns h1 --peer-netns h1 --no-ipv6 --peer-addr 2001:db8::2/64",
    "veth1 veth2 --no-ipv6 --peer-no-ipv6 --addr 10.1.1.1/24",
];

/// For each argument set: the `--dry-run` lines run by `ip` in one
/// sandbox, veth-add in another, leave the same kernel state.
#[test]
fn mirror_dry_run_lines_run_by_ip_leave_the_same_state() {
    for arguments in MIRRORED {
        assert_mirrored_by_ip("veth-add", "", arguments);
    }
}

fn link<'a>(state: &'a Value, netns: &str, name: &str) -> &'a Value {
    state[netns]["links"]
        .as_array()
        .and_then(|links| links.iter().find(|link| link["ifname"] == name))
        .unwrap_or_else(|| panic!("no {name} in netns {netns:?}: {state}"))
}

fn addresses(state: &Value, netns: &str, name: &str) -> Vec<String> {
    let entry = state[netns]["addrs"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["ifname"] == name))
        .expect("link");
    entry["addr_info"]
        .as_array()
        .expect("addr_info")
        .iter()
        .filter(|a| a["scope"] == "global")
        .map(|a| format!("{}/{}", a["local"].as_str().unwrap(), a["prefixlen"]))
        .collect()
}

#[test]
fn ends_go_in_their_namespaces_addressed_routed_and_up() {
    let run = sandbox(
        r#"
        section out
        veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --addr 2001:db8::3/64 --gateway 10.1.1.1 \
            --mtu 1400 --mac 02:00:00:00:00:03 --peer-mac 02:00:00:00:00:04
        section state
        dump_state
        "#,
    )
    .ok();
    assert_eq!(
        run.section("out"),
        "br-veth3",
        "prints the end left in the caller's namespace"
    );
    let state = run.json("state");
    let inside = link(&state, "ns3", "veth3");
    assert_eq!(inside["linkinfo"]["info_kind"], "veth");
    assert_eq!(inside["mtu"], 1400);
    assert_eq!(inside["address"], "02:00:00:00:00:03");
    assert!(inside["flags"].as_array().unwrap().contains(&"UP".into()));
    let outside = link(&state, "", "br-veth3");
    assert_eq!(outside["mtu"], 1400);
    assert_eq!(outside["address"], "02:00:00:00:00:04");
    assert!(outside["flags"].as_array().unwrap().contains(&"UP".into()));
    assert!(link(&state, "ns3", "lo")["flags"]
        .as_array()
        .unwrap()
        .contains(&"UP".into()));
    assert_eq!(
        addresses(&state, "ns3", "veth3"),
        ["10.1.1.3/24", "2001:db8::3/64"]
    );
    let default = state["ns3"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dst"] == "default")
        .expect("default route");
    assert_eq!(default["gateway"], "10.1.1.1");
    assert_eq!(default["dev"], "veth3");
}

#[test]
fn rerunning_succeeds_prints_the_same_and_changes_nothing() {
    let run = sandbox(
        r#"
        args="veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1"
        veth-add $args > /run/first
        section state1
        dump_state
        cp /run/vethkit/journal /run/journal1
        section second
        veth-add $args
        section state2
        dump_state
        section same
        cmp /run/journal1 /run/vethkit/journal && echo journal unchanged
        section dry
        veth-add --dry-run $args
        "#,
    )
    .ok();
    assert_eq!(run.section("second"), "br-veth3");
    assert_same_state(&run.json("state1"), &run.json("state2"), "a second run");
    assert_eq!(run.section("same"), "journal unchanged");
    assert_eq!(run.section("dry"), "", "nothing left to do");
}

#[test]
fn a_missing_address_on_an_existing_pair_is_added() {
    let run = sandbox(
        r#"
        veth-add veth1 veth2 --netns ns1
        section plan
        veth-add --dry-run veth1 veth2 --netns ns1 --addr 10.1.1.1/24
        "#,
    )
    .ok();
    assert_eq!(
        run.section("plan"),
        "ip -n ns1 address add 10.1.1.1/24 dev veth1"
    );
}

#[test]
fn bad_input_is_a_one_line_error_and_changes_nothing() {
    let cases: &[(&str, &str, i32, &str)] = &[
        (
            "",
            "veth-add abcdefghijklmnop veth2 --netns ns1",
            2,
            "16 bytes",
        ),
        ("", "veth-add veth1 veth2 --netns ../x", 2, "../x"),
        (
            "",
            "veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/33",
            2,
            "10.1.1.1/33",
        ),
        (
            "",
            "veth-add veth1 veth2 --netns ns1 --addr banana",
            2,
            "banana",
        ),
        ("", "veth-add veth1", 2, "NAME and PEER"),
        (
            "",
            "veth-add veth1 veth2 --mac 01:00:5e:00:00:01",
            2,
            "multicast",
        ),
        (
            "ip link add veth1 type bridge",
            "veth-add veth1 veth2",
            1,
            "cannot create veth1: an interface with that name already exists",
        ),
        (
            "ip link add b1 type bridge",
            "veth-add v1 b1 --netns h1",
            1,
            "cannot create b1: an interface with that name already exists",
        ),
        (
            "ip netns add ns2; ip -n ns2 link add veth2 type bridge",
            "veth-add veth1 veth2 --peer-netns ns2",
            1,
            "veth2",
        ),
        (
            "veth-add veth1 veth2",
            "veth-add veth1 veth2 --mtu 1400",
            1,
            "mtu 1500, not 1400",
        ),
        (
            "veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --gateway 10.1.1.254",
            "veth-add veth1 veth2 --netns ns1 --gateway 10.1.1.253",
            1,
            "via 10.1.1.254",
        ),
        (
            "",
            "veth-add veth1 veth2 --gateway 10.1.1.1 --no-up",
            2,
            "--no-up",
        ),
        (
            "",
            "veth-add 'v%d' 'p%d'",
            2,
            "invalid interface name \"v%d\": it may not contain '%' (the kernel would number the interface: eth%d becomes eth0)",
        ),
        (
            "",
            "veth-add veth1 veth2 --netns \"$(printf 'x\\ny')\"",
            2,
            "invalid namespace name \"x\\ny\": it may not contain '\\n'",
        ),
        (
            "",
            "veth-add veth1 veth2 --netns $(printf '%0256d' 0)",
            2,
            "it is 256 bytes long, a file name has at most 255",
        ),
        (
            "",
            "veth-add veth1 veth2 --addr 224.0.0.1/24",
            2,
            "224.0.0.1/24 cannot be an interface's address: it is a multicast address",
        ),
        (
            "",
            "veth-add veth1 veth2 --addr 0.0.0.0/0",
            2,
            "0.0.0.0/0 cannot be an interface's address: it is the unspecified address",
        ),
        (
            "",
            "veth-add veth1 veth2 --peer-addr ::/0",
            2,
            "::/0 cannot be an interface's address: it is the unspecified address",
        ),
        (
            "",
            "veth-add veth1 veth2 --addr ::ffff:10.0.0.1/96",
            2,
            "it is an IPv4-mapped IPv6 address, which no interface carries; give 10.0.0.1 itself",
        ),
        (
            "",
            "veth-add veth1 veth2 --addr 10.1.1.1/24 --gateway 10.1.1.1",
            2,
            "the gateway 10.1.1.1 is veth1's own address: a default route goes via another host",
        ),
        (
            "",
            "veth-add veth1 veth2 --no-ipv6 --addr 10.1.1.1/24 --addr fd00::1/64",
            2,
            "fd00::1/64 cannot go on veth1: --no-ipv6 turns IPv6 off on it",
        ),
        (
            "",
            "veth-add veth1 veth2 --peer-no-ipv6 --peer-addr 10.1.1.2/24 --peer-gateway 2001:db8::1",
            2,
            "a default route via 2001:db8::1 cannot go through veth2: --peer-no-ipv6 turns IPv6 off on it",
        ),
        (
            "echo 'veth1 veth2 --addr fd00::1/64' > /run/stdin",
            "veth-add --no-ipv6 --batch -",
            2,
            "stdin: line 1: fd00::1/64 cannot go on veth1: --no-ipv6 turns IPv6 off on it",
        ),
        (
            "",
            "VETHKIT_STATE_DIR=state veth-add veth1 veth2",
            2,
            "VETHKIT_STATE_DIR must be an absolute path, not \"state\"",
        ),
        (
            "",
            "unshare --user veth-add u1 u2",
            1,
            "permission denied: changing the network needs CAP_NET_ADMIN (run as root, or inside a user and network namespace of your own: unshare -rn)",
        ),
    ];
    assert_refused("veth-add", cases);
}

/// A batch line of a megabyte, or an argument of 100 kB (near the most
/// one argument may be), is echoed in an error quoted and cut short, on
/// one short line.
#[test]
fn errors_echo_long_input_cut_short() {
    let run = sandbox(
        r#"
        long=$(head -c 1000000 /dev/zero | tr '\0' x)
        echo "a b --netns $long" > /run/hosts
        section batch
        veth-add --batch /run/hosts 2>&1 || true
        long=$(head -c 100000 /dev/zero | tr '\0' x)
        section argument
        veth-add a b --addr "$long" 2>&1 || true
        section unknown
        veth-add a b "--$long" 2>&1 || true
        "#,
    )
    .ok();
    for part in ["batch", "argument", "unknown"] {
        let error = run.section(part);
        assert_eq!(error.lines().count(), 1, "{part}: {error}");
        assert!(error.len() < 400, "{part}: {} bytes: {error}", error.len());
        assert!(error.contains("...\" (10000"), "{part}: {error}");
        assert!(error.contains(" bytes)"), "{part}: {error}");
    }
    assert!(
        run.section("batch")
            .starts_with("veth-add: /run/hosts: line 1: "),
        "{}",
        run.section("batch")
    );
}

/// The peer's name is taken inside the target namespace: refused, and
/// nothing is left, no veth, no new namespace, no journal entry.
#[test]
fn peer_name_taken_in_target_namespace_leaves_nothing_behind() {
    let run = sandbox(
        r#"
        ip netns add ns2
        ip -n ns2 link add veth2 type bridge
        section status
        veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 2>/run/err || echo $?
        section stderr
        cat /run/err
        section netns
        ip netns list | cut -d' ' -f1
        section links
        ip -br link show | cut -d' ' -f1; ip -n ns2 -br link show | cut -d' ' -f1
        section journal
        cat /run/vethkit/journal 2>/dev/null || true
        "#,
    )
    .ok();
    assert_eq!(run.section("status"), "1");
    assert!(
        run.section("stderr").contains("veth2") && run.section("stderr").contains("netns ns2"),
        "{}",
        run.stderr
    );
    assert_eq!(run.section("netns"), "ns2", "ns1 was not created");
    assert_eq!(run.section("links"), "lo\nlo\nveth2");
    assert!(journal_standing(&run.section("journal")).is_empty());
}

/// A step fails half-way (the gateway is not on the link's subnet): the
/// namespace, the pair and its address, already made, are undone, and the
/// journal says so.
#[test]
fn a_failure_half_way_is_rolled_back_and_the_journal_agrees() {
    let run = sandbox(
        r#"
        section status
        veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 192.0.2.1 2>/run/err || echo $?
        section stderr
        cat /run/err
        section after
        ip netns list; ip -br link show | cut -d' ' -f1
        section journal
        cat /run/vethkit/journal
        "#,
    )
    .ok();
    assert_eq!(run.section("status"), "1");
    let stderr = run.section("stderr");
    assert!(
        stderr.starts_with("veth-add: cannot add default route via 192.0.2.1")
            && stderr.contains("netns ns3"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(run.section("after"), "lo", "no namespace and no veth left");
    let journal = run.section("journal");
    assert!(
        journal.contains("netns-del"),
        "the steps were recorded before they were applied:\n{journal}"
    );
    assert!(
        journal_standing(&journal).is_empty(),
        "entries still standing:\n{journal}"
    );
}

#[test]
fn batch_creates_every_pair_and_streams_local_ends() {
    let run = sandbox(
        r#"
        printf '%s\n' '# one host a line' \
            'veth1 br-veth1 --netns h1 --addr 10.1.1.11/24 --gateway 10.1.1.1' '' \
            '  veth2 br-veth2 --netns h2 --addr 10.1.1.12/24 --gateway 10.1.1.1  # trailing comment' \
            'veth3 br-veth3 --netns h3 --addr 10.1.1.13/24' > /run/hosts
        section out
        veth-add --batch /run/hosts
        section stdin
        echo "x1 x2 --netns h4" | veth-add --batch - --json
        section state
        dump_state
        "#,
    )
    .ok();
    assert_eq!(run.section("out"), "br-veth1\nbr-veth2\nbr-veth3");
    let json: Value = serde_json::from_str(&run.section("stdin")).expect("one JSON object");
    assert_eq!(json["ends"][0]["netns"], "h4");
    assert_eq!(json["ends"][1]["ifname"], "x2");
    let state = run.json("state");
    for (host, address) in [
        ("h1", "10.1.1.11/24"),
        ("h2", "10.1.1.12/24"),
        ("h3", "10.1.1.13/24"),
    ] {
        assert_eq!(
            addresses(&state, host, &format!("veth{}", &host[1..])),
            [address]
        );
        link(&state, "", &format!("br-veth{}", &host[1..]));
    }
}

#[test]
fn a_bad_batch_line_is_refused_before_anything_is_done() {
    let run = sandbox(
        r#"
        printf 'veth1 br-veth1 --netns h1\nveth2 br-veth2 --netns ../h2\n' > /run/hosts
        section status
        veth-add --batch /run/hosts 2>/run/err || echo $?
        section stderr
        cat /run/err
        section netns
        ip netns list
        "#,
    )
    .ok();
    assert_eq!(run.section("status"), "2");
    assert!(
        run.section("stderr")
            .starts_with("veth-add: /run/hosts: line 2: "),
        "{}",
        run.stderr
    );
    assert_eq!(run.section("netns"), "");
}

#[test]
fn interoperates_with_ip_netns_both_ways() {
    let run = sandbox(
        r#"
        veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24
        section list
        ip netns list | cut -d' ' -f1 | sort
        section ip-exec
        ip netns exec ns2 ping -c 1 -W 2 10.1.1.1 >/dev/null && echo reached
        ip netns add made-by-ip
        veth-add a b --netns made-by-ip --addr 10.2.0.1/24 --peer-addr 10.2.0.2/24 >/dev/null
        section ours-in-ip
        netns-exec made-by-ip ping -c 1 -W 2 10.2.0.2 >/dev/null && echo reached
        ip -n made-by-ip -br link show | cut -d' ' -f1
        "#,
    )
    .ok();
    assert_eq!(run.section("list"), "ns1\nns2");
    assert_eq!(run.section("ip-exec"), "reached");
    assert_eq!(run.section("ours-in-ip"), "reached\nlo\na@if2");
}

/// The kernel checks a new link's name in the namespace of the socket that
/// asks: an end going into ns1 must not clash with a link of the caller's.
#[test]
fn a_name_taken_in_the_callers_namespace_is_free_in_another() {
    let run = sandbox(
        r#"
        ip link add veth1 type bridge
        section out
        veth-add veth1 veth2 --netns ns1
        section links
        ip -n ns1 -j -d link show veth1
        "#,
    )
    .ok();
    assert_eq!(run.section("out"), "veth2");
    assert_eq!(run.json("links")[0]["linkinfo"]["info_kind"], "veth");
}

/// `-v` shows, as each step is applied, the very lines `--dry-run` prints.
#[test]
fn verbose_shows_each_step_as_its_dry_run_line() {
    let run = sandbox(
        r#"
        args="veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24"
        section plan
        veth-add --dry-run $args
        section verbose
        veth-add -v $args 2>&1 >/dev/null | sed 's/^veth-add: //'
        "#,
    )
    .ok();
    assert_eq!(run.section("verbose"), run.section("plan"));
    assert_eq!(
        run.section("plan").lines().count(),
        9,
        "{}",
        run.section("plan")
    );
}

/// A reader that goes away ends the command quietly: no message, no panic.
#[test]
fn a_broken_pipe_ends_quietly() {
    let run = sandbox(
        r#"
        for i in 1 2 3 4 5 6 7 8; do echo "a$i b$i"; done > /run/pairs
        section first
        veth-add --batch /run/pairs 2>/run/err | head -n 1
        section stderr
        cat /run/err
        "#,
    )
    .ok();
    assert_eq!(run.section("first"), "a1");
    assert_eq!(run.section("stderr"), "");
}

/// A namespace made by hand that already routes elsewhere: the clash is
/// found before anything is created.
#[test]
fn an_existing_default_route_in_an_existing_namespace_is_a_conflict() {
    let refusal = refusal(
        "ip netns add ns3; ip -n ns3 link add lan type bridge; ip -n ns3 link set lan up; \
         ip -n ns3 addr add 10.9.0.2/24 dev lan; ip -n ns3 route add default via 10.9.0.1",
        "veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1",
    );
    assert_eq!(refusal.status, 1, "{}", refusal.stderr);
    assert_eq!(refusal.stderr, "veth-add: cannot add default route via 10.1.1.1: there is one via 10.9.0.1 already in netns ns3");
    assert!(refusal.changes.is_empty(), "{:?}", refusal.changes);
}

/// Read from a pipe, a batch is still checked whole before anything is done.
#[test]
fn a_bad_line_on_stdin_is_refused_before_anything_is_done() {
    let run = sandbox(
        r#"
        section status
        printf 'veth1 br-veth1 --netns h1\nveth2 br-veth2 --mtu 9\n' | veth-add --batch - 2>/run/err || echo $?
        section stderr
        cat /run/err
        section left
        ip netns list
        ip -o link show | wc -l
        "#,
    )
    .ok();
    assert_eq!(run.section("status"), "2");
    assert!(
        run.section("stderr")
            .starts_with("veth-add: stdin: line 2: "),
        "{}",
        run.stderr
    );
    assert_eq!(run.section("left"), "1", "only lo is left");
}

/// A line that fails is undone and stops the batch; the lines before it
/// stay, and nothing of the lines after it is left, not even the
/// namespaces made ahead for them.
#[test]
fn a_line_that_fails_stops_the_batch_and_only_the_lines_before_it_stay() {
    let run = sandbox(
        r#"
        {
            echo "a1 b1 --netns h1 --addr 10.1.0.2/24 --gateway 10.1.0.1"
            echo "a2 b2 --netns h1 --addr 10.1.1.2/24"  # the same namespace as line 1
            echo "a3 b3 --netns h3 --addr 10.1.3.2/24 --gateway 10.9.9.9"  # unreachable
            for i in 4 5 6 7 8 9; do echo "a$i b$i --netns h$i"; done
        } > /run/hosts
        section out
        veth-add --batch /run/hosts 2>/run/err || echo "status $?"
        section stderr
        cat /run/err
        section netns
        ip netns list | cut -d' ' -f1
        section h1
        ip -n h1 -br address show | awk '{sub(/@.*/, "", $1); print $1, $3}'
        section links
        ip -br link show | awk '{sub(/@.*/, "", $1); print $1}'
        section reset
        netns-reset --all
        ip netns list | wc -l
        ip -o link show | wc -l
        "#,
    )
    .ok();
    assert_eq!(run.section("out"), "b1\nb2\nstatus 1");
    assert!(
        run.section("stderr")
            .starts_with("veth-add: line 3: cannot add default route via 10.9.9.9"),
        "{}",
        run.section("stderr")
    );
    assert_eq!(run.section("netns"), "h1");
    assert_eq!(
        run.section("h1"),
        "lo 127.0.0.1/8\na1 10.1.0.2/24\na2 10.1.1.2/24"
    );
    assert_eq!(run.section("links"), "lo\nb1\nb2");
    assert_eq!(run.section("reset"), "0\n1");
}

/// A batch from a pipe that is not stdin (a FIFO, or `<(...)` in bash) is
/// read like a file.
#[test]
fn a_batch_can_come_from_a_named_pipe() {
    let run = sandbox(
        r#"
        mkfifo /run/hosts
        printf 'a1 b1 --netns h1\na2 b2 --netns h2\n' > /run/hosts &
        section out
        veth-add --batch /run/hosts
        section netns
        ip netns list | cut -d' ' -f1 | sort
        "#,
    )
    .ok();
    assert_eq!(run.section("out"), "b1\nb2");
    assert_eq!(run.section("netns"), "h1\nh2");
}

/// The two lines of a script the manual promises work: an IPv6 address
/// veth-add adds is usable when it returns (it goes on without DAD, and
/// veth-add waits out the moment the kernel takes to make it local).
/// Twenty pairs, for a race to show.
#[test]
fn an_ipv6_address_is_usable_on_the_next_line() {
    let run = sandbox(
        r#"
        section pings
        for i in $(seq 20); do
            veth-add veth$i peer$i --netns ns$i --addr fd00:$i::1/64 --peer-addr fd00:$i::2/64 >/dev/null &&
                netns-exec ns$i ping -6 -c1 -W1 fd00:$i::2 >/dev/null && echo ok || echo "ns$i: no answer"
        done | sort | uniq -c
        section addresses
        ip -n ns1 -j addr show dev veth1
        "#,
    )
    .ok();
    assert_eq!(run.section("pings").trim(), "20 ok", "{}", run.stderr);
    let flags: Vec<String> = inet6(&run.json("addresses"))
        .filter(|address| address["scope"] == "global")
        .map(|address| {
            let flag = |name: &'static str| if address[name] == true { name } else { "-" };
            format!(
                "{} {} {}",
                address["local"],
                flag("nodad"),
                flag("tentative")
            )
        })
        .collect();
    assert_eq!(flags, ["\"fd00:1::1\" nodad -"]);
}

/// The IPv6 entries of `ip -j addr show`'s output.
fn inet6(addresses: &Value) -> impl Iterator<Item = &Value> {
    addresses
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|link| link["addr_info"].as_array())
        .flatten()
        .filter(|address| address["family"] == "inet6")
}

/// A `--no-ipv6` end sends no IPv6 of its own (no DAD, MLD or router
/// solicitation: the kernel's own counters say so), has no IPv6 address,
/// and answers IPv4; a host beside it without the option starts IPv6 as
/// `ip` leaves it. Its namespace, made by veth-add, is quiet from birth: one
/// sysctl for the namespace, none for the link. The same from a batch line.
#[test]
fn a_quiet_end_sends_no_ipv6_of_its_own() {
    let run = sandbox(
        r#"
        sent() { ip netns exec "$1" awk -v key="$2" '$1 == key { print $2 }' /proc/net/snmp6; }
        br-attach br0 --addr 10.1.1.1/24 >/dev/null
        section plan
        veth-add --dry-run veth1 br-veth1 --netns h1 --addr 10.1.1.11/24 --no-ipv6
        section run
        veth-add veth1 br-veth1 --netns h1 --addr 10.1.1.11/24 --no-ipv6 | br-attach br0 -
        veth-add veth2 br-veth2 --netns h2 --addr 10.1.1.12/24 | br-attach br0 -
        echo 'veth3 br-veth3 --netns h3 --addr 10.1.1.13/24 --no-ipv6 --peer-no-ipv6' |
            veth-add --batch - | br-attach br0 -
        # h2 solicits a router once its link-local address has passed DAD.
        for i in $(seq 600); do [ "$(sent h2 Icmp6OutRouterSolicits)" -gt 0 ] && break; sleep 0.05; done
        netns-exec h1 ping -c1 -W5 10.1.1.1 >/dev/null && echo h1 answers
        section sent
        for host in h1 h2 h3; do
            echo "$host $(sent $host Ip6OutRequests) $(sent $host Icmp6OutMsgs)" |
                awk '{ print $1, ($2 > 0 ? "sends" : "silent"), ($3 > 0 ? "icmp6" : "no-icmp6") }'
        done
        section veth1
        ip -n h1 -j addr show dev veth1
        section veth2
        ip -n h2 -j addr show dev veth2
        section veth3
        ip -n h3 -j addr show dev veth3
        section br-veth1
        ip -j addr show dev br-veth1
        section br-veth3
        ip -j addr show dev br-veth3
        section sysctl
        ip netns exec h1 sysctl -n net.ipv6.conf.default.disable_ipv6 net.ipv6.conf.veth1.disable_ipv6
        sysctl -n net.ipv6.conf.br-veth1.disable_ipv6 net.ipv6.conf.br-veth3.disable_ipv6
        "#,
    )
    .ok();
    assert_eq!(
        run.section("plan"),
        "ip netns add h1\n\
         ip netns exec h1 sysctl -w net.ipv6.conf.default.disable_ipv6=1\n\
         ip link add name br-veth1 type veth peer name veth1 netns h1\n\
         ip -n h1 link set dev lo up\n\
         ip -n h1 address add 10.1.1.11/24 dev veth1\n\
         ip -n h1 link set dev veth1 up\n\
         ip link set dev br-veth1 up"
    );
    assert_eq!(run.section("run"), "h1 answers", "{}", run.stderr);
    assert_eq!(
        run.section("sent"),
        "h1 silent no-icmp6\nh2 sends icmp6\nh3 silent no-icmp6"
    );
    let scopes: Vec<String> = ["veth1", "veth2", "veth3", "br-veth1", "br-veth3"]
        .into_iter()
        .map(|link| {
            let scopes: Vec<String> = inet6(&run.json(link))
                .map(|address| address["scope"].to_string())
                .collect();
            format!("{link}: {}", scopes.join(" "))
        })
        .collect();
    assert_eq!(
        scopes,
        [
            "veth1: ",
            "veth2: \"link\"",
            "veth3: ",
            "br-veth1: \"link\"",
            "br-veth3: "
        ]
    );
    assert_eq!(run.section("sysctl"), "1\n1\n0\n1");
}

/// Links made later in a namespace veth-add made IPv6-quiet are born quiet
/// too, as links `ip` makes there would be; an end given an IPv6 address
/// there has IPv6 turned back on, and the address works.
#[test]
fn an_ipv6_address_in_a_quiet_namespace_turns_ipv6_back_on_for_its_end() {
    let run = sandbox(
        r#"
        veth-add veth1 peer1 --netns h1 --no-ipv6 > /dev/null
        section run
        veth-add veth2 peer2 --netns h1 --addr fd00::1/64 --peer-addr fd00::2/64 > /dev/null &&
            netns-exec h1 ping -6 -c1 -W1 fd00::2 > /dev/null && echo veth2 answers
        veth-add veth3 peer3 --netns h1 > /dev/null
        section sysctl
        ip netns exec h1 sysctl -n net.ipv6.conf.veth1.disable_ipv6 \
            net.ipv6.conf.veth2.disable_ipv6 net.ipv6.conf.veth3.disable_ipv6
        section reset
        netns-reset --all && ip netns list && ip -o link show | wc -l
        "#,
    )
    .ok();
    assert_eq!(run.section("run"), "veth2 answers", "{}", run.stderr);
    assert_eq!(run.section("sysctl"), "1\n0\n1");
    assert_eq!(run.section("reset"), "1");
}

//! vxlan-add: labs on several "machines" made one segment, checked with
//! ping and TCP between their hosts, `ip -j -d link` and `bridge -j fdb`.
//!
//! A machine is a network and mount namespace of its own inside the
//! sandbox, with a private `/run` (its own `/run/netns` and journal, as a
//! real machine has) and an `eth0` on the underlay: bridge `under0` of the
//! sandbox, 198.51.100.0/24 (TEST-NET-2).

use vethkit_tests::{assert_mirrored_by_ip, assert_refused, assert_same_lines, mirror, sandbox};

/// Shell functions: `machine NAME N` starts machine NAME with eth0 at
/// 198.51.100.N/24 (its IPv6 link-local address settled); `on NAME
/// COMMAND...` runs a command in it; `lab NAME N [MTU]` builds its lab
/// there: bridge br0 and host hN (10.9.0.N/24, IPv6 quiet) with the MTU
/// given (default: the kernel's, 1500).
const MACHINES: &str = r#"
ip link add under0 type bridge
ip link set under0 up
machine() {
    mkfifo "/run/ready-$1"
    unshare --net --mount --propagation private sh -c \
        "exec 3>/run/ready-$1; mount -t tmpfs tmpfs /run; echo up >&3; exec 3>&-; exec sleep infinity" &
    echo $! > "/run/pid-$1"
    read -r _ < "/run/ready-$1"
    ip link add "u$1" master under0 up type veth peer name eth0 netns "$(cat "/run/pid-$1")"
    on "$1" ip address add "198.51.100.$2/24" dev eth0
    on "$1" ip link set eth0 up
    on "$1" ip link set lo up
    # eth0's link-local address settles (DAD) before anything looks.
    tries=0
    until on "$1" ip -6 address show dev eth0 scope link | grep -q inet6 &&
        ! on "$1" ip -6 address show dev eth0 tentative | grep -q inet6; do
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || { echo "eth0 of $1: its link-local address stays tentative" >&2; return 1; }
        sleep 0.1
    done
}
on() { machine=$1; shift; nsenter -t "$(cat "/run/pid-$machine")" -n -m "$@"; }
lab() {
    on "$1" sh -c "veth-add v$2 b$2 --netns h$2 --addr 10.9.0.$2/24 --no-ipv6 --peer-no-ipv6 ${3:+--mtu $3} | br-attach br0 -"
}
# reach MACHINE N ADDRESS [PING OPTIONS]: host hN on MACHINE pings ADDRESS,
# trying for up to ten seconds (the first frames wait for ARP across).
reach() {
    tries=0
    until on "$1" netns-exec "h$2" ping -c 1 -W 1 -q ${4:-} "$3" > /dev/null; do
        tries=$((tries + 1))
        [ "$tries" -lt 10 ] || { echo "h$2 on $1 cannot reach $3" >&2; return 1; }
    done
}
"#;

#[test]
fn two_then_three_machines_make_one_segment_pinged_and_crossed_by_tcp() {
    let run = sandbox(&format!(
        r#"{MACHINES}
        machine A 1
        machine B 2
        section A-before
        on A vethkit-test-state
        section joins
        lab A 1 1450
        lab B 2 1450
        on A sh -c 'vxlan-add vx42 --id 42 --remote 198.51.100.2 --dev eth0 | br-attach br0 - 2>&1 >/dev/null'
        on B sh -c 'vxlan-add vx42 --id 42 --remote 198.51.100.1 --dev eth0 | br-attach br0 - 2>&1 >/dev/null'
        reach A 1 10.9.0.2
        section two
        echo A reaches B

        machine C 3
        lab C 3 1450
        on C sh -c 'vxlan-add vx42 --id 42 --remote 198.51.100.1 --remote 198.51.100.2 --dev eth0 | br-attach br0 -'
        section again
        on A vxlan-add vx42 --id 42 --remote 198.51.100.2 --remote 198.51.100.3 --dev eth0 --dry-run
        on A vxlan-add vx42 --id 42 --remote 198.51.100.2 --remote 198.51.100.3 --dev eth0
        on B vxlan-add vx42 --id 42 --remote 198.51.100.1 --remote 198.51.100.3 --dev eth0 > /dev/null
        reach A 1 10.9.0.2
        reach A 1 10.9.0.3
        reach B 2 10.9.0.3
        reach A 1 10.9.0.3 "-M do -s 1422"
        section pings
        echo A reaches B and C, 1450 bytes too
        : > /run/received
        on C netns-exec h3 vethkit-test-tcp receive 10.9.0.3:5001 > /run/received &
        tries=0
        until grep -q listening /run/received; do
            tries=$((tries + 1)); [ "$tries" -lt 600 ] || exit 1; sleep 0.1
        done
        on A netns-exec h1 vethkit-test-tcp send 10.9.0.3:5001 1048576
        wait $!
        section tcp
        grep received /run/received
        section link
        on A ip -j -d link show vx42
        section fdb
        on A bridge -j fdb show dev vx42
        for m in A B C; do on "$m" netns-reset --all > /dev/null; done
        section A-after
        on A vethkit-test-state
        section left
        for m in A B C; do on "$m" ip -o link show type vxlan; on "$m" ip netns list; done
        "#
    ))
    .ok();
    assert_eq!(run.section("joins"), "", "no warning: the hosts fit");
    assert_eq!(run.section("two"), "A reaches B");
    assert_eq!(
        run.section("again"),
        "bridge fdb append 00:00:00:00:00:00 dev vx42 dst 198.51.100.3\nvx42",
        "a re-run adds only the remote that is missing"
    );
    assert_eq!(run.section("pings"), "A reaches B and C, 1450 bytes too");
    assert_eq!(run.section("tcp"), "received 1048576 bytes, intact");

    let link = &run.json("link")[0];
    let data = &link["linkinfo"]["info_data"];
    assert_eq!(link["linkinfo"]["info_kind"], "vxlan", "{link}");
    assert_eq!(data["id"], 42, "{data}");
    assert_eq!(data["remote"], "198.51.100.2", "{data}");
    assert_eq!(data["link"], "eth0", "{data}");
    assert_eq!(data["port"], 4789, "{data}");
    assert_eq!(link["mtu"], 1450, "the uplink's 1500 less 50: {link}");
    let mut flood: Vec<String> = run
        .json("fdb")
        .as_array()
        .expect("a list of entries")
        .iter()
        .filter(|entry| entry["mac"] == "00:00:00:00:00:00")
        .map(|entry| entry["dst"].as_str().unwrap_or_default().to_string())
        .collect();
    flood.sort();
    assert_eq!(flood, ["198.51.100.2", "198.51.100.3"]);

    assert_same_lines(
        &run.section("A-before"),
        &run.section("A-after"),
        "machine A before its lab (-) and after netns-reset --all (+)",
    );
    assert_eq!(run.section("left"), "", "netns-reset --all left these");
}

#[test]
fn a_port_of_a_larger_mtu_than_the_vxlan_link_is_warned_of() {
    let run = sandbox(&format!(
        r#"{MACHINES}
        machine A 1
        machine B 2
        lab A 1
        lab B 2 1450
        section joins-larger
        on A sh -c 'vxlan-add vx42 --id 42 --remote 198.51.100.2 --dev eth0 | br-attach br0 - 2>&1 >/dev/null'
        section larger-joins
        on A sh -c 'veth-add v3 b3 --netns h3 --no-ipv6 | br-attach br0 - 2>&1 >/dev/null'
        section fits
        on B sh -c 'vxlan-add vx42 --id 42 --remote 198.51.100.1 --dev eth0 | br-attach br0 - 2>&1 >/dev/null'
        section big-ping
        reach B 2 10.9.0.1
        on A netns-exec h1 ping -c 1 -W 1 -q -M do -s 1422 10.9.0.2 > /dev/null && echo 1450 bytes cross
        status=0; on A netns-exec h1 ping -c 2 -W 1 -q -M do -s 1423 10.9.0.2 > /dev/null || status=$?
        echo "1451 bytes: ping exits $status"
        "#
    ))
    .ok();
    let warning = "br-attach: warning: vx42 on br0 has mtu 1450, less than the mtu 1500 of b1";
    let fix = "make those links with veth-add --mtu 1450";
    for section in ["joins-larger", "larger-joins"] {
        let stderr = run.section(section);
        assert!(
            stderr.starts_with(warning) && stderr.ends_with(fix) && stderr.lines().count() == 1,
            "{section}: {stderr}"
        );
    }
    assert!(
        run.section("larger-joins").contains("and 1 more port:"),
        "{}",
        run.section("larger-joins")
    );
    assert_eq!(run.section("fits"), "", "no warning when the ports fit");
    assert_eq!(
        run.section("big-ping"),
        "1450 bytes cross\n1451 bytes: ping exits 1",
        "ping exits 1 when no reply comes"
    );
}

/// An uplink for the tests that need no other machine.
const UPLINK: &str = "ip link add eth0 type veth peer name eth0p
ip address add 198.51.100.1/24 dev eth0
ip link set eth0 up
ip link set eth0p up";

#[test]
fn dry_run_lines_run_by_ip_and_bridge_leave_the_same_link_and_remotes() {
    let in_lab = "ip netns add lab
ip -n lab link add eth0 type veth peer name eth0p
ip -n lab link set eth0 up
ip -n lab link set eth0p up";
    for (setup, arguments, fdb_of) in [
        (UPLINK, "vx42 --id 42 --remote 198.51.100.2 --dev eth0", "bridge"),
        (UPLINK, "vx42 --id 42 --remote 198.51.100.2 --remote 198.51.100.3 --local 198.51.100.1 --dev eth0 --port 8472 --mtu 1400", "bridge"),
        (UPLINK, "vx7 --id 7 --group 239.1.1.7 --dev eth0 --no-up", "bridge"),
        (UPLINK, "vx6 --id 6 --remote 2001:db8::2 --remote 2001:db8::3 --dev eth0", "bridge"),
        (in_lab, "-n lab vx42 --id 42 --remote 198.51.100.2 --remote 198.51.100.3 --dev eth0", "bridge -n lab"),
    ] {
        assert_mirrored_by_ip("vxlan-add", setup, arguments);
        let name = arguments
            .split(' ')
            .find(|word| word.starts_with("vx"))
            .expect("a name");
        let fdb = mirror(
            "vxlan-add",
            setup,
            arguments,
            &format!("{fdb_of} fdb show dev {name} | sort"),
        );
        assert_same_lines(
            &fdb.by_plan,
            &fdb.by_command,
            &format!("bridge fdb of {arguments}: its plan (-), vxlan-add (+)"),
        );
    }
}

#[test]
fn bad_input_is_refused_in_one_line_and_changes_nothing() {
    let made =
        format!("{UPLINK}\nvxlan-add vx42 --id 42 --remote 198.51.100.2 --dev eth0 > /dev/null");
    assert_refused(
        "vxlan-add",
        &[
            (
                UPLINK,
                "vxlan-add vx42 --id 0 --remote 198.51.100.2 --dev eth0",
                2,
                "1..=16777215",
            ),
            (
                UPLINK,
                "vxlan-add vx42 --id 16777216 --remote 198.51.100.2 --dev eth0",
                2,
                "1..=16777215",
            ),
            (
                UPLINK,
                "vxlan-add vx42 --id 42 --remote far.away --dev eth0",
                2,
                "\"far.away\" is not an IP address",
            ),
            (
                UPLINK,
                "vxlan-add vx42 --id 42 --remote 239.1.1.1 --dev eth0",
                2,
                "239.1.1.1 is a multicast address: give it as --group",
            ),
            (
                UPLINK,
                "vxlan-add vx42 --id 42 --group 198.51.100.2 --dev eth0",
                2,
                "198.51.100.2 is not a multicast address",
            ),
            (
                UPLINK,
                "vxlan-add vx42 --id 42 --remote 198.51.100.2",
                2,
                "--dev",
            ),
            (UPLINK, "vxlan-add vx42 --id 42 --dev eth0", 2, "--remote"),
            (
                UPLINK,
                "vxlan-add vx42 --id 42 --remote 198.51.100.2 --group 239.1.1.1 --dev eth0",
                2,
                "--group",
            ),
            (
                UPLINK,
                "vxlan-add vx42 --id 42 --remote 198.51.100.2 --dev eth0 --port 0",
                2,
                "--port",
            ),
            (
                UPLINK,
                "vxlan-add vx42 --id 42 --remote 198.51.100.2 --local 2001:db8::1 --dev eth0",
                2,
                "not of one family",
            ),
            (
                UPLINK,
                "vxlan-add vx42 --id 42 --remote 198.51.100.2 --dev eth9",
                1,
                "no interface named eth9",
            ),
            (
                UPLINK,
                "vxlan-add vx42 --id 42 --remote 198.51.100.2 --dev eth0 --mtu 1451",
                1,
                "mtu 1450 at most",
            ),
            (
                UPLINK,
                "vxlan-add eth0p --id 42 --remote 198.51.100.2 --dev eth0",
                1,
                "exists and is a veth",
            ),
            (
                &made,
                "vxlan-add vx42 --id 43 --remote 198.51.100.2 --dev eth0",
                1,
                "vx42 exists with id 42, not 43",
            ),
            (
                &made,
                "vxlan-add vx42 --id 42 --remote 198.51.100.9 --dev eth0",
                1,
                "remote 198.51.100.2, not 198.51.100.9",
            ),
            (
                &format!("{made}\nip link add eth1 type veth peer name eth1p"),
                "vxlan-add vx43 --id 42 --remote 198.51.100.3 --dev eth1",
                1,
                "VNI 42 on port 4789 over IPv4 is vx42's already",
            ),
            (
                &made,
                "vxlan-add vx43 --id 42 --remote 198.51.100.3 --dev eth0",
                1,
                "VNI 42 on port 4789 over IPv4 is vx42's already",
            ),
        ],
    );
}

#[test]
fn remotes_added_to_a_link_made_by_hand_are_all_the_reset_takes_away() {
    let run = sandbox(&format!(
        r#"{UPLINK}
        ip link add vx42 type vxlan id 42 remote 198.51.100.2 dev eth0 dstport 4789
        section before
        bridge fdb show dev vx42
        section made
        vxlan-add vx42 --id 42 --remote 198.51.100.2 --remote 198.51.100.3 --dev eth0 --json
        section fdb
        bridge fdb show dev vx42 | sort
        section reset
        netns-reset --all 2>&1
        section after
        bridge fdb show dev vx42
        ip -o link show vx42 | grep -o 'state [A-Z]*'
        "#
    ))
    .ok();
    let made = run.json("made");
    assert_eq!(made["ifname"], "vx42", "{made}");
    assert_eq!(made["id"], 42, "{made}");
    assert_eq!(made["remotes"][1], "198.51.100.3", "{made}");
    assert_eq!(
        run.section("fdb"),
        "00:00:00:00:00:00 dst 198.51.100.2 via eth0 self permanent\n\
         00:00:00:00:00:00 dst 198.51.100.3 self permanent"
    );
    assert_eq!(run.section("reset"), "");
    assert_eq!(
        run.section("after"),
        format!("{}\nstate DOWN", run.section("before")),
        "the link made by hand stays, down again, with its own remote only"
    );
}

#[test]
fn one_vni_may_run_over_ipv4_and_ipv6_at_once() {
    let run = sandbox(&format!(
        r#"{UPLINK}
        vxlan-add vx42 --id 42 --remote 198.51.100.2 --dev eth0
        vxlan-add vx42v6 --id 42 --remote 2001:db8::2 --dev eth0
        section mtu
        ip -j link show vx42v6
        "#
    ))
    .ok();
    assert_eq!(
        run.stdout.lines().take(2).collect::<Vec<_>>(),
        ["vx42", "vx42v6"]
    );
    assert_eq!(
        run.json("mtu")[0]["mtu"],
        1430,
        "VXLAN over IPv6 takes 70 bytes of the uplink's 1500"
    );
}

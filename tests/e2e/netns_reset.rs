//! netns-reset, checked with `ip -j -d`, `ip netns list`, `nft -j list
//! ruleset`, sysctl(8), `/proc/self/mountinfo` and real traffic.

use serde_json::Value;
use vethkit_tests::{
    assert_mirrored_by_ip, assert_refused, assert_same_lines, assert_same_state, journal_standing,
    sandbox, FAKE_OUTSIDE,
};

/// `snapshot NAME`: sections NAME-state (every namespace's links,
/// addresses and routes, settled), NAME-netns, NAME-nft and NAME-sysctls (every
/// `net.` key of every namespace but the conntrack counter, which counts
/// the traffic of the test).
const SNAPSHOT: &str = r#"
snapshot() {
    section "$1-state"; dump_state
    section "$1-netns"; ip netns list | cut -d' ' -f1 | sort
    section "$1-nft"; nft list ruleset
    section "$1-sysctls"; dump_sysctls | grep -v nf_conntrack_count
}
"#;

/// Asserts that snapshots `before` and `after` of `run` show the same state.
fn assert_same_snapshot(run: &vethkit_tests::Run, before: &str, after: &str) {
    assert_same_state(
        &run.json(&format!("{before}-state")),
        &run.json(&format!("{after}-state")),
        &format!("links, addresses or routes {before} and {after}"),
    );
    for part in ["netns", "nft", "sysctls"] {
        assert_same_lines(
            &run.section(&format!("{before}-{part}")),
            &run.section(&format!("{after}-{part}")),
            &format!("{part} {before} and {after}"),
        );
    }
}

/// What is made by hand before vethkit runs, and must be there, unchanged,
/// after `netns-reset --all`: a namespace, a veth pair on a bridge with an
/// address, an nf_tables table, sysctls and Docker's FORWARD policy DROP
/// (with [`FAKE_OUTSIDE`]).
const MADE_BY_HAND: &str = r#"
ip netns add mine
ip -n mine link set lo up
ip link add mine0 type veth peer name mine1
ip link add brmine type bridge
ip link set mine1 master brmine
ip addr add 10.9.9.1/24 dev mine0
ip link set mine0 up
nft add table inet mine
nft add chain inet mine c '{ type filter hook forward priority 10; policy accept; }'
nft add rule inet mine c ip saddr 10.9.9.0/24 accept comment '"made by hand"'
echo 2 > /proc/sys/net/ipv4/conf/all/rp_filter
echo 1 > /proc/sys/net/ipv4/conf/mine0/forwarding
iptables -P FORWARD DROP
"#;

/// Every section of the walk-through, done with vethkit, nothing put back
/// along the way; the traffic checks print "reached".
const WALKTHROUGH: &str = r#"
veth-add veth1 veth2 --addr 10.1.1.1/24 --peer-addr 10.1.1.2/24 >/dev/null
sysctl-set net.ipv4.conf.veth1.accept_local=1 net.ipv4.conf.veth2.accept_local=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.veth1.rp_filter=0 net.ipv4.conf.veth2.rp_filter=0
ping -c 1 -W 2 -I veth2 10.1.1.1 >/dev/null && echo reached 1
ip link del veth1
veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24
netns-exec ns2 ping -c 1 -W 2 10.1.1.1 >/dev/null && echo reached 2
br-attach br0 --addr 10.1.1.1/16
veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1 | br-attach br0 -
veth-add veth4 br-veth4 --netns ns4 --addr 10.1.1.4/24 --gateway 10.1.1.1 | br-attach br0 -
nat-masq br0 10.1.1.0/24
netns-exec ns4 ping -c 1 -W 2 10.1.1.3 >/dev/null && echo reached 3
netns-exec ns3 ping -c 1 -W 2 203.0.113.1 >/dev/null && echo reached 4
netns-reset --rename veth1=veth1b ns1 >/dev/null
"#;

/// The whole walk-through then `netns-reset --all`: exactly the state
/// before, what was made by hand included; the journal is left empty, and
/// a second run succeeds and changes nothing.
#[test]
fn the_walkthrough_then_all_gives_back_exactly_the_state_before() {
    let run = sandbox(&format!(
        r#"
        {SNAPSHOT}
        {MADE_BY_HAND}
        {FAKE_OUTSIDE}
        snapshot before
        section traffic
        {WALKTHROUGH} >/dev/null
        snapshot during
        netns-reset --all
        snapshot after
        section journal
        cat /run/vethkit/journal
        netns-reset --all
        snapshot again
        "#
    ))
    .ok();
    assert_eq!(
        run.section("traffic"),
        "reached 1\nreached 2\nreached 3\nreached 4"
    );
    assert_ne!(
        run.section("during-netns"),
        run.section("before-netns"),
        "the walk-through made namespaces"
    );
    assert_same_snapshot(&run, "before", "after");
    assert_same_snapshot(&run, "before", "again");
    assert_eq!(run.section("journal"), "", "nothing left to undo");
    let sysctls = run.section("after-sysctls");
    assert!(sysctls.contains(": net.ipv4.conf.all.rp_filter = 2"));
    assert!(sysctls.contains(": net.ipv4.ip_forward = 0"));
}

/// `netns-reset NS` brings the links of a namespace made by `ip` back
/// here, down and without addresses as the kernel moves them, and deletes
/// the namespace: no file, no mount left, even while a process runs in it.
/// A bridge cannot leave its namespace: it goes with it, and the user is told.
#[test]
fn links_made_by_ip_come_back_and_the_namespace_goes_without_leftovers() {
    let run = sandbox(
        r#"
        ip netns add lab
        ip link add a1 type veth peer name a2
        ip link set a1 netns lab
        ip link add b1 type veth peer name b2 netns lab
        ip -n lab link add labbr type bridge
        ip -n lab addr add 10.2.2.1/24 dev a1
        ip -n lab link set a1 up
        netns-exec lab sleep 30 & sleeper=$!
        until [ -n "$(ip netns pids lab)" ]; do sleep 0.05; done
        section printed
        netns-reset lab 2>/run/err
        section stderr
        cat /run/err
        section links
        ip -j -d link show
        section netns
        ip netns list
        section leftovers
        ls /run/netns
        grep -c /run/netns/lab /proc/self/mountinfo || true
        kill $sleeper
        "#,
    )
    .ok();
    let printed = run.section("printed");
    let mut printed: Vec<&str> = printed.lines().collect();
    printed.sort_unstable();
    assert_eq!(printed, ["a1", "b2"]);
    assert_eq!(
        run.section("stderr"),
        "netns-reset: labbr (a bridge) cannot leave netns lab; it goes with it"
    );
    let links = run.json("links");
    let names: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|link| link["ifname"].as_str().unwrap())
        .collect();
    for name in ["a1", "a2", "b1", "b2"] {
        assert!(names.contains(&name), "{name} is not back here: {names:?}");
    }
    assert!(!names.contains(&"labbr"));
    assert_eq!(run.section("netns"), "");
    assert_eq!(run.section("leftovers"), "0", "no file, no mount");
}

/// With --keep-netns the namespace stays, emptied but for lo (and what
/// cannot leave it).
#[test]
fn keep_netns_keeps_the_emptied_namespace() {
    let run = sandbox(
        r#"
        veth-add veth1 veth2 --netns ns1 --peer-netns ns1 >/dev/null
        netns-reset --keep-netns ns1 >/dev/null
        section ns1
        ip -n ns1 -br link show | cut -d' ' -f1
        section here
        ip -br link show | cut -d' ' -f1 | sort
        "#,
    )
    .ok();
    assert_eq!(run.section("ns1"), "lo");
    assert_eq!(run.section("here"), "lo\nveth1@veth2\nveth2@veth1");
}

/// The links come back to the namespace netns-reset runs in, never to PID
/// 1's: run from a shell with a network namespace of its own but the PID
/// namespace (and /run) of the sandbox, the sandbox's own namespace, PID
/// 1's, is left unchanged.
#[test]
fn links_come_back_to_the_callers_namespace_never_to_pid_1s() {
    let run = sandbox(
        r#"
        section outer-before
        dump_state
        unshare --net sh -euc '
            ip link set lo up
            veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24
            netns-reset ns1 >/dev/null
            echo "=== inner"
            ip -br link show | cut -d" " -f1
            netns-reset --all
            echo "=== inner-after"
            ip -br link show | cut -d" " -f1
            ip netns list
        '
        section outer-after
        dump_state
        "#,
    )
    .ok();
    assert_eq!(run.section("inner"), "lo\nveth1@if2");
    assert_eq!(run.section("inner-after"), "lo");
    assert_same_state(
        &run.json("outer-before"),
        &run.json("outer-after"),
        "PID 1's namespace was touched",
    );
}

/// A name taken here is refused before anything moves, naming both links;
/// --rename brings the link back under another name.
#[test]
fn a_name_clash_is_refused_or_renamed_as_asked() {
    let setup = "veth-add veth1 veth2 --netns ns1 --peer-netns ns2 --addr 10.1.1.1/24 >/dev/null\n\
                 ip link add veth1 type veth peer name other";
    assert_refused(
        "netns-reset",
        &[(
            setup,
            "netns-reset ns1 ns2",
            1,
            "cannot bring veth1 back from netns ns1: the name veth1 is taken by veth1 here (a veth); choose another with --rename veth1=NEWNAME",
        )],
    );
    let run = sandbox(&format!(
        "{setup}\nsection printed\nnetns-reset --rename veth1=veth1b ns1 ns2\nsection links\nip -br link show | cut -d' ' -f1 | sort\nsection netns\nip netns list"
    ))
    .ok();
    assert_eq!(run.section("printed"), "veth1b\nveth2");
    assert_eq!(
        run.section("links"),
        "lo\nother@veth1\nveth1@other\nveth1b@veth2\nveth2@veth1b"
    );
    assert_eq!(run.section("netns"), "");
}

/// The `--dry-run` lines run by `sh` (`netns $$`: the shell's namespace)
/// leave the same state as the command.
#[test]
fn mirror_dry_run_lines_run_by_sh_do_the_same() {
    assert_mirrored_by_ip(
        "netns-reset",
        "veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 >/dev/null\n\
         ip -n ns1 link add br9 type veth peer name br9b",
        "--rename veth1=v1 ns1",
    );
}

#[test]
fn bad_input_is_a_one_line_error_and_changes_nothing() {
    let lab = "veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 >/dev/null";
    assert_refused(
        "netns-reset",
        &[
            (
                lab,
                "netns-reset ns1 ns9",
                1,
                "no network namespace named ns9 (see ip netns list)",
            ),
            (
                lab,
                "netns-reset ../x",
                2,
                "invalid namespace name \"../x\"",
            ),
            (lab, "netns-reset", 2, "<NS>"),
            (lab, "netns-reset --all ns1", 2, "'--all' cannot be used"),
            (
                lab,
                "netns-reset --rename eth0=e0 ns1",
                1,
                "cannot rename eth0: no interface of that name comes back",
            ),
            (lab, "netns-reset --rename veth1 ns1", 2, "is not OLD=NEW"),
            (
                lab,
                "netns-reset --rename veth1=h%d ns1",
                2,
                "may not contain '%' (the kernel would number the interface",
            ),
        ],
    );
    let run = sandbox(&format!(
        "{lab}\nnetns-reset --missing-ok ns9 ns1\nsection netns\nip netns list"
    ))
    .ok();
    assert_eq!(run.section("netns"), "", "ns9 was skipped, ns1 reset");
}

/// 8 veth-add runs in parallel from one script are all recorded; --all
/// then leaves nothing but lo and no namespace.
#[test]
fn parallel_runs_are_all_recorded_and_all_undone() {
    let run = sandbox(
        r#"
        for i in 1 2 3 4 5 6 7 8; do
            veth-add v$i b$i --netns h$i --addr 10.3.0.$i/24 --gateway 10.3.0.254 >/dev/null &
        done
        wait
        section journal
        cat /run/vethkit/journal
        netns-reset --all
        section links
        ip -br link show | cut -d' ' -f1
        section netns
        ip netns list
        ls /run/netns
        "#,
    )
    .ok();
    let standing = journal_standing(&run.section("journal"));
    for i in 1..=8 {
        let namespace = format!("h{i}");
        assert!(
            standing
                .iter()
                .any(|entry| entry["undo"]["step"] == "netns-del"
                    && entry["undo"]["name"] == namespace.as_str()),
            "h{i} is not recorded"
        );
        assert!(
            standing
                .iter()
                .any(|entry| entry["undo"]["step"] == "link-del"
                    && entry["undo"]["name"] == format!("b{i}")),
            "b{i} is not recorded"
        );
    }
    assert_eq!(run.section("links"), "lo");
    assert_eq!(run.section("netns"), "");
}

/// A `veth-add --batch` of 300 pairs killed with SIGKILL part-way (at
/// once, and once it has made 1, 3, 10, 30, 100, 200 and 299 namespaces, so
/// that a loaded machine moves the moments, not the test), and once with a
/// journal line torn as a kill mid-write leaves it: each time --all leaves
/// nothing but lo, no namespace, no file under /run/netns, and an empty
/// journal.
#[test]
fn a_batch_killed_at_any_moment_is_undone_completely() {
    let run = sandbox(
        r#"
        for i in $(seq 1 300); do
            echo "v$i b$i --netns h$i --addr 10.4.$((i / 250)).$((i % 250 + 1))/16 --gateway 10.4.255.254"
        done > /run/hosts
        for at in 0 1 3 10 30 100 200 299; do
            veth-add --batch /run/hosts >/dev/null & pid=$!
            while kill -0 $pid 2>/dev/null && [ "$(ls /run/netns 2>/dev/null | wc -l)" -lt $at ]; do :; done
            kill -9 $pid 2>/dev/null || true
            wait $pid 2>/dev/null || true
            made=$(ip netns list | wc -l)
            [ "$at" != 30 ] || printf '{"id":"torn","undo":{"step":"link-d' >> /run/vethkit/journal
            status=0; netns-reset --all 2>>/run/err || status=$?
            files=$(ls /run/netns 2>/dev/null | wc -l)
            lines=$(cat /run/vethkit/journal 2>/dev/null | grep -c . || true)
            echo "trial $at: made $made, status $status, left $(ip -o link show | wc -l) links $(ip netns list | wc -l) namespaces $files files, journal $lines lines"
        done
        section err
        cat /run/err
        "#,
    )
    .ok();
    let trials: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("trial "))
        .collect();
    assert_eq!(trials.len(), 8, "{}", run.stdout);
    let err = run.section("err");
    assert!(
        err.contains(
            "it ends part-way, as a write cut short (a full disk, say) leaves it; skipped"
        ) && err.contains("1 line of the journal could not be read and was skipped"),
        "{err}"
    );
    let mut killed_part_way = 0;
    for trial in trials {
        // The torn line is reported, skipped, and said in the exit status.
        let status = if trial.starts_with("trial 30:") { 1 } else { 0 };
        assert!(
            trial.ends_with(&format!(
                "status {status}, left 1 links 0 namespaces 0 files, journal 0 lines"
            )),
            "{trial}\n{}",
            run.stderr
        );
        let made = trial.split_whitespace().nth(3).unwrap();
        let made: usize = made.trim_end_matches(',').parse().unwrap();
        if made > 0 && made < 300 {
            killed_part_way += 1;
        }
    }
    assert!(
        killed_part_way >= 2,
        "too few trials killed the batch part-way:\n{}",
        run.stdout
    );
}

/// --all carries on past an undo that fails (here, sysctls under a
/// read-only /proc/sys), says what failed, exits 1, and keeps only that in
/// the journal; once the cause is gone, a second run finishes the job.
#[test]
fn all_carries_on_past_failures_and_a_second_run_finishes() {
    let run = sandbox(
        r#"
        veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 >/dev/null
        sysctl-set net.ipv4.ip_forward=1
        mount --bind -o ro /proc/sys /proc/sys
        section status
        netns-reset --all 2>/run/err && echo 0 || echo $?
        section stderr
        cat /run/err
        section first
        ip -br link show | cut -d' ' -f1
        ip netns list
        section journal
        cat /run/vethkit/journal
        umount /proc/sys
        section second
        netns-reset --all && echo 0
        cat /proc/sys/net/ipv4/ip_forward
        "#,
    )
    .ok();
    assert_eq!(run.section("status"), "1");
    let stderr = run.section("stderr");
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(stderr.contains("net.ipv4.ip_forward"), "{stderr}");
    assert!(
        stderr.starts_with("netns-reset: cannot write net.ipv4.ip_forward: read-only file system\nnetns-reset: 1 of ")
            && stderr.ends_with(" changes could not be undone; they stay recorded for the next netns-reset --all"),
        "{stderr}"
    );
    assert_eq!(run.section("first"), "lo", "the rest was undone");
    let standing: Vec<Value> = journal_standing(&run.section("journal"))
        .into_iter()
        .map(|entry| entry["undo"]["step"].clone())
        .collect();
    assert_eq!(standing, ["sysctl-restore"]);
    assert_eq!(run.section("second"), "0\n0");
}

/// A pair, a bridge and a namespace vethkit made, each deleted by hand
/// and made again under the same name (the namespace with a veth of its
/// own inside), are not vethkit's: `netns-reset --all` leaves them all,
/// says so for each (and that the namespace's pair went with it), and
/// leaves nothing in the journal.
#[test]
fn objects_made_again_by_hand_under_the_same_name_are_left_alone() {
    let run = sandbox(
        r#"
        veth-add s1 s2 >/dev/null
        ip link del s1
        ip link add s1 type veth peer name s2
        br-attach b9
        ip link del b9
        ip link add b9 type bridge
        veth-add q1 q2 --netns qn >/dev/null
        ip netns del qn
        while ip link show q2 >/dev/null 2>&1; do sleep 0.05; done
        ip netns add qn
        ip -n qn link add h1 type veth peer name h2
        hand_made() { ip -br link show | cut -d' ' -f1; ip netns list | cut -d' ' -f1; ip -n qn -br link show | cut -d' ' -f1; }
        section before
        hand_made
        section reset
        netns-reset --all 2>&1; echo "status $?"
        section after
        hand_made
        section journal
        cat /run/vethkit/journal
        "#,
    )
    .ok();
    assert_eq!(run.section("after"), run.section("before"));
    assert_eq!(
        run.section("reset"),
        "netns-reset: not deleting: q2 is gone\n\
         netns-reset: not deleting: b9 is not the interface vethkit made or changed, but one made since under that name\n\
         netns-reset: not deleting: s1 is not the interface vethkit made or changed, but one made since under that name\n\
         netns-reset: not deleting: netns qn is not the namespace vethkit made or worked in, but one made since under that name\n\
         status 0"
    );
    assert_eq!(run.section("journal"), "", "the records are gone too");
}

/// The demo's first section deletes veth1 by hand, and its last brings
/// another veth1 back from ns1: `netns-reset --all --dry-run` deletes
/// veth1 once, the one that is vethkit's.
#[test]
fn a_link_deleted_by_hand_is_not_deleted_again_under_its_name() {
    let run = sandbox(
        r#"
        veth-add veth1 veth2 --addr 10.1.1.1/24 --peer-addr 10.1.1.2/24 >/dev/null
        ip link del veth1
        veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24
        netns-reset ns1 >/dev/null
        section dry
        netns-reset --all --dry-run
        section reset
        netns-reset --all 2>&1
        ip -br link show | cut -d' ' -f1
        ip netns list | cut -d' ' -f1
        "#,
    )
    .ok();
    assert_eq!(
        run.section("dry"),
        "ip link del dev veth1\nip netns del ns2"
    );
    assert_eq!(
        run.section("reset"),
        "netns-reset: not deleting: veth1 is gone\nlo",
        "the veth1 deleted by hand is said to be gone, not taken for the other veth1"
    );
}

/// A journal written by vethkit 0.1.0, before undos knew their objects,
/// is read and undone by name, as 0.1.0 did.
#[test]
fn a_journal_of_the_previous_release_is_undone_by_name() {
    let fixture = include_str!("../fixtures/journal-0.1.0");
    let run = sandbox(&format!(
        r#"
        ip link add hand0 type veth peer name hand1
        ip netns add ipns
        hand_made() {{ ip -br link show | cut -d' ' -f1 | sort; ip netns list | cut -d' ' -f1; ip -n ipns -br link show; }}
        section before
        hand_made; sysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter
        export VETHKIT_STATE_DIR=/run/elsewhere
        veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24 >/dev/null
        br-attach br0 --addr 10.1.1.1/16
        veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1 | br-attach br0 -
        br-attach br0 hand0
        veth-add v5 b5 --netns ipns >/dev/null
        sysctl-set net.ipv4.conf.all.rp_filter=2
        nat-masq br0 10.1.1.0/24
        netns-reset ns1 >/dev/null
        unset VETHKIT_STATE_DIR
        mkdir -p /run/vethkit
        sed "s/HOME/$(stat -L -c %i /proc/self/ns/net)/" > /run/vethkit/journal <<'END'
{fixture}END
        netns-reset --all
        section after
        hand_made; sysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter
        section ruleset
        nft list ruleset
        section journal
        cat /run/vethkit/journal
        "#
    ))
    .ok();
    assert_same_lines(
        &run.section("before"),
        &run.section("after"),
        "the state before the lab and after the reset",
    );
    assert_eq!(run.section("ruleset"), "");
    assert_eq!(run.section("journal"), "");
}

/// A journal with lines that cannot be read (binary garbage in the
/// middle, a last line cut inside a character by a full disk): each is
/// reported with its number and skipped, everything else is undone, and
/// the exit status says so; the next run finds a clean journal.
#[test]
fn unreadable_journal_lines_are_reported_and_the_rest_undone() {
    let run = sandbox(
        r#"
        journal=/run/vethkit/journal
        veth-add a1 b1 --netns h1 >/dev/null
        garbage=$(($(wc -l < $journal) + 1))
        printf '\377\376 binary garbage\n' >> $journal
        veth-add a2 b2 --netns h2 >/dev/null
        torn=$(($(wc -l < $journal) + 1))
        printf '{"id":"t","undo":{"step":"netns-del","name":"\303' >> $journal
        section lines
        echo $garbage $torn
        section first
        netns-reset --all 2>&1 || echo "status $?"
        section left
        ip netns list
        ip -br link show | cut -d' ' -f1
        section second
        netns-reset --all && echo "status 0"
        "#,
    )
    .ok();
    let lines = run.section("lines");
    let (garbage, torn) = lines.split_once(' ').expect("two line numbers");
    assert_eq!(
        run.section("first"),
        format!(
            "netns-reset: cannot read line {garbage} of the journal /run/vethkit/journal: it is not valid UTF-8; skipped\n\
             netns-reset: cannot read line {torn} of the journal /run/vethkit/journal: it ends part-way, as a write cut short (a full disk, say) leaves it; skipped\n\
             netns-reset: 2 lines of the journal could not be read and were skipped\n\
             status 1"
        )
    );
    assert_eq!(run.section("left"), "lo", "everything else was undone");
    assert_eq!(run.section("second"), "status 0");
}

/// `lo` brought up by veth-add in a namespace `ip netns add` made goes
/// back down with `netns-reset --all`; the namespace stays.
#[test]
fn lo_brought_up_in_a_namespace_made_by_ip_goes_back_down() {
    let run = sandbox(
        r#"
        ip netns add ipns
        veth-add v1 p1 --netns ipns >/dev/null
        section up
        ip -n ipns -o link show lo | grep -o '<[^>]*>'
        netns-reset --all
        section after
        ip -n ipns -o link show lo | grep -o '<[^>]*>'
        ip netns list | cut -d' ' -f1
        "#,
    )
    .ok();
    assert_eq!(run.section("up"), "<LOOPBACK,UP,LOWER_UP>");
    assert_eq!(run.section("after"), "<LOOPBACK>\nipns");
}

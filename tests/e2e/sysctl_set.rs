//! sysctl-set, checked with sysctl(8) and by reading `/proc/sys` directly.

use vethkit_tests::{assert_refused, journal_standing, mirror, sandbox};

/// Setups and the argument sets the mirror test runs after them.
const MIRRORED: &[(&str, &str)] = &[
    ("", "net.ipv4.ip_forward=1"),
    (
        "",
        "net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.accept_local=1 net/ipv6/conf/all/forwarding=1",
    ),
    (
        "ip link add br.1 type bridge",
        "net.ipv4.conf.br/1.rp_filter=1 net.ipv4.conf.br/1.accept_local=1",
    ),
    ("", "'net.ipv4.tcp_rmem=4096 65536 4194304' 'net.ipv4.ping_group_range=0 0'"),
    ("ip netns add ns1", "-n ns1 net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=1"),
];

/// For each argument set: the `--dry-run` lines run by sh (sysctl, and
/// `ip netns exec` for a namespace) in one sandbox, sysctl-set in another,
/// leave every `net.` sysctl of every namespace the same.
#[test]
fn mirror_dry_run_lines_run_by_sysctl_leave_the_same_values() {
    for (setup, arguments) in MIRRORED {
        let mirror = mirror("sysctl-set", setup, arguments, "dump_sysctls");
        assert_eq!(
            mirror.plan.lines().count(),
            arguments.matches('=').count(),
            "{arguments}: one line a changed key:\n{}",
            mirror.plan
        );
        assert!(mirror.by_plan.lines().count() > 100, "{}", mirror.by_plan);
        let differing: Vec<_> = mirror
            .by_plan
            .lines()
            .zip(mirror.by_command.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert!(
            mirror.by_plan == mirror.by_command,
            "{arguments}: sysctl-set and its plan differ: {differing:?}\nplan:\n{}",
            mirror.plan
        );
    }
}

/// Walk-through-style use: set, change again, print, and restore the exact
/// values read from /proc before anything was done.
#[test]
fn the_value_before_the_first_change_is_restored_exactly() {
    let run = sandbox(
        r#"
        p=/proc/sys/net/ipv4
        values() { cat $p/ip_forward $p/conf/all/rp_filter $p/tcp_rmem; }
        section before
        values
        sysctl-set net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 'net.ipv4.tcp_rmem=4096 65536 4194304'
        sysctl-set net.ipv4.conf.all.rp_filter=1
        section changed
        values
        section printed
        sysctl-set net.ipv4.ip_forward net/ipv4/conf/all/rp_filter
        section restore-one
        sysctl-set --restore net.ipv4.ip_forward
        cat $p/ip_forward $p/conf/all/rp_filter
        section restored
        sysctl-set --restore
        values
        section journal
        cat /run/vethkit/journal
        section again
        sysctl-set --restore && echo nothing left to restore
        "#,
    )
    .ok();
    let before = run.section("before");
    let lines: Vec<&str> = before.lines().collect();
    assert_eq!(lines[0], "0", "ip_forward starts off in a new namespace");
    assert_eq!(
        run.section("changed"),
        "1\n1\n4096\t65536\t4194304",
        "read from /proc"
    );
    assert_eq!(run.section("printed"), "1\n1");
    assert_eq!(
        run.section("restore-one"),
        format!("{}\n1", lines[0]),
        "only the key named is restored"
    );
    assert_eq!(run.section("restored"), before, "the exact old values");
    assert!(journal_standing(&run.section("journal")).is_empty());
    assert_eq!(run.section("again"), "nothing left to restore");
}

#[test]
fn setting_what_is_already_set_changes_nothing() {
    let run = sandbox(
        r#"
        sysctl-set net.ipv4.ip_forward=1
        cp /run/vethkit/journal /run/journal1
        section dry
        sysctl-set --dry-run net.ipv4.ip_forward=1 net/ipv4/ip_forward=0x1
        section same
        sysctl-set net.ipv4.ip_forward=1
        cmp /run/journal1 /run/vethkit/journal && echo journal unchanged
        "#,
    )
    .ok();
    assert_eq!(run.section("dry"), "");
    assert_eq!(run.section("same"), "journal unchanged");
}

#[test]
fn key_value_lines_are_read_from_stdin() {
    let run = sandbox(
        r#"
        printf '%s\n' '# sysctl.conf style' '; another comment' '' \
            'net.ipv4.ip_forward = 1' '  net/ipv4/conf/all/accept_local=1  ' \
            | sysctl-set -v - 2>/run/err
        section values
        cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/accept_local
        section verbose
        cat /run/err
        "#,
    )
    .ok();
    assert_eq!(run.section("values"), "1\n1");
    assert_eq!(
        run.section("verbose"),
        "sysctl-set: sysctl -w net.ipv4.ip_forward=1\nsysctl-set: sysctl -w net.ipv4.conf.all.accept_local=1"
    );
}

/// `-n NS` writes inside NS only, and `--restore` keeps to the namespace it is given.
#[test]
fn a_named_namespace_has_sysctls_of_its_own() {
    let run = sandbox(
        r#"
        ip netns add ns1
        sysctl-set -n ns1 net.ipv4.ip_forward=1
        sysctl-set net.ipv4.conf.all.accept_local=1
        section values
        ip netns exec ns1 cat /proc/sys/net/ipv4/ip_forward
        cat /proc/sys/net/ipv4/ip_forward
        section printed
        sysctl-set -n ns1 net.ipv4.ip_forward
        section restore
        sysctl-set -n ns1 --restore
        ip netns exec ns1 cat /proc/sys/net/ipv4/ip_forward
        cat /proc/sys/net/ipv4/conf/all/accept_local
        "#,
    )
    .ok();
    assert_eq!(run.section("values"), "1\n0");
    assert_eq!(run.section("printed"), "1");
    assert_eq!(
        run.section("restore"),
        "0\n1",
        "the caller's namespace keeps its change"
    );
}

/// A key whose interface is gone has nothing to restore: --restore succeeds.
#[test]
fn restoring_a_key_whose_interface_is_gone_succeeds() {
    let run = sandbox(
        r#"
        veth-add veth1 veth2 >/dev/null
        sysctl-set net.ipv4.conf.veth1.accept_local=1 net.ipv4.ip_forward=1
        ip link del veth1
        section restore
        sysctl-set --restore && echo restored
        cat /proc/sys/net/ipv4/ip_forward
        section journal
        cat /run/vethkit/journal
        "#,
    )
    .ok();
    assert_eq!(run.section("restore"), "restored\n0");
    let standing = journal_standing(&run.section("journal"));
    assert!(
        standing
            .iter()
            .all(|e| e["undo"]["step"] != "sysctl-restore"),
        "{standing:?}"
    );
}

/// The second value is refused by the kernel: the first is put back.
#[test]
fn a_refused_value_rolls_back_the_others() {
    let run = sandbox(
        r#"
        section status
        sysctl-set net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=abc 2>/run/err || echo $?
        section stderr
        cat /run/err
        section values
        cat /proc/sys/net/ipv4/ip_forward
        section journal
        cat /run/vethkit/journal
        "#,
    )
    .ok();
    assert_eq!(run.section("status"), "1");
    assert_eq!(
        run.section("stderr"),
        "sysctl-set: the kernel refuses \"abc\" for net.ipv4.conf.all.rp_filter: invalid value"
    );
    assert_eq!(run.section("values"), "0");
    let journal = run.section("journal");
    assert!(journal.contains("sysctl-restore"), "{journal}");
    assert!(journal_standing(&journal).is_empty(), "{journal}");
}

#[test]
fn bad_input_is_a_one_line_error_and_changes_nothing() {
    assert_refused(
        "sysctl-set",
        &[
            (
                "",
                "sysctl-set net.ipv4.ip_forward=1 kernel.hostname=box",
                2,
                "invalid sysctl key \"kernel.hostname\": only keys under net. can be set",
            ),
            (
                "",
                "sysctl-set net.ipv4.ip_forward=1 net.ipv4.no_such_key=1",
                1,
                "no sysctl net.ipv4.no_such_key",
            ),
            (
                "",
                "sysctl-set net.ipv4.conf.veth9.rp_filter=0",
                1,
                "no sysctl net.ipv4.conf.veth9.rp_filter",
            ),
            (
                "",
                "sysctl-set net.ipv4=1",
                1,
                "net.ipv4 is a directory of keys",
            ),
            (
                "",
                "sysctl-set net/../kernel/hostname=box",
                2,
                "it has a . or .. component",
            ),
            ("", "sysctl-set ../../etc/passwd=x", 2, ". or .. component"),
            (
                "",
                "sysctl-set /proc/sys/net/ipv4/ip_forward=1",
                2,
                "absolute paths are refused",
            ),
            (
                "",
                "sysctl-set net..ipv4.ip_forward=1",
                2,
                "empty component",
            ),
            (
                "printf 'net.ipv4.ip_forward = 1\\nnet.ipv4.ip\\0_forward = 1\\n' > /run/stdin",
                "sysctl-set -",
                2,
                "line 2: invalid sysctl key",
            ),
            (
                "",
                "sysctl-set net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=abc",
                1,
                "the kernel refuses \"abc\" for net.ipv4.conf.all.rp_filter",
            ),
            (
                "",
                "sysctl-set net.ipv4.ip_forward=1 net.ipv4.tcp_fastopen_key=1-2-3-4",
                1,
                "cannot set net.ipv4.tcp_fastopen_key to 1-2-3-4: the kernel keeps 00000001-00000002-00000003-00000004",
            ),
            (
                "",
                "sysctl-set net.ipv4.route.flush=1",
                1,
                "its value cannot be read",
            ),
            ("", "sysctl-set net.ipv4.ip_forward=", 2, "no value given"),
            (
                "",
                "sysctl-set net.ipv4.ip_forward=1 net.ipv4.ip_forward=0",
                2,
                "twice",
            ),
            (
                "",
                "sysctl-set -n ns9 net.ipv4.ip_forward=1",
                1,
                "no network namespace named ns9",
            ),
            ("", "sysctl-set", 2, "expected KEY=VALUE"),
            (
                "sysctl-set net.ipv4.ip_forward=1",
                "sysctl-set --restore net.ipv4.ip_forward=0",
                2,
                "--restore takes keys, not KEY=VALUE (\"net.ipv4.ip_forward=0\")",
            ),
            (
                "",
                "sysctl-set \"$(printf 'net.ipv4\\001.ip_forward=1')\"",
                2,
                "invalid sysctl key \"net.ipv4\\u{1}.ip_forward\"",
            ),
        ],
    );
}

/// Blanks around `=` in an argument are taken as sysctl(8) takes them.
#[test]
fn blanks_around_the_equals_sign_are_accepted_as_sysctl_does() {
    let run = sandbox(
        r#"
        sysctl-set 'net.ipv4.ip_forward =1' ' net.ipv4.conf.all.accept_local = 1 '
        section values
        cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/accept_local
        "#,
    )
    .ok();
    assert_eq!(run.section("values"), "1\n1");
}

/// A key set by hand after sysctl-set keeps the value set by hand: both
/// `--restore` and `netns-reset --all` leave it, and say so; `--restore`
/// of a key never recorded says there is nothing to restore.
#[test]
fn a_sysctl_changed_by_hand_since_is_left_as_it_is() {
    let run = sandbox(
        r#"
        ttl=/proc/sys/net/ipv4/ip_default_ttl
        sysctl-set net.ipv4.ip_default_ttl=10
        echo 20 > $ttl
        section restore
        sysctl-set --restore 2>&1
        cat $ttl
        sysctl-set net.ipv4.ip_default_ttl=30
        echo 40 > $ttl
        section reset
        netns-reset --all 2>&1
        cat $ttl
        section never
        sysctl-set --restore net.ipv4.tcp_syncookies 2>&1; echo "status $?"
        section journal
        cat /run/vethkit/journal
        "#,
    )
    .ok();
    assert_eq!(
        run.section("restore"),
        "sysctl-set: not putting back net.ipv4.ip_default_ttl (64): it was changed to 20 after vethkit set it to 10, and stays\n20"
    );
    assert_eq!(
        run.section("reset"),
        "netns-reset: not putting back net.ipv4.ip_default_ttl (20): it was changed to 40 after vethkit set it to 30, and stays\n40"
    );
    assert_eq!(
        run.section("never"),
        "sysctl-set: nothing to restore for net.ipv4.tcp_syncookies: no change of it is recorded\nstatus 0"
    );
    assert_eq!(run.section("journal"), "", "the records are gone");
}

/// The kernel copies a new ip_forward to every interface's forwarding:
/// restoring ip_forward alone would clobber an interface set otherwise by
/// hand, so that value is recorded and put back too (read from /proc).
#[test]
fn restoring_ip_forward_gives_back_what_the_kernel_changed_with_it() {
    let run = sandbox(
        r#"
        conf=/proc/sys/net/ipv4/conf
        ip link add mine0 type veth peer name mine1
        echo 1 > $conf/mine0/forwarding
        values() { echo "$(cat /proc/sys/net/ipv4/ip_forward) $(cat $conf/all/forwarding) $(cat $conf/mine0/forwarding) $(cat $conf/mine1/forwarding)"; }
        section before
        values
        sysctl-set net.ipv4.ip_forward=1
        section set
        values
        section plan
        sysctl-set --dry-run --restore
        sysctl-set --restore
        section restored
        values
        "#,
    )
    .ok();
    assert_eq!(run.section("before"), "0 0 1 0");
    assert_eq!(run.section("set"), "1 1 1 1", "the kernel's copy");
    assert_eq!(
        run.section("plan"),
        "sysctl -w net.ipv4.ip_forward=0 net.ipv4.conf.mine0.forwarding=1"
    );
    assert_eq!(run.section("restored"), run.section("before"));
}

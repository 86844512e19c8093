//! netns-exec against `ip netns exec`: the same view of the namespace, the
//! command's exit status, and iproute2's namespaces both ways.

use vethkit_tests::sandbox;

#[test]
fn runs_the_command_inside_the_namespace_with_its_own_sys() {
    let run = sandbox(
        r#"
        ip netns add ns1
        ip -n ns1 link add bridge7 type bridge
        section links
        netns-exec ns1 ip -br link show | cut -d' ' -f1 | sort
        section sys
        netns-exec ns1 ls /sys/class/net | sort
        section outside
        ls /sys/class/net | sort
        "#,
    )
    .ok();
    assert_eq!(run.section("links"), "bridge7\nlo");
    assert_eq!(
        run.section("sys"),
        "bridge7\nlo",
        "/sys is remounted for the namespace"
    );
    assert_eq!(
        run.section("outside"),
        "lo",
        "the caller's /sys is untouched"
    );
}

#[test]
fn exit_status_is_the_commands_or_126_127() {
    let run = sandbox(
        r#"
        ip netns add ns1
        section statuses
        for command in "true" "false" "sh -c 'exit 7'" "no-such-command-x" "/etc"; do
            status=0; eval "netns-exec ns1 $command" 2>/dev/null || status=$?; echo $status
        done
        section messages
        netns-exec ns1 no-such-command-x 2>&1 || true
        netns-exec ns1 /etc 2>&1 || true
        "#,
    )
    .ok();
    assert_eq!(run.section("statuses"), "0\n1\n7\n127\n126");
    assert_eq!(
        run.section("messages"),
        "netns-exec: no-such-command-x: command not found\nnetns-exec: cannot run /etc: permission denied"
    );
}

#[test]
fn no_command_runs_the_users_shell() {
    let run = sandbox(
        r#"
        ip netns add ns1
        printf '#!/bin/sh\nip -br link show | cut -d" " -f1\n' > /run/fake-shell; chmod +x /run/fake-shell
        SHELL=/run/fake-shell netns-exec ns1
        "#,
    )
    .ok();
    assert_eq!(run.stdout.trim(), "lo");
}

#[test]
fn etc_netns_files_are_bound_over_etc() {
    // A private /etc in the sandbox, so that /etc/netns can be written.
    let run = sandbox(
        r#"
        mount -t tmpfs etc /etc
        echo "127.0.0.1 outside" > /etc/hosts
        mkdir -p /etc/netns/ns1
        echo "10.1.1.1 inside" > /etc/netns/ns1/hosts
        ip netns add ns1
        section inside
        netns-exec ns1 cat /etc/hosts
        section ip
        ip netns exec ns1 cat /etc/hosts
        section outside
        cat /etc/hosts
        "#,
    )
    .ok();
    assert_eq!(run.section("inside"), "10.1.1.1 inside");
    assert_eq!(
        run.section("ip"),
        run.section("inside"),
        "the same view as ip netns exec"
    );
    assert_eq!(run.section("outside"), "127.0.0.1 outside");
}

#[test]
fn a_missing_namespace_is_a_one_line_error_and_create_makes_it() {
    let run = sandbox(
        r#"
        section missing
        status=0; netns-exec ns9 true 2>/run/err || status=$?; echo $status; cat /run/err
        section listed
        ip netns list
        section create
        netns-exec --create ns9 ip -br link show | cut -d' ' -f1
        section listed-after
        ip netns list
        ip netns exec ns9 true && echo "ip netns exec sees it"
        "#,
    )
    .ok();
    assert_eq!(
        run.section("missing"),
        "1\nnetns-exec: no network namespace named ns9 (see ip netns list)"
    );
    assert_eq!(run.section("listed"), "", "nothing was created");
    assert_eq!(run.section("create"), "lo");
    assert_eq!(run.section("listed-after"), "ns9\nip netns exec sees it");
}

#[test]
fn usage_errors_exit_2_on_one_line() {
    let run = sandbox(
        r#"
        status=0; netns-exec 2>/run/err || status=$?; echo $status; cat /run/err
        status=0; netns-exec ../x true 2>/run/err || status=$?; echo $status; cat /run/err
        "#,
    )
    .ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert_eq!(lines[0], "2");
    assert!(
        lines[1].starts_with("netns-exec: ") && lines[1].contains("<NS>"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "2");
    assert!(
        lines[3].starts_with("netns-exec: ") && lines[3].contains("../x"),
        "{}",
        lines[3]
    );
}

//! Invocations a script starts in parallel (`&`) end as if run one after
//! another: what one makes a moment before another asks for it is used,
//! not fought over, and never rolled back by the other. Each race is run
//! for several rounds in one sandbox, each round undone by `netns-reset
//! --all`, and checked with iproute2 and sysctl(8).

use vethkit_tests::sandbox;

/// Runs `command I` for I in 1..=8 at once, `rounds` times; after each
/// round, `check` (shell) prints what the round left, and
/// `netns-reset --all` undoes it. Returns, a line a round, "statuses
/// COUNT STATUS... -> CHECK" (the lines of CHECK ended by `;`), and stderr.
fn race(command: &str, check: &str, rounds: usize) -> (Vec<String>, String) {
    let run = sandbox(&format!(
        r#"
        for round in $(seq {rounds}); do
            for i in 1 2 3 4 5 6 7 8; do
                ( status=0; {command} >/dev/null 2>>/run/err || status=$?; echo $status > /run/status.$i ) &
            done
            wait
            echo "statuses $(sort /run/status.* | uniq -c | awk '{{printf "%d:%d ", $1, $2}}')-> $( {{ {check}; }} | tr '\n' ';')"
            netns-reset --all 2>>/run/err
            [ "$(ip netns list | wc -l)" = 0 ] || echo "namespaces left: $(ip netns list)"
        done
        echo "=== stderr"
        cat /run/err
        "#
    ))
    .ok();
    let stderr = run.section("stderr");
    let rounds = run
        .stdout
        .lines()
        .take_while(|line| !line.starts_with("==="))
        .map(str::to_string)
        .collect();
    (rounds, stderr)
}

/// Every round: all 8 exit 0, and `expected` is what was left.
fn assert_every_round(rounds: &[String], stderr: &str, expected: &str) {
    for round in rounds {
        assert_eq!(
            round,
            &format!("statuses 8:0 -> {expected}"),
            "stderr:\n{stderr}"
        );
    }
    assert_eq!(stderr, "", "nothing to say when all goes well");
}

/// 8 pairs into one namespace that does not exist yet: one invocation
/// makes it, the others wait for it to be mounted and use it.
#[test]
fn pairs_into_one_new_namespace_all_succeed() {
    let (rounds, stderr) = race(
        "veth-add p$i q$i --netns shared",
        "ip -n shared -br link show type veth | wc -l; ip -br link show type veth | wc -l",
        10,
    );
    assert_eq!(rounds.len(), 10);
    assert_every_round(&rounds, &stderr, "8;8;");
}

/// The same pair asked for 8 times at once: one makes it, the others find
/// it made as asked, and none takes it (or its namespace) away again.
#[test]
fn the_same_pair_asked_for_at_once_is_made_once_and_kept() {
    let (rounds, stderr) = race(
        "veth-add rv1 rv2 --netns rns --addr 10.7.0.1/24 --gateway 10.7.0.2",
        "ip -n rns -o -4 addr show dev rv1 | awk '{print $4}'; ip -n rns route show default; ip -o link show rv2 | cut -d' ' -f2",
        10,
    );
    assert_every_round(
        &rounds,
        &stderr,
        "10.7.0.1/24;default via 10.7.0.2 dev rv1 ;rv2@if2:;",
    );
}

/// 8 ports attached at once to one bridge none of them finds.
#[test]
fn ports_attached_at_once_to_one_new_bridge_all_succeed() {
    let run = sandbox(
        r#"
        for i in 1 2 3 4 5 6 7 8; do ip link add q$i type veth peer name r$i; done
        for round in 1 2 3 4 5; do
            for i in 1 2 3 4 5 6 7 8; do
                ( status=0; br-attach qbr q$i 2>>/run/err || status=$?; echo $status > /run/status.$i ) &
            done
            wait
            echo "statuses $(sort /run/status.* | uniq -c | awk '{printf "%d:%d ", $1, $2}')-> $(ip -br link show master qbr | wc -l)"
            netns-reset --all 2>>/run/err
            ip link show qbr >/dev/null 2>&1 && echo "qbr left"
        done
        section stderr
        cat /run/err
        section hand-made
        ip -br link show type veth | cut -d@ -f1 | sort | tr '\n' ' '
        "#,
    )
    .ok();
    let stderr = run.section("stderr");
    let rounds: Vec<&str> = run.stdout.lines().take(5).collect();
    for round in rounds {
        assert_eq!(round, "statuses 8:0 -> 8", "stderr:\n{stderr}");
    }
    assert_eq!(stderr, "");
    assert_eq!(
        run.section("hand-made"),
        "q1 q2 q3 q4 q5 q6 q7 q8 r1 r2 r3 r4 r5 r6 r7 r8 ",
        "the ports made by hand stay"
    );
}

/// 8 writers of one sysctl at once: none takes another's value for a
/// refusal, and restoring gives back the value before all of them.
#[test]
fn one_sysctl_set_at_once_by_8_is_restored_to_the_first_value() {
    let run = sandbox(
        r#"
        section before
        cat /proc/sys/net/ipv4/ip_default_ttl
        section rounds
        for round in 1 2 3 4 5; do
            for i in 1 2 3 4 5 6 7 8; do
                ( status=0; sysctl-set net.ipv4.ip_default_ttl=10$i 2>>/run/err || status=$?; echo $status > /run/status.$i ) &
            done
            wait
            echo "statuses $(sort /run/status.* | uniq -c | awk '{printf "%d:%d ", $1, $2}')"
            if [ $round = 3 ]; then sysctl-set --restore; else netns-reset --all; fi
            cat /proc/sys/net/ipv4/ip_default_ttl
        done
        section stderr
        cat /run/err
        "#,
    )
    .ok();
    let before = run.section("before");
    let rounds = run.section("rounds");
    let lines: Vec<&str> = rounds.lines().collect();
    assert_eq!(lines.len(), 10, "{rounds}");
    for round in lines.chunks(2) {
        assert_eq!(round, ["statuses 8:0 ", before.as_str()], "{rounds}");
    }
    assert_eq!(run.section("stderr"), "");
}

//! link-shape: its netem requests compared byte for byte with tc's (both
//! captured by strace), a rate-limited TCP transfer timed, its tbf plan
//! run by tc mirrored, the qdisc it replaced given back by `--clear` and
//! `netns-reset --all` as `tc -j` shows it, and bad input refused.

use serde_json::Value;
use vethkit_tests::{assert_same_lines, mirror, sandbox};

/// Shell functions: `capture FILE COMMAND...` runs a command under strace,
/// its netlink writes dumped in hexadecimal to FILE; `qdiscs` prints `tc
/// -j qdisc show` of the sandbox's namespace and of each named one, a
/// line each, without htb's count of the packets it sent past its classes
/// (the links' own IPv6 chatter).
const TOOLS: &str = r#"
capture() { file=$1; shift; strace -o "$file" -x -e trace=sendmsg,sendto -e write=all "$@"; }
qdiscs() {
    {
        echo ": $(tc -j qdisc show)"
        for ns in $(ip netns list | cut -d' ' -f1 | sort); do
            echo "$ns: $(ip netns exec "$ns" tc -j qdisc show)"
        done
    } | sed 's/"direct_packets_stat":[0-9]*,//'
}
"#;

/// link-shape's arguments and the words after `netem` tc is given for
/// the same shape (what link-shape's dry-run line must say too).
const NETEM_CASES: [(&str, &str); 19] = [
    ("--delay 20ms", "delay 20ms"),
    ("--delay 100ms --jitter 10ms", "delay 100ms 10ms"),
    ("--loss 1%", "loss 1%"),
    ("--loss 0.5%", "loss 0.5%"),
    ("--duplicate 1%", "duplicate 1%"),
    ("--corrupt 0.1%", "corrupt 0.1%"),
    ("--delay 10ms --reorder 25%", "delay 10ms reorder 25%"),
    ("--delay 5ms --rate 10mbit", "delay 5ms rate 10mbit"),
    ("--delay 1.5s", "delay 1.5s"),
    ("--delay 250us", "delay 250us"),
    (
        "--delay 20ms --loss 1% --duplicate 2% --corrupt 3% --reorder 4%",
        "delay 20ms loss 1% duplicate 2% corrupt 3% reorder 4%",
    ),
    ("--loss 100%", "loss 100%"),
    ("--loss 1% --rate 100gbit", "loss 1% rate 100gbit"),
    ("--delay 20msec", "delay 20msec"),
    (
        "--delay 7ms --jitter 3ms --rate 1mbit",
        "delay 7ms 3ms rate 1mbit",
    ),
    ("--duplicate 0%", "duplicate 0%"),
    ("--corrupt 50", "corrupt 50"),
    (
        "--delay 1ms --reorder 100% --rate 512kbit",
        "delay 1ms reorder 100% rate 512kbit",
    ),
    ("--loss 10% --rate 35gbit", "loss 10% rate 35gbit"),
];

/// The bytes of the first `RTM_NEWQDISC` request in a strace log made by
/// `capture`, from the hexadecimal dump under its line.
fn new_qdisc_request(log: &str) -> Option<Vec<u8>> {
    let mut lines = log
        .lines()
        .skip_while(|line| !line.contains("RTM_NEWQDISC"));
    lines.next()?;
    // sendmsg's dump starts with a " * N bytes in buffer 0" line.
    let bytes: Vec<u8> = lines
        .skip_while(|line| line.starts_with(" * "))
        .take_while(|line| line.starts_with(" | "))
        .flat_map(|line| {
            // " | 00000  4c 00 ...  ascii |": 16 bytes in columns 10 to 58.
            let hex = line.get(10..59).unwrap_or_default();
            hex.split_whitespace()
                .map(|pair| u8::from_str_radix(pair, 16).expect("hexadecimal"))
                .collect::<Vec<_>>()
        })
        .collect();
    (!bytes.is_empty()).then_some(bytes)
}

/// `qdiscs` output, a line a namespace, with only the qdiscs `keep`
/// takes, and the handles the kernel picks (from one counter for every
/// link, so that they differ between any two runs) written `(picked)`
/// when `hide_picked`.
fn reparsed(qdiscs: &str, keep: impl Fn(&Value) -> bool, hide_picked: bool) -> String {
    qdiscs
        .lines()
        .map(|line| {
            let (namespace, json) = line.split_once(": ").expect("NS: JSON");
            let mut list: Value = serde_json::from_str(json).expect("tc -j output");
            let list = list.as_array_mut().expect("a list");
            list.retain(&keep);
            for qdisc in list.iter_mut().filter(|_| hide_picked) {
                if qdisc["handle"] != "0:" {
                    qdisc["handle"] = "(picked)".into();
                }
            }
            format!("{namespace}: {}", Value::from(list.clone()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The handle of the root qdisc of `dev` in the first line of `qdiscs`.
fn handle_of(qdiscs: &str, dev: &str) -> String {
    let (_, json) = qdiscs
        .lines()
        .next()
        .and_then(|line| line.split_once(": "))
        .expect("NS: JSON");
    let list: Value = serde_json::from_str(json).expect("tc -j output");
    let qdisc = list
        .as_array()
        .expect("a list")
        .iter()
        .find(|qdisc| qdisc["dev"] == dev);
    qdisc
        .and_then(|qdisc| qdisc["handle"].as_str())
        .expect("a handle")
        .to_string()
}

/// A request as lines of 16 bytes, its sequence number and port id (bytes
/// 8 to 15, which differ between any two requests) shown as `..`.
fn request_lines(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(row, chunk)| {
            let words: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(column, byte)| match row * 16 + column {
                    8..=15 => "..".to_string(),
                    _ => format!("{byte:02x}"),
                })
                .collect();
            format!("{:04x}  {}", row * 16, words.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn netem_requests_are_the_bytes_tc_sends_for_the_same_shape() {
    let mut script = format!(
        "{TOOLS}
        ip link add shaped0 type veth peer name shaped1
        ip link set shaped0 up
        ip link set shaped1 up
        "
    );
    for (case, (arguments, words)) in NETEM_CASES.iter().enumerate() {
        script.push_str(&format!(
            r#"
            section dry-run-{case}
            link-shape shaped0 {arguments} --dry-run 2>/dev/null
            status=0; capture /run/vethkit-{case} link-shape shaped0 {arguments} >/dev/null 2>/run/err || status=$?
            section vethkit-status-{case}
            echo "$status $(cat /run/err | grep -v 'note: --jitter')"
            tc qdisc del dev shaped0 root 2>/dev/null || true
            status=0; capture /run/tc-{case} tc qdisc replace dev shaped0 root netem {words} 2>/run/err || status=$?
            section tc-status-{case}
            echo "$status $(cat /run/err)"
            tc qdisc del dev shaped0 root 2>/dev/null || true
            section vethkit-{case}
            cat /run/vethkit-{case}
            section tc-{case}
            cat /run/tc-{case}
            "#
        ));
    }
    let run = sandbox(&script).ok();
    let mut summary = Vec::new();
    for (case, (arguments, words)) in NETEM_CASES.iter().enumerate() {
        assert_eq!(
            run.section(&format!("dry-run-{case}")),
            format!("tc qdisc replace dev shaped0 root netem {words}"),
            "the dry-run line of link-shape shaped0 {arguments}"
        );
        let tc_status = run.section(&format!("tc-status-{case}"));
        let vethkit_status = run.section(&format!("vethkit-status-{case}"));
        if tc_status.contains("Specified qdisc kind is unknown") {
            assert_eq!(
                vethkit_status,
                "1 link-shape: this kernel has no netem qdisc (load the sch_netem module: modprobe sch_netem)",
                "link-shape shaped0 {arguments} on a kernel without netem"
            );
        } else {
            assert_eq!(vethkit_status.trim(), "0", "link-shape shaped0 {arguments}");
        }
        let tc = new_qdisc_request(&run.section(&format!("tc-{case}")))
            .unwrap_or_else(|| panic!("no RTM_NEWQDISC in tc's strace for netem {words}"));
        let vethkit = new_qdisc_request(&run.section(&format!("vethkit-{case}")))
            .unwrap_or_else(|| panic!("no RTM_NEWQDISC in link-shape's strace for {arguments}"));
        assert_same_lines(
            &request_lines(&tc),
            &request_lines(&vethkit),
            &format!("the request of tc netem {words} (-) and of link-shape {arguments} (+)"),
        );
        summary.push(format!("{:>3} bytes  netem {words}", tc.len()));
    }
    println!("identical requests:\n{}", summary.join("\n"));
}

/// Two namespaces, ns1 (veth1, 10.1.1.1) and ns2 (veth2, 10.1.1.2).
const PAIR: &str = "veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --no-ipv6 --peer-netns ns2 --peer-addr 10.1.1.2/24 --peer-no-ipv6 > /dev/null";

/// A 2 MB TCP transfer from ns1 to ns2: what came, and how many
/// milliseconds it took.
const TRANSFER: &str = r#"
netns-exec ns2 vethkit-test-tcp receive 10.1.1.2:5001 > /run/received &
receiver=$!
until grep -q listening /run/received 2>/dev/null; do sleep 0.05; done
start=$(date +%s%N)
netns-exec ns1 vethkit-test-tcp send 10.1.1.2:5001 2000000
wait $receiver
end=$(date +%s%N)
section received
tail -n 1 /run/received
section milliseconds
echo $(( (end - start) / 1000000 ))
"#;

#[test]
fn a_rate_alone_limits_a_tcp_transfer_to_it() {
    let run = sandbox(&format!(
        "{PAIR}
        section printed
        link-shape veth1 -n ns1 --rate 10mbit
        section show
        link-shape veth1 -n ns1 --show --json
        section tc
        ip netns exec ns1 tc -j qdisc show dev veth1
        {TRANSFER}"
    ))
    .ok();
    assert_eq!(run.section("printed"), "veth1");
    assert_eq!(run.section("received"), "received 2000000 bytes, intact");
    let shown = run.json("show");
    let tc = run.json("tc");
    assert_eq!(shown[0]["kind"], "tbf", "{shown}");
    assert_eq!(tc[0]["kind"], "tbf", "{tc}");
    assert_eq!(shown[0]["handle"], tc[0]["handle"]);
    for option in ["rate", "burst"] {
        assert_eq!(
            shown[0]["options"][option], tc[0]["options"][option],
            "{option}: link-shape --show {shown} and tc {tc}"
        );
    }
    assert_eq!(
        tc[0]["options"]["rate"], 1_250_000,
        "10mbit in bytes a second"
    );
    // 2 MB at 10 Mbit/s, less what the bucket lets through at once.
    let burst = tc[0]["options"]["burst"].as_u64().expect("a burst");
    let least = (2_000_000 - burst) * 1000 / 1_250_000;
    let took: u64 = run.section("milliseconds").parse().expect("milliseconds");
    println!("2 MB at 10mbit took {took} ms (the rate allows it in {least} ms at best)");
    assert!(
        took >= least,
        "the transfer took {took} ms, less than the {least} ms 10mbit allows"
    );
    assert!(
        took <= 2 * 1600,
        "the transfer took {took} ms, more than twice the 1600 ms 10mbit allows"
    );
}

#[test]
fn without_shaping_the_same_transfer_is_much_faster() {
    let run = sandbox(&format!("{PAIR}\n{TRANSFER}")).ok();
    assert_eq!(run.section("received"), "received 2000000 bytes, intact");
    let took: u64 = run.section("milliseconds").parse().expect("milliseconds");
    assert!(
        took < 1600,
        "2 MB took {took} ms without shaping: the shaped transfer's timing would prove nothing"
    );
}

/// Links of four kinds: `mine0` with a tbf of the user's, `plain0` with
/// the kernel's default (noqueue), `tree0` with an htb class holding a
/// tbf, all made by `ip` (so that a reset keeps them), and `veth3` in
/// ns3, made by veth-add.
const LINKS: &str = r#"
ip link add mine0 type veth peer name mine1
ip link add plain0 type veth peer name plain1
ip link set mine0 up; ip link set mine1 up; ip link set plain0 up; ip link set plain1 up
tc qdisc replace dev mine0 root tbf rate 1mbit burst 15140 limit 100000
ip link add tree0 type veth peer name tree1
ip link set tree0 up; ip link set tree1 up
tc qdisc add dev tree0 root handle 1: htb
tc class add dev tree0 parent 1: classid 1:1 htb rate 1mbit
tc qdisc add dev tree0 parent 1:1 handle 10: tbf rate 1mbit burst 15140 limit 100000
veth-add veth3 br-veth3 --netns ns3 --no-ipv6 --peer-no-ipv6 > /dev/null
"#;

#[test]
fn clear_and_reset_give_back_the_qdisc_that_was_there() {
    let run = sandbox(&format!(
        r#"{TOOLS}{LINKS}
        section before
        qdiscs
        link-shape mine0 plain0 --rate 10mbit > /dev/null
        section shaped
        qdiscs
        section again
        link-shape mine0 plain0 --rate 10mbit -v 2>&1 >/dev/null
        section again-dry-run
        link-shape mine0 plain0 --rate 10mbit --dry-run
        section changed
        link-shape plain0 --rate 20mbit -v 2>&1 >/dev/null
        section cleared
        link-shape --clear mine0 plain0 -v 2>&1
        qdiscs
        section clear-again
        link-shape --clear plain0 2>&1
        link-shape mine0 plain0 --rate 10mbit > /dev/null
        link-shape plain0 --rate 30mbit > /dev/null
        section reset
        netns-reset --all 2>&1
        qdiscs
        "#
    ))
    .ok();
    let before = run.section("before");
    let shaped = run.section("shaped");
    assert!(
        shaped.contains(r#""kind":"tbf""#) && shaped != before,
        "{shaped}"
    );
    assert_eq!(
        run.section("again"),
        "",
        "a re-run of the same shape changes nothing"
    );
    assert_eq!(run.section("again-dry-run"), "", "and plans nothing");
    // A new tbf, under a handle of its own: the kernel would change the
    // one there in place.
    let changed = run.section("changed");
    assert!(
        changed.starts_with("link-shape: tc qdisc replace dev plain0 root handle ")
            && changed.ends_with(": tbf rate 20mbit burst 25000 latency 50ms"),
        "{changed}"
    );
    let cleared = run.section("cleared");
    let (printed, after) = cleared.split_at(cleared.find(": [").expect("qdiscs after"));
    let handle = handle_of(&before, "mine0");
    assert_eq!(
        printed.trim(),
        format!("link-shape: tc qdisc replace dev mine0 root handle {handle} tbf rate 1mbit burst 15140 limit 100000\nlink-shape: tc qdisc del dev plain0 root")
    );
    assert_same_lines(
        &before,
        after,
        "the qdiscs before (-) and after --clear (+)",
    );
    assert_eq!(
        run.section("clear-again"),
        "link-shape: nothing to clear on plain0: link-shape has not shaped it"
    );
    let reset = run.section("reset");
    let after = &reset[reset.find(": [").expect("qdiscs after the reset")..];
    // The pair veth3 and br-veth3, and ns3, made by veth-add, are gone with the reset.
    let made_by_ip = |qdisc: &Value| qdisc["dev"] != "br-veth3";
    let before_without_ns3: String = before
        .lines()
        .filter(|line| !line.starts_with("ns3:"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_same_lines(
        &reparsed(&before_without_ns3, made_by_ip, false),
        &reparsed(after, made_by_ip, false),
        "the qdiscs before (-) and after the reset (+)",
    );
}

#[test]
fn links_from_a_pipeline_are_shaped_and_passed_on() {
    let run = sandbox(
        r#"
        br-attach br0 > /dev/null
        veth-add veth5 br-veth5 --netns ns5 --no-ipv6 --peer-no-ipv6 | link-shape - --rate 10mbit | br-attach br0 - > /dev/null
        section qdisc
        tc -j qdisc show dev br-veth5
        section master
        ip -j link show dev br-veth5
        section jitter
        link-shape br-veth5 --delay 20ms --jitter 5ms --dry-run 2>&1 >/dev/null
        section jitter-with-rate
        link-shape br-veth5 --delay 20ms --jitter 5ms --rate 10mbit --dry-run 2>&1 >/dev/null
        "#,
    )
    .ok();
    let qdisc = run.json("qdisc");
    assert_eq!(qdisc[0]["kind"], "tbf", "{qdisc}");
    assert_eq!(qdisc[0]["options"]["rate"], 1_250_000);
    assert_eq!(run.json("master")[0]["master"], "br0");
    assert!(
        run.section("jitter")
            .contains("--jitter without --rate reorders packets"),
        "{}",
        run.section("jitter")
    );
    assert_eq!(run.section("jitter-with-rate"), "");
}

#[test]
fn tbf_plans_run_by_tc_make_the_same_qdiscs() {
    let setup = format!("{TOOLS}{LINKS}");
    for arguments in [
        "veth3 -n ns3 --rate 10mbit",
        "mine0 plain0 br-veth3 --rate 1gbit",
        "plain0 --rate 40gbit",
        "plain0 --rate 100kbit",
    ] {
        let mirror = mirror("link-shape", &setup, arguments, "qdiscs");
        assert!(
            mirror.plan.starts_with("tc "),
            "{arguments}: {}",
            mirror.plan
        );
        assert_same_lines(
            &reparsed(&mirror.by_plan, |_| true, true),
            &reparsed(&mirror.by_command, |_| true, true),
            &format!(
                "link-shape {arguments} (+) and its plan run by tc (-); plan:\n{}",
                mirror.plan
            ),
        );
    }
}

/// `(command, exit status, words of its one-line error)`, each run after
/// [`LINKS`].
const BAD_INPUT: [(&str, i32, &str); 18] = [
    (
        "link-shape plain0 --delay 20",
        2,
        "the time \"20\" has no unit",
    ),
    (
        "link-shape plain0 --delay=-5ms",
        2,
        "the time \"-5ms\" is negative",
    ),
    (
        "link-shape plain0 --delay 5ms --jitter=-1ms",
        2,
        "is negative",
    ),
    (
        "link-shape plain0 --delay 5furlongs",
        2,
        "has an unknown unit",
    ),
    (
        "link-shape plain0 --loss 101%",
        2,
        "the percentage \"101%\" is over 100%",
    ),
    ("link-shape plain0 --loss 5pc", 2, "has an unknown unit"),
    (
        "link-shape plain0 --rate 10",
        2,
        "the rate \"10\" has no unit",
    ),
    ("link-shape plain0 --rate 10mb", 2, "has an unknown unit"),
    (
        "link-shape plain0 --rate 1tbit",
        2,
        "more than tbf can queue",
    ),
    ("link-shape plain0 --reorder 5%", 2, "--delay"),
    (
        "link-shape plain0 --delay 0ms --reorder 5%",
        2,
        "--reorder needs a --delay",
    ),
    ("link-shape plain0", 2, "say how to shape"),
    ("link-shape --rate 1mbit", 2, "no link named"),
    (
        "link-shape nosuch0 --rate 10mbit",
        1,
        "no interface named nosuch0 in the current network namespace",
    ),
    (
        "link-shape veth3 --rate 10mbit",
        1,
        "no interface named veth3 in the current network namespace",
    ),
    (
        "link-shape -n ns3 br-veth3 --rate 10mbit",
        1,
        "no interface named br-veth3 in netns ns3",
    ),
    (
        "link-shape tree0 --rate 10mbit",
        1,
        "the root qdisc of tree0, htb 1:, has classes or qdiscs below it",
    ),
    (
        "link-shape plain0 nosuch0 --rate 10mbit",
        1,
        "no interface named nosuch0",
    ),
];

#[test]
fn bad_input_is_refused_in_one_line_and_changes_nothing() {
    let mut script = format!("{TOOLS}{LINKS}");
    for (case, (command, _, _)) in BAD_INPUT.iter().enumerate() {
        script.push_str(&format!(
            r#"
            qdiscs > /run/before
            status=0; {command} > /run/out 2> /run/err < /dev/null || status=$?
            section status-{case}
            echo $status
            section stderr-{case}
            cat /run/err
            section changed-{case}
            qdiscs | diff /run/before - || true
            cat /run/out
            "#
        ));
    }
    script.push_str("section journal\ncat /run/vethkit/journal\n");
    let run = sandbox(&script).ok();
    for (case, (command, status, words)) in BAD_INPUT.iter().enumerate() {
        let stderr = run.section(&format!("stderr-{case}"));
        assert_eq!(
            run.section(&format!("status-{case}")),
            status.to_string(),
            "{command}: {stderr}"
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "{command}: one line expected:\n{stderr}"
        );
        assert!(stderr.starts_with("link-shape: "), "{command}: {stderr}");
        assert!(
            stderr.contains(words),
            "{command}: {stderr:?} should mention {words:?}"
        );
        assert_eq!(
            run.section(&format!("changed-{case}")),
            "",
            "{command} changed the qdiscs or printed"
        );
    }
    let journal = run.section("journal");
    let recorded: Vec<Value> = journal
        .lines()
        .map(|line| serde_json::from_str(line).expect("a journal line"))
        .filter(|line: &Value| line.to_string().contains("qdisc"))
        .collect();
    assert!(
        recorded.is_empty(),
        "refused commands recorded: {recorded:?}"
    );
}

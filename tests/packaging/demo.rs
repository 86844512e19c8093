//! `make demo`'s script, run as the README tells users to, in a sandbox:
//! each section does what it says (a link limited to 10 Mbit/s takes as
//! long as that rate allows), and the last one finds the state as it was
//! before the first.

use vethkit_tests::{sandbox, workspace};

#[test]
fn the_demo_runs_and_ends_where_it_began() {
    let script = workspace().join("examples/walkthrough.sh");
    let run = sandbox(&format!("sh {} 2>&1", script.display())).ok();
    for said in [
        "# blocked by the DROP policy",
        "$ netns-reset --all --dry-run\nnetns-reset: not deleting: veth1 is gone\n",
        "# no difference: the state is back",
        "$ netns-exec outside vethkit-test-tcp connect 203.0.113.2:8080\nhello\n",
        "$ cat /run/server\nlistening\n203.0.113.1\n",
        "A$ vxlan-add --dry-run vx42 --id 42 --remote 198.51.100.2 --dev eth0\n\
         ip link add name vx42 type vxlan id 42 remote 198.51.100.2 dev eth0 dstport 4789\n\
         ip link set dev vx42 up\n",
        "A$ netns-exec h1 ping -c 1 -M do -s 1372 10.9.0.2\nPING 10.9.0.2 (10.9.0.2) 1372(1400) bytes of data.\n",
        "1 packets transmitted, 1 received, 0% packet loss",
        "$ link-shape --dry-run br-veth3 --rate 10mbit\n\
         tc qdisc replace dev br-veth3 root tbf rate 10mbit burst 15140 latency 50ms\n",
        "$ link-shape --show br-veth3\nbr-veth3 tbf rate 10mbit burst 15140 limit 77640\n",
        "$ link-shape --clear br-veth3\n$ link-shape --show br-veth3\nbr-veth3 noqueue\n",
    ] {
        assert!(
            run.stdout.contains(said),
            "the demo does not say {said:?}:\n{}",
            run.stdout
        );
    }
    assert_eq!(
        run.stdout.matches("ip link del dev veth1\n").count(),
        1,
        "the reset deletes veth1 once:\n{}",
        run.stdout
    );
    // 2 MB through 10 Mbit/s: 16 Mbit take 1.6 s at the least (the headers
    // only add to it), and TCP fills the link well enough to be done within
    // twice that; without the limit it is done sooner than the limit allows.
    let seconds = transfer_seconds(&run.stdout);
    let [shaped, unshaped] = seconds[..] else {
        panic!(
            "the demo does not time two transfers of 2 MB: {seconds:?}\n{}",
            run.stdout
        );
    };
    assert!(
        (1.6..=3.2).contains(&shaped),
        "2 MB at 10 Mbit/s took {shaped} s, not 1.6 to 3.2:\n{}",
        run.stdout
    );
    assert!(
        unshaped < 1.6,
        "2 MB with the limit cleared took {unshaped} s, as long as 10 Mbit/s allows:\n{}",
        run.stdout
    );
}

/// The seconds of each `received 2000000 bytes, intact, in S s: R Mbit/s`
/// line the demo prints, in order.
fn transfer_seconds(stdout: &str) -> Vec<f64> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("received 2000000 bytes, intact, in "))
        .filter_map(|rest| rest.split_once(" s: ")?.0.parse().ok())
        .collect()
}

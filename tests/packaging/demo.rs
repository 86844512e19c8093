//! `make demo`'s script, run as the README tells users to, in a sandbox:
//! each section does what it says, and the last one finds the state as it
//! was before the first.

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
}

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

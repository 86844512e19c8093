//! The shape asked for, and the plan that gives it to each link: one
//! `tc qdisc replace` a link whose root qdisc is not that shape already,
//! each knowing the qdisc it replaces.

use vethkit_core::context::{in_netns, Context, Netns};
use vethkit_core::lookup::{self, no_interface};
use vethkit_core::name::IfName;
use vethkit_core::plan::Plan;
use vethkit_core::qdisc::{tbf, Netem, Shape, Tbf};
use vethkit_core::step::qdisc::QdiscReplace;
use vethkit_core::step::shell_word;
use vethkit_core::{Error, Result};

use crate::Cli;

/// The kinds of qdisc that hold classes of their own making: replaced,
/// they could be put back without them only.
const CLASSFUL: [&str; 11] = [
    "htb", "hfsc", "drr", "qfq", "cbq", "ets", "prio", "multiq", "mqprio", "taprio", "cbs",
];

/// The shape the options ask for: tbf for a rate alone, else netem (with
/// the rate, if one is given).
pub fn shape(cli: &Cli) -> Result<Shape> {
    let netem = Netem {
        delay: cli.delay.clone(),
        jitter: cli.jitter.clone(),
        loss: cli.loss.clone(),
        duplicate: cli.duplicate.clone(),
        corrupt: cli.corrupt.clone(),
        reorder: cli.reorder.clone(),
        rate: cli.rate.clone(),
    };
    let rate_alone = Netem {
        rate: netem.rate.clone(),
        ..Netem::default()
    };
    if netem == Netem::default() {
        return Err(Error::usage(
            "say how to shape the links: --delay, --loss, --duplicate, --corrupt, --reorder or --rate (or --clear, --show)",
        ));
    }
    if let (Some(rate), true) = (&netem.rate, netem == rate_alone) {
        if !tbf::rate_fits(rate) {
            return Err(Error::usage(format!(
                "--rate {rate} is more than tbf can queue 50 ms of: give at most 500gbit"
            )));
        }
        return Ok(Shape::Tbf(Tbf { rate: rate.clone() }));
    }
    let reorders = netem
        .reorder
        .as_ref()
        .is_some_and(|reorder| reorder.scaled() != 0);
    if reorders && netem.delay.as_ref().map_or(0, |delay| delay.ticks()) == 0 {
        return Err(Error::usage(
            "--reorder needs a --delay of 1us or more: netem reorders by sending some packets before the delayed ones",
        ));
    }
    if netem.jitter.is_some() && netem.rate.is_none() {
        eprintln!(
            "link-shape: note: --jitter without --rate reorders packets (each leaves when its own delay is over); add --rate to keep them in order"
        );
    }
    Ok(Shape::Netem(netem))
}

/// The steps that give each of `devs` in `netns` the shape `shape`: none
/// for a link whose root qdisc is that shape already.
pub fn plan(context: &mut Context, netns: &Netns, devs: &[IfName], shape: &Shape) -> Result<Plan> {
    let mut plan = Plan::default();
    for dev in devs {
        let Some(link) = lookup::link(context, netns, dev)? else {
            return Err(Error::failed(no_interface(dev, netns)));
        };
        let (root, below) = lookup::root_qdisc(context, netns, (link.index, &link.name))?;
        if root.is(shape) {
            continue;
        }
        if !root.is_default() && (below > 0 || CLASSFUL.contains(&root.kind.as_str())) {
            return Err(Error::failed(format!(
                "the root qdisc of {dev}{}, {} {}, has classes or qdiscs below it, which link-shape would replace and could not put back (remove it first: {} qdisc del dev {dev} root)",
                in_netns(netns.as_ref()),
                root.kind,
                root.handle_words(),
                match netns {
                    Some(name) => format!("tc -n {}", shell_word(name.as_str())),
                    None => "tc".to_string(),
                },
            )));
        }
        plan.push(QdiscReplace {
            netns: netns.clone(),
            dev: dev.clone(),
            shape: shape.clone(),
            was: root,
        });
    }
    Ok(plan)
}

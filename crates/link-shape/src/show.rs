//! `--show`: each link's root qdisc, its kind and settings in `tc`'s
//! words (`veth3 netem delay 20ms loss 1%`), or as JSON.

use vethkit_core::cli::print_line;
use vethkit_core::context::{Context, Netns};
use vethkit_core::lookup::{self, no_interface};
use vethkit_core::name::IfName;
use vethkit_core::{Error, Result};

/// Prints the root qdisc of each of `devs` in `netns` (of every link there
/// when none is named), a line each or one JSON array.
pub fn show(netns: &Netns, devs: &[IfName], json: bool) -> Result<()> {
    let mut context = Context::new()?;
    let links = if devs.is_empty() {
        lookup::links(&mut context, netns)?
    } else {
        let mut links = Vec::new();
        for dev in devs {
            match lookup::link(&mut context, netns, dev)? {
                Some(link) => links.push(link),
                None => return Err(Error::failed(no_interface(dev, netns))),
            }
        }
        links
    };
    let mut shown = Vec::new();
    for link in &links {
        let (root, _) = lookup::root_qdisc(&mut context, netns, (link.index, &link.name))?;
        if json {
            let mut value = root.json();
            value["ifname"] = link.name.clone().into();
            shown.push(value);
        } else {
            print_line(&format!("{} {}", link.name, root.words()));
        }
    }
    if json {
        print_line(&serde_json::Value::Array(shown).to_string());
    }
    Ok(())
}

//! One VXLAN link: what was asked, and the plan that gets there from the
//! kernel's current state.

use std::net::IpAddr;

use vethkit_core::context::{in_netns, Context, Netns};
use vethkit_core::lookup;
use vethkit_core::name::IfName;
use vethkit_core::plan::Plan;
use vethkit_core::rtnl::Link;
use vethkit_core::step::fdb::FdbAppend;
use vethkit_core::step::link::{KindName, LinkAdd};
use vethkit_core::step::state::LinkUp;
use vethkit_core::step::vxlan::{self, Settings, Vxlan};
use vethkit_core::{Error, Result};

use crate::cli::Cli;

/// A VXLAN link, as asked.
#[derive(Clone, Debug)]
pub struct Tunnel {
    /// NAME.
    pub name: IfName,
    /// The namespace the link and its uplink are in.
    pub netns: Netns,
    /// `--id`.
    pub id: u32,
    /// `--remote`, each once, in order: the first is the link's own, the
    /// others go in its flood list.
    pub remotes: Vec<IpAddr>,
    /// `--group`.
    pub group: Option<IpAddr>,
    /// `--local`.
    pub local: Option<IpAddr>,
    /// `--dev`.
    pub dev: IfName,
    /// `--port`.
    pub port: u16,
    /// `--mtu`.
    pub mtu: Option<u32>,
    /// Bring the link up.
    pub up: bool,
}

impl Tunnel {
    /// The link `cli` asks for. The addresses must all be of one family.
    pub fn from_cli(cli: Cli) -> Result<Self> {
        let mut remotes: Vec<IpAddr> = Vec::with_capacity(cli.remotes.len());
        for remote in cli.remotes {
            if !remotes.contains(&remote) {
                remotes.push(remote);
            }
        }
        let mut addresses = remotes.iter().chain(&cli.group).chain(&cli.local);
        if let Some(first) = addresses.next() {
            if let Some(other) = addresses.find(|ip| ip.is_ipv6() != first.is_ipv6()) {
                return Err(Error::usage(format!(
                    "{first} and {other} are not of one family: a VXLAN link's underlay is IPv4 or IPv6"
                )));
            }
        }
        Ok(Tunnel {
            name: cli.name,
            netns: cli.netns.netns,
            id: cli.id,
            remotes,
            group: cli.group,
            local: cli.local,
            dev: cli.dev,
            port: cli.port,
            mtu: cli.mtu,
            up: !cli.no_up,
        })
    }

    /// The link's own settings: its first remote, or its group.
    fn vxlan(&self) -> Vxlan {
        Vxlan {
            id: self.id,
            remote: self.group.or(self.remotes.first().copied()),
            local: self.local,
            dev: Some(self.dev.clone()),
            port: self.port,
        }
    }

    /// The bytes VXLAN adds to each frame: outer IP, UDP and VXLAN headers
    /// and the inner Ethernet header.
    fn overhead(&self) -> u32 {
        match self.vxlan().remote.or(self.local) {
            Some(IpAddr::V6(_)) => 70,
            _ => 50,
        }
    }

    /// The steps that take the kernel from its current state to this link.
    /// A link of the name with these settings is used as it is (its
    /// missing remotes added); one with others is a conflict, as is another
    /// link of the namespace with the same VNI and port over the same
    /// family (the kernel could not tell which of the two a packet is for).
    pub fn plan(&self, context: &mut Context) -> Result<Plan> {
        let uplink = lookup::link(context, &self.netns, &self.dev)?.ok_or_else(|| {
            Error::failed(format!(
                "cannot create {}: {}",
                self.name,
                lookup::no_interface(&self.dev, &self.netns)
            ))
        })?;
        self.check_mtu(&uplink)?;
        let vxlan = self.vxlan();
        let mut plan = Plan::default();
        let present = match lookup::link(context, &self.netns, &self.name)? {
            Some(link) => {
                self.check_existing(&link, &vxlan.settings(Some(uplink.index)))?;
                let remotes = lookup::flood_remotes(context, &self.netns, &self.name, link.index)?;
                Some((link.up, remotes))
            }
            None => {
                self.check_vni_free(context)?;
                plan.push(LinkAdd {
                    netns: self.netns.clone(),
                    name: self.name.clone(),
                    mtu: self.mtu,
                    mac: None,
                    kind: vxlan.into(),
                });
                None
            }
        };
        let (already_up, remotes_there) = present.unwrap_or_default();
        for remote in self.remotes.iter().skip(1) {
            if !remotes_there.contains(remote) {
                plan.push(FdbAppend {
                    netns: self.netns.clone(),
                    dev: self.name.clone(),
                    remote: *remote,
                });
            }
        }
        if self.up && !already_up {
            plan.push(LinkUp {
                netns: self.netns.clone(),
                name: self.name.clone(),
            });
        }
        Ok(plan)
    }

    /// An MTU asked for must fit in the uplink's, VXLAN's bytes added.
    fn check_mtu(&self, uplink: &Link) -> Result<()> {
        let (Some(mtu), Some(uplink_mtu)) = (self.mtu, uplink.mtu) else {
            return Ok(());
        };
        let overhead = self.overhead();
        let most = uplink_mtu.saturating_sub(overhead);
        if mtu <= most {
            return Ok(());
        }
        Err(Error::failed(format!(
            "cannot create {} with mtu {mtu}: its uplink {} has mtu {uplink_mtu}, and VXLAN adds {overhead} bytes (mtu {most} at most){}",
            self.name,
            self.dev,
            in_netns(self.netns.as_ref())
        )))
    }

    /// A link of the name must be a VXLAN link with the settings asked for.
    fn check_existing(&self, link: &Link, asked: &Settings) -> Result<()> {
        let here = in_netns(self.netns.as_ref());
        if !KindName::Vxlan.is_kind_of(link) {
            let kind = link.kind.as_deref().unwrap_or("an interface of no kind");
            return Err(Error::failed(format!(
                "cannot create {}: an interface with that name exists{here} and is a {kind}",
                self.name
            )));
        }
        let Some(found) = vxlan::settings(link) else {
            return Err(lookup::exists_with(
                &self.name,
                &self.netns,
                "VXLAN settings that cannot be read",
            ));
        };
        if let Some(difference) = difference(&found, asked, &self.dev) {
            return Err(lookup::exists_with(&self.name, &self.netns, &difference));
        }
        lookup::check_mtu(&self.name, &self.netns, link, self.mtu)
    }

    /// No other VXLAN link of the namespace may have this VNI and port
    /// over the same family, whatever its uplink: the kernel would not know
    /// which of the two a packet is for.
    fn check_vni_free(&self, context: &mut Context) -> Result<()> {
        let ipv6 = is_ipv6(&self.vxlan().settings(None));
        let links = lookup::links(context, &self.netns)?;
        let taken = links.iter().find(|link| {
            vxlan::settings(link).is_some_and(|settings| {
                settings.id == Some(self.id)
                    && settings.port == Some(self.port)
                    && is_ipv6(&settings) == ipv6
            })
        });
        match taken {
            Some(other) => Err(Error::failed(format!(
                "cannot create {}: VNI {} on port {} over IPv{} is {}'s already{}",
                self.name,
                self.id,
                self.port,
                if ipv6 { 6 } else { 4 },
                other.name,
                in_netns(self.netns.as_ref())
            ))),
            None => Ok(()),
        }
    }
}

/// Whether a VXLAN link of `settings` runs over IPv6 (its remote or its
/// local address is an IPv6 one), as the kernel tells.
fn is_ipv6(settings: &Settings) -> bool {
    settings
        .remote
        .or(settings.local)
        .is_some_and(|ip| ip.is_ipv6())
}

/// How the settings `found` differ from those `asked` ("id 43, not 42"),
/// or `None`; `dev` names the uplink asked for.
fn difference(found: &Settings, asked: &Settings, dev: &IfName) -> Option<String> {
    let shown = |ip: Option<IpAddr>| ip.map_or("none".to_string(), |ip| ip.to_string());
    if found.id != asked.id {
        return Some(format!(
            "id {}, not {}",
            found.id.unwrap_or(0),
            asked.id.unwrap_or(0)
        ));
    }
    if found.remote != asked.remote {
        return Some(format!(
            "remote {}, not {}",
            shown(found.remote),
            shown(asked.remote)
        ));
    }
    if found.local != asked.local {
        return Some(format!(
            "local {}, not {}",
            shown(found.local),
            shown(asked.local)
        ));
    }
    if found.uplink != asked.uplink {
        return Some(format!("another uplink than {dev}"));
    }
    if found.port != asked.port {
        return Some(format!(
            "port {}, not {}",
            found.port.unwrap_or(0),
            asked.port.unwrap_or(0)
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(id: u32, remote: &str, port: u16) -> Settings {
        Settings {
            id: Some(id),
            remote: Some(remote.parse().unwrap()),
            local: None,
            uplink: Some(2),
            port: Some(port),
        }
    }

    #[test]
    fn differences_name_the_first_setting_that_differs() {
        let dev: IfName = "eth0".parse().unwrap();
        let asked = settings(42, "198.51.100.2", 4789);
        assert_eq!(difference(&asked, &asked, &dev), None);
        let found = settings(43, "198.51.100.3", 4789);
        assert_eq!(difference(&found, &asked, &dev).unwrap(), "id 43, not 42");
        let found = settings(42, "198.51.100.3", 4789);
        assert_eq!(
            difference(&found, &asked, &dev).unwrap(),
            "remote 198.51.100.3, not 198.51.100.2"
        );
        let found = Settings {
            uplink: Some(3),
            ..asked.clone()
        };
        assert_eq!(
            difference(&found, &asked, &dev).unwrap(),
            "another uplink than eth0"
        );
        let found = settings(42, "198.51.100.2", 8472);
        assert_eq!(
            difference(&found, &asked, &dev).unwrap(),
            "port 8472, not 4789"
        );
        let found = Settings {
            local: Some("198.51.100.1".parse().unwrap()),
            ..asked.clone()
        };
        assert_eq!(
            difference(&found, &asked, &dev).unwrap(),
            "local 198.51.100.1, not none"
        );
    }
}

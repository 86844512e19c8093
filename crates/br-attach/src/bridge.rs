//! One bridge: what was asked, and the plan that gets there from the
//! kernel's current state.

use std::collections::{BTreeMap, HashSet};

use ipnet::IpNet;
use vethkit_core::cli::is_link_local;
use vethkit_core::context::{in_netns, Context, Netns};
use vethkit_core::lookup;
use vethkit_core::name::IfName;
use vethkit_core::plan::Plan;
use vethkit_core::ready::Added;
use vethkit_core::rtnl::Link;
use vethkit_core::step::address::AddrAdd;
use vethkit_core::step::bridge;
use vethkit_core::step::link::{KindName, LinkAdd};
use vethkit_core::step::port::{LinkMaster, LinkNoMaster};
use vethkit_core::step::state::{LinkMtu, LinkUp};
use vethkit_core::step::veth;
use vethkit_core::{Error, Result};

/// A bridge and its ports, as asked.
#[derive(Clone, Debug)]
pub struct Bridge {
    /// BRIDGE, made when there is none of that name.
    pub name: IfName,
    /// The namespace the bridge and its ports are in.
    pub netns: Netns,
    /// Ports to attach, in order, each once.
    pub ports: Vec<IfName>,
    /// Ports to detach, in order, each once.
    pub detach: Vec<IfName>,
    /// `--addr`: addresses put on the bridge (the hosts' gateway, say).
    pub addrs: Vec<IpNet>,
    /// `--mtu`, set on the bridge itself so that ports joining later do
    /// not change it.
    pub mtu: Option<u32>,
    /// Spanning tree on or off, when asked.
    pub stp: Option<bool>,
    /// Bring the bridge and the ports up.
    pub up: bool,
}

impl Bridge {
    /// The steps that take the kernel from its current state to this
    /// bridge. What already exists exactly is left alone; a conflict is an
    /// error before anything is changed.
    pub fn plan(&self, context: &mut Context) -> Result<Plan> {
        let mut plan = Plan::default();
        let bridge = lookup::link(context, &self.netns, &self.name)?;
        if let Some(link) = &bridge {
            self.check_bridge(link)?;
        }
        if !self.detach.is_empty() {
            for port in &self.detach {
                self.plan_detach(context, port, bridge.as_ref(), &mut plan)?;
            }
            return Ok(plan);
        }
        let present = match &bridge {
            Some(link) => lookup::addresses(context, &self.netns, &self.name, link.index)?,
            None => {
                plan.push(LinkAdd {
                    netns: self.netns.clone(),
                    name: self.name.clone(),
                    mtu: None,
                    mac: None,
                    kind: bridge::Bridge { stp: self.stp }.into(),
                });
                if let Some(mtu) = self.mtu {
                    plan.push(LinkMtu {
                        netns: self.netns.clone(),
                        name: self.name.clone(),
                        mtu,
                    });
                }
                Vec::new()
            }
        };
        for address in self.addrs.iter().filter(|a| !present.contains(a)) {
            plan.push(AddrAdd {
                netns: self.netns.clone(),
                dev: self.name.clone(),
                address: *address,
            });
        }
        if self.up && !bridge.as_ref().is_some_and(|link| link.up) {
            plan.push(self.link_up(&self.name));
        }
        let attaching: HashSet<IfName> = self.ports.iter().cloned().collect();
        for port in &self.ports {
            self.plan_attach(context, port, bridge.as_ref(), &attaching, &mut plan)?;
        }
        Ok(plan)
    }

    /// The bridge's IPv6 addresses except link-local ones (the hosts'
    /// gateway), for br-attach to wait for: the bridge gets carrier a
    /// moment after one of the ports has it, and its addresses become
    /// usable then.
    pub fn ipv6_addresses(&self, context: &mut Context) -> Result<Option<Added>> {
        let Some(link) = lookup::link(context, &self.netns, &self.name)? else {
            return Ok(None);
        };
        let addresses: Vec<IpNet> =
            lookup::addresses(context, &self.netns, &self.name, link.index)?
                .into_iter()
                .filter(|address| address.addr().is_ipv6() && !is_link_local(&address.addr()))
                .collect();
        if addresses.is_empty() {
            return Ok(None);
        }
        let mut carrier_coming = false;
        if !link.carrier {
            for port in &self.ports {
                let port = lookup::link(context, &self.netns, port)?;
                carrier_coming |= port.is_some_and(|port| port.carrier);
            }
        }
        Ok(Some(Added {
            netns: self.netns.clone(),
            link: self.name.clone(),
            addresses,
            carrier_coming,
        }))
    }

    /// A warning when the bridge has a VXLAN port with a smaller MTU than
    /// another port: the bridge drops, without a word, each frame too large
    /// for the port it leaves by, so large packets from the hosts behind
    /// those ports to the machines beyond the VXLAN link would vanish.
    pub fn mtu_warning(&self, context: &mut Context) -> Result<Option<String>> {
        let Some(bridge) = lookup::link(context, &self.netns, &self.name)? else {
            return Ok(None);
        };
        // The VXLAN port of the smallest MTU; the other ports by MTU, with
        // how many have it and the first one's name.
        let mut tunnel: Option<(u32, String)> = None;
        let mut others: BTreeMap<u32, (usize, String)> = BTreeMap::new();
        let ports = (&self.name, bridge.index);
        lookup::each_port_of(context, &self.netns, ports, |port| {
            let Some(mtu) = port.mtu else { return };
            if KindName::Vxlan.is_kind_of(&port) {
                if tunnel
                    .as_ref()
                    .map_or(true, |(smallest, _)| mtu < *smallest)
                {
                    tunnel = Some((mtu, port.name));
                }
            } else {
                others.entry(mtu).or_insert((0, port.name)).0 += 1;
            }
        })?;
        let Some((mtu, tunnel)) = tunnel else {
            return Ok(None);
        };
        let larger = others.range(mtu + 1..);
        let count: usize = larger.clone().map(|(_, (count, _))| count).sum();
        let Some((port_mtu, (_, port))) = larger.last() else {
            return Ok(None);
        };
        let more = match count {
            1 => String::new(),
            2 => " and 1 more port".to_string(),
            count => format!(" and {} more ports", count - 1),
        };
        Ok(Some(format!(
            "warning: {tunnel} on {} has mtu {mtu}, less than the mtu {port_mtu} of {port}{more}: \
             larger packets from there to the other machines are dropped; make those links with \
             veth-add --mtu {mtu}",
            self.name
        )))
    }

    /// An existing link of the bridge's name must be a bridge with the MTU
    /// and spanning tree asked for.
    fn check_bridge(&self, link: &Link) -> Result<()> {
        let here = in_netns(self.netns.as_ref());
        if !KindName::Bridge.is_kind_of(link) {
            let kind = link.kind.as_deref().unwrap_or("an interface of no kind");
            return Err(Error::failed(format!(
                "cannot use {} as a bridge: it exists{here} and is {}",
                self.name,
                if link.kind.is_some() {
                    format!("a {kind}, not a bridge")
                } else {
                    kind.to_string()
                }
            )));
        }
        let what = format!("bridge {}", self.name);
        lookup::check_mtu(&what, &self.netns, link, self.mtu)?;
        match self.stp {
            Some(stp) if bridge::stp(link) != Some(stp) => {
                let word = |on: bool| if on { "on" } else { "off" };
                let difference = format!("spanning tree {}, not {}", word(!stp), word(stp));
                Err(lookup::exists_with(&what, &self.netns, &difference))
            }
            _ => Ok(()),
        }
    }

    /// The steps that attach `port` to the bridge, whose link is `bridge`
    /// (`None` while it is still to be created), as the invocation attaches
    /// `attaching` (with `port`).
    pub fn plan_port(
        &self,
        context: &mut Context,
        port: &IfName,
        bridge: Option<&Link>,
        attaching: &HashSet<IfName>,
    ) -> Result<Plan> {
        let mut plan = Plan::default();
        self.plan_attach(context, port, bridge, attaching, &mut plan)?;
        Ok(plan)
    }

    /// Plans attaching `port`: it must exist and be free, or be one of the
    /// bridge's ports already, and not be a veth whose peer is (or is to
    /// be, among `attaching`) a port of the same bridge.
    fn plan_attach(
        &self,
        context: &mut Context,
        port: &IfName,
        bridge: Option<&Link>,
        attaching: &HashSet<IfName>,
        plan: &mut Plan,
    ) -> Result<()> {
        let cannot =
            |why: String| Error::failed(format!("cannot attach {port} to {}: {why}", self.name));
        if *port == self.name {
            return Err(cannot("a bridge cannot be its own port".into()));
        }
        let (link, attached) = self.existing_port(context, port, bridge, cannot)?;
        if let Some(peer) = self.peer_here(context, &link)? {
            let on_bridge = bridge.is_some_and(|bridge| peer.master == Some(bridge.index));
            let name: Option<IfName> = peer.name.parse().ok();
            if on_bridge || name.as_ref().is_some_and(|name| attaching.contains(name)) {
                return Err(cannot(format!(
                    "its peer {} is {} {} too: both ends of one veth pair on one bridge make a loop",
                    peer.name,
                    if on_bridge { "a port of" } else { "being attached to" },
                    self.name
                )));
            }
        }
        if !attached {
            plan.push(LinkMaster::attach(&self.netns, port, &self.name));
        }
        if self.up && !link.up {
            plan.push(self.link_up(port));
        }
        Ok(())
    }

    /// Plans detaching `port`: it must exist; nothing to do when it is no
    /// bridge's port; another bridge's port is an error.
    fn plan_detach(
        &self,
        context: &mut Context,
        port: &IfName,
        bridge: Option<&Link>,
        plan: &mut Plan,
    ) -> Result<()> {
        let cannot =
            |why: String| Error::failed(format!("cannot detach {port} from {}: {why}", self.name));
        let (_, attached) = self.existing_port(context, port, bridge, cannot)?;
        if attached {
            plan.push(LinkNoMaster::detach(&self.netns, port, &self.name));
        }
        Ok(())
    }

    /// Looks up `port`, which must exist and be free or a port of this
    /// bridge (`bridge`, when it exists); returns it and whether it is this
    /// bridge's port. `cannot` words the errors.
    fn existing_port(
        &self,
        context: &mut Context,
        port: &IfName,
        bridge: Option<&Link>,
        cannot: impl Fn(String) -> Error,
    ) -> Result<(Link, bool)> {
        let Some(link) = lookup::link(context, &self.netns, port)? else {
            return Err(cannot(lookup::no_interface(port, &self.netns)));
        };
        match link.master {
            None => Ok((link, false)),
            Some(master) if bridge.is_some_and(|b| b.index == master) => Ok((link, true)),
            Some(master) => {
                let other = lookup::link_name(context, &self.netns, master)?;
                Err(cannot(format!(
                    "it is a port of {other}{}",
                    in_netns(self.netns.as_ref())
                )))
            }
        }
    }

    /// The peer of the veth `link`, when it is in the bridge's namespace too.
    fn peer_here(&self, context: &mut Context, link: &Link) -> Result<Option<Link>> {
        match veth::peer_of(link) {
            Some(index) if !link.link_elsewhere => lookup::link_at(context, &self.netns, index),
            _ => Ok(None),
        }
    }

    fn link_up(&self, name: &IfName) -> LinkUp {
        LinkUp {
            netns: self.netns.clone(),
            name: name.clone(),
        }
    }
}

//! One veth pair: what was asked, and the plan that gets there from the
//! kernel's current state.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use vethkit_core::context::{in_netns, Context, Netns};
use vethkit_core::lookup;
use vethkit_core::mac::Mac;
use vethkit_core::name::{IfName, NsName};
use vethkit_core::plan::Plan;
use vethkit_core::rtnl::Link;
use vethkit_core::step::address::AddrAdd;
use vethkit_core::step::link::LinkAdd;
use vethkit_core::step::netns::NetnsAdd;
use vethkit_core::step::route::RouteAdd;
use vethkit_core::step::state::LinkUp;
use vethkit_core::step::sysctl::SysctlSet;
use vethkit_core::step::veth::{self, Veth};
use vethkit_core::sysctl::{self, Key};
use vethkit_core::{Error, Result};

use crate::cli::Cli;

/// One end of the pair, as asked.
#[derive(Clone, Debug)]
pub struct End {
    /// NAME or PEER.
    pub name: IfName,
    /// `--netns` or `--peer-netns`, made when missing (`None`: the
    /// caller's namespace).
    pub netns: Netns,
    /// `--addr` or `--peer-addr`.
    pub addrs: Vec<IpNet>,
    /// `--gateway` or `--peer-gateway`: default routes of its namespace,
    /// through this end.
    pub gateways: Vec<IpAddr>,
    /// `--mac` or `--peer-mac` (`None`: one the kernel picks).
    pub mac: Option<Mac>,
    /// `--no-ipv6` or `--peer-no-ipv6`: IPv6 off on the end, which then
    /// sends nothing of its own (no DAD, MLD or router solicitations).
    pub no_ipv6: bool,
}

/// A veth pair, as asked.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The first end (NAME).
    pub first: End,
    /// The other end (PEER).
    pub second: End,
    /// `--mtu`, of both ends.
    pub mtu: Option<u32>,
    /// Bring the ends and the namespaces' lo up.
    pub up: bool,
}

impl Pair {
    /// The pair a command line (or a batch line) asks for.
    pub fn from_cli(cli: Cli) -> Result<Self> {
        let (Some(name), Some(peer)) = (cli.name, cli.peer) else {
            return Err(Error::usage(
                "expected two interface names, NAME and PEER (see --help)",
            ));
        };
        if name == peer && cli.netns == cli.peer_netns {
            return Err(Error::usage(format!(
                "both ends are named {name}{}",
                in_netns(cli.netns.as_ref())
            )));
        }
        if cli.no_up && !(cli.gateways.is_empty() && cli.peer_gateways.is_empty()) {
            return Err(Error::usage(
                "a default route needs its link up: --gateway cannot go with --no-up",
            ));
        }
        for gateways in [&cli.gateways, &cli.peer_gateways] {
            if gateways.iter().filter(|g| g.is_ipv4()).count() > 1
                || gateways.iter().filter(|g| g.is_ipv6()).count() > 1
            {
                return Err(Error::usage("one default route per address family: give at most one IPv4 and one IPv6 gateway"));
            }
        }
        for (name, addrs, gateways, no_ipv6) in [
            (
                &name,
                &cli.addrs,
                &cli.gateways,
                cli.no_ipv6.then_some("--no-ipv6"),
            ),
            (
                &peer,
                &cli.peer_addrs,
                &cli.peer_gateways,
                cli.peer_no_ipv6.then_some("--peer-no-ipv6"),
            ),
        ] {
            if let Some(option) = no_ipv6 {
                refuse_ipv6(name, option, addrs, gateways)?;
            }
            if let Some(own) = gateways
                .iter()
                .find(|gateway| addrs.iter().any(|address| address.addr() == **gateway))
            {
                return Err(Error::usage(format!(
                    "the gateway {own} is {name}'s own address: a default route goes via another host"
                )));
            }
        }
        Ok(Pair {
            first: End {
                name,
                netns: cli.netns,
                addrs: cli.addrs,
                gateways: cli.gateways,
                mac: cli.mac,
                no_ipv6: cli.no_ipv6,
            },
            second: End {
                name: peer,
                netns: cli.peer_netns,
                addrs: cli.peer_addrs,
                gateways: cli.peer_gateways,
                mac: cli.peer_mac,
                no_ipv6: cli.peer_no_ipv6,
            },
            mtu: cli.mtu,
            up: !cli.no_up,
        })
    }

    /// The ends left in the caller's namespace, whose names are printed.
    pub fn local_ends(&self) -> impl Iterator<Item = &End> {
        [&self.first, &self.second]
            .into_iter()
            .filter(|end| end.netns.is_none())
    }

    /// The steps that take the kernel from its current state to this pair.
    /// Whatever already exists exactly is left alone; what exists and
    /// conflicts is an error, before anything is changed.
    pub fn plan(&self, context: &mut Context) -> Result<Plan> {
        let mut plan = Plan::default();
        let new_namespaces = self.plan_namespaces(context, &mut plan);
        let quiet_namespaces = self.plan_quiet_namespaces(&new_namespaces, &mut plan);
        let is_new = |netns: &Netns| {
            netns
                .as_ref()
                .is_some_and(|name| new_namespaces.contains(name))
        };
        let ends = [&self.first, &self.second];
        let mut links = [None, None];
        // With an end's namespace new, the pair cannot exist yet: the other
        // end is not looked up either, and a link of its name is a clash the
        // kernel reports when the pair is created.
        if !ends.iter().any(|end| is_new(&end.netns)) {
            // One end alone may be half of a pair another invocation made
            // between the two lookups: a second look tells.
            for _ in 0..2 {
                for (end, link) in ends.iter().zip(links.iter_mut()) {
                    *link = lookup::link(context, &end.netns, &end.name)?;
                }
                if links[0].is_some() == links[1].is_some() {
                    break;
                }
            }
        }
        self.plan_pair(&links, &mut plan)?;
        self.plan_ipv6_switches(
            context,
            &new_namespaces,
            &quiet_namespaces,
            &links,
            &mut plan,
        )?;
        if self.up {
            self.plan_loopbacks(context, &is_new, &mut plan)?;
        }
        self.plan_addresses(context, &links, &mut plan)?;
        if self.up {
            for (end, link) in ends.iter().zip(&links) {
                if !link.as_ref().is_some_and(|link| link.up) {
                    plan.push(LinkUp {
                        netns: end.netns.clone(),
                        name: end.name.clone(),
                    });
                }
            }
        }
        for end in ends {
            self.plan_routes(context, end, is_new(&end.netns), &mut plan)?;
        }
        Ok(plan)
    }

    /// Plans bringing `lo` up in the ends' named namespaces where it is down.
    fn plan_loopbacks(
        &self,
        context: &mut Context,
        is_new: &impl Fn(&Netns) -> bool,
        plan: &mut Plan,
    ) -> Result<()> {
        for netns in self.namespaces().into_iter().filter(Option::is_some) {
            let lo_is_up = !is_new(&netns)
                && lookup::link(context, &netns, &loopback())?.is_some_and(|lo| lo.up);
            if !lo_is_up {
                plan.push(LinkUp {
                    netns,
                    name: loopback(),
                });
            }
        }
        Ok(())
    }

    /// Plans the addresses each end (found as `links`, or to be made) lacks.
    fn plan_addresses(
        &self,
        context: &mut Context,
        links: &[Option<Link>; 2],
        plan: &mut Plan,
    ) -> Result<()> {
        for (end, link) in [&self.first, &self.second].into_iter().zip(links) {
            let present = match link {
                Some(link) => lookup::addresses(context, &end.netns, &end.name, link.index)?,
                None => Vec::new(),
            };
            for address in end.addrs.iter().filter(|a| !present.contains(a)) {
                plan.push(AddrAdd {
                    netns: end.netns.clone(),
                    dev: end.name.clone(),
                    address: *address,
                });
            }
        }
        Ok(())
    }

    /// Plans the default routes `end`'s namespace lacks (none is there when
    /// it is `new`); one via another gateway is a conflict.
    fn plan_routes(
        &self,
        context: &mut Context,
        end: &End,
        new: bool,
        plan: &mut Plan,
    ) -> Result<()> {
        for gateway in &end.gateways {
            let present = if new {
                Vec::new()
            } else {
                lookup::default_gateways(context, &end.netns, gateway)?
            };
            if present.contains(gateway) {
                continue;
            }
            if let Some(other) = present.first() {
                return Err(Error::failed(format!(
                    "cannot add default route via {gateway}: there is one via {other} already{}",
                    in_netns(end.netns.as_ref())
                )));
            }
            plan.push(RouteAdd {
                netns: end.netns.clone(),
                dev: end.name.clone(),
                gateway: *gateway,
            });
        }
        Ok(())
    }

    /// Plans the creation of the ends' namespaces that do not exist; returns them.
    fn plan_namespaces(&self, context: &Context, plan: &mut Plan) -> Vec<NsName> {
        let mut new_namespaces: Vec<NsName> = Vec::new();
        for netns in [&self.first.netns, &self.second.netns]
            .into_iter()
            .flatten()
        {
            if !context.netns_exists(Some(netns)) && !new_namespaces.contains(netns) {
                new_namespaces.push(netns.clone());
                plan.push(NetnsAdd {
                    name: netns.clone(),
                });
            }
        }
        new_namespaces
    }

    /// Plans the pair's creation when neither end exists; accepts ends that
    /// are already this pair with the attributes asked for; refuses others.
    fn plan_pair(&self, links: &[Option<Link>; 2], plan: &mut Plan) -> Result<()> {
        match links {
            [None, None] => plan.push(self.creation()),
            [Some(a), Some(b)]
                if veth::peer_of(a) == Some(b.index) && veth::peer_of(b) == Some(a.index) =>
            {
                self.check_attributes(&self.first, a)?;
                self.check_attributes(&self.second, b)?;
            }
            _ => {
                let taken = if links[0].is_some() {
                    &self.first
                } else {
                    &self.second
                };
                return Err(Error::failed(format!(
                    "cannot create {}: an interface with that name already exists{} (and is not this pair's end)",
                    taken.name,
                    in_netns(taken.netns.as_ref())
                )));
            }
        }
        Ok(())
    }

    /// Plans IPv6 off by default in the new namespaces whose ends (all that
    /// go in) have `--no-ipv6`, before the ends are made there: they are
    /// born with it, at one sysctl a namespace. Returns those namespaces.
    fn plan_quiet_namespaces(&self, new_namespaces: &[NsName], plan: &mut Plan) -> Vec<NsName> {
        let mut quiet = Vec::new();
        for netns in new_namespaces {
            let mut going_in = [&self.first, &self.second]
                .into_iter()
                .filter(|end| end.netns.as_ref() == Some(netns));
            if going_in.all(|end| end.no_ipv6) {
                plan.push(SysctlSet {
                    netns: Some(netns.clone()),
                    key: Key::disable_ipv6("default"),
                    value: "1".into(),
                    was: NEW_NAMESPACE_DISABLE_IPV6.into(),
                    also_was: BTreeMap::new(),
                });
                quiet.push(netns.clone());
            }
        }
        quiet
    }

    /// Plans each end's IPv6 switch (`disable_ipv6`, on the end found as
    /// `links`, or to be made) where the end would otherwise have it wrong,
    /// before it is brought up (when its IPv6 would start): off on a
    /// `--no-ipv6` end not born so in one of `quiet_namespaces`; on for an
    /// end given IPv6 addresses that would be born with it off, in a
    /// namespace whose default is off (as one an earlier `--no-ipv6` made).
    fn plan_ipv6_switches(
        &self,
        context: &mut Context,
        new_namespaces: &[NsName],
        quiet_namespaces: &[NsName],
        links: &[Option<Link>; 2],
        plan: &mut Plan,
    ) -> Result<()> {
        let is_in = |end: &End, namespaces: &[NsName]| {
            end.netns
                .as_ref()
                .is_some_and(|netns| namespaces.contains(netns))
        };
        for (end, link) in [&self.first, &self.second].into_iter().zip(links) {
            let disable = if end.no_ipv6 {
                "1"
            } else if end.addrs.iter().any(|address| address.addr().is_ipv6()) {
                "0"
            } else {
                continue;
            };
            // Only quiet ends go into a quiet namespace, and are born quiet.
            if is_in(end, quiet_namespaces) {
                continue;
            }
            // A link to be made takes its namespace's default.
            let was = match link {
                Some(_) => {
                    lookup::sysctl(context, &end.netns, &Key::disable_ipv6(end.name.as_str()))?
                }
                None if is_in(end, new_namespaces) => NEW_NAMESPACE_DISABLE_IPV6.into(),
                None => lookup::sysctl(context, &end.netns, &Key::disable_ipv6("default"))?,
            };
            if sysctl::same_value(&was, disable) {
                continue;
            }
            plan.push(SysctlSet {
                netns: end.netns.clone(),
                key: Key::disable_ipv6(end.name.as_str()),
                value: disable.into(),
                was,
                also_was: BTreeMap::new(),
            });
        }
        Ok(())
    }

    /// The distinct namespaces of the two ends.
    fn namespaces(&self) -> Vec<Netns> {
        let mut namespaces = vec![self.first.netns.clone()];
        if self.second.netns != self.first.netns {
            namespaces.push(self.second.netns.clone());
        }
        namespaces
    }

    /// The creation step, sent from a socket in a named end's namespace
    /// only when the other end is not in the caller's (so that the name
    /// checked for clashes is checked where the end will live).
    fn creation(&self) -> LinkAdd {
        let (main, other) = if self.first.netns.is_some() && self.second.netns.is_none() {
            (&self.second, &self.first)
        } else {
            (&self.first, &self.second)
        };
        LinkAdd {
            netns: main.netns.clone(),
            name: main.name.clone(),
            mtu: self.mtu,
            mac: main.mac,
            kind: Veth {
                peer: other.name.clone(),
                peer_netns: other.netns.clone(),
                peer_mac: other.mac,
            }
            .into(),
        }
    }

    /// An existing end must have the MTU and MAC asked for.
    fn check_attributes(&self, end: &End, link: &Link) -> Result<()> {
        lookup::check_mtu(&end.name, &end.netns, link, self.mtu)?;
        match end.mac {
            Some(mac) if link.mac != Some(mac) => {
                let actual = link.mac.map(|m| m.to_string()).unwrap_or_default();
                let difference = format!("address {actual}, not {mac}");
                Err(lookup::exists_with(&end.name, &end.netns, &difference))
            }
            _ => Ok(()),
        }
    }
}

/// Refuses IPv6 addresses and gateways on `name`, whose IPv6 `option`
/// turns off.
fn refuse_ipv6(name: &IfName, option: &str, addrs: &[IpNet], gateways: &[IpAddr]) -> Result<()> {
    if let Some(address) = addrs.iter().find(|address| address.addr().is_ipv6()) {
        return Err(Error::usage(format!(
            "{address} cannot go on {name}: {option} turns IPv6 off on it"
        )));
    }
    if let Some(gateway) = gateways.iter().find(|gateway| gateway.is_ipv6()) {
        return Err(Error::usage(format!(
            "a default route via {gateway} cannot go through {name}: {option} turns IPv6 off on it"
        )));
    }
    Ok(())
}

/// `net.ipv6.conf.default.disable_ipv6` in a new namespace: the kernel
/// starts each with IPv6's own defaults (unless the machine is set to copy
/// them from elsewhere: `net.core.devconf_inherit_init_net`).
const NEW_NAMESPACE_DISABLE_IPV6: &str = "0";

fn loopback() -> IfName {
    "lo".parse().expect("lo is a valid interface name")
}

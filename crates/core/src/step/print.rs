//! How each step prints: the `ip` or `sysctl` command line that does the same.

use std::fmt;
use std::net::IpAddr;

use super::Step;
use crate::context::Netns;
use crate::mac::Mac;
use crate::name::IfName;
use crate::sysctl::Key;

/// Quotes a word for a POSIX shell when it needs quoting.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,:/@%+=".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `ip` or `ip -n NS`.
fn ip(netns: &Netns) -> String {
    match netns {
        Some(name) => format!("ip -n {}", shell_word(name.as_str())),
        None => "ip".to_string(),
    }
}

/// `sysctl -w KEY=VALUE...`, run inside `netns` by `ip netns exec`.
fn sysctl_w<'a>(
    netns: &Netns,
    assignments: impl IntoIterator<Item = (&'a Key, &'a str)>,
) -> String {
    let assignment = assignments
        .into_iter()
        .map(|(key, value)| shell_word(&format!("{key}={value}")))
        .collect::<Vec<_>>()
        .join(" ");
    match netns {
        Some(name) => format!(
            "ip netns exec {} sysctl -w {assignment}",
            shell_word(name.as_str())
        ),
        None => format!("sysctl -w {assignment}"),
    }
}

/// `ip` with `-6` when the address is IPv6 (iproute2 needs it for `default`).
fn ip_for(netns: &Netns, address: &IpAddr) -> String {
    match address {
        IpAddr::V4(_) => ip(netns),
        IpAddr::V6(_) => format!("{} -6", ip(netns)),
    }
}

impl fmt::Display for Step {
    /// The equivalent `ip` command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = |name: &dyn fmt::Display| shell_word(&name.to_string());
        match self {
            Step::NetnsAdd { name } => write!(f, "ip netns add {}", q(name)),
            Step::NetnsDel { name, .. } => write!(f, "ip netns del {}", q(name)),
            Step::VethAdd {
                netns,
                name,
                peer_netns,
                peer,
                mtu,
                mac,
                peer_mac,
            } => {
                let end = |name: &IfName, mac: &Option<Mac>| {
                    let mut words = format!("name {}", q(name));
                    if let Some(mtu) = mtu {
                        words += &format!(" mtu {mtu}");
                    }
                    if let Some(mac) = mac {
                        words += &format!(" address {mac}");
                    }
                    words
                };
                write!(
                    f,
                    "{} link add {} type veth peer {}",
                    ip(netns),
                    end(name, mac),
                    end(peer, peer_mac)
                )?;
                match peer_netns {
                    Some(other) if peer_netns != netns => write!(f, " netns {}", q(other)),
                    _ => Ok(()),
                }
            }
            Step::BridgeAdd { netns, name, stp } => {
                write!(f, "{} link add name {} type bridge", ip(netns), q(name))?;
                match stp {
                    Some(stp) => write!(f, " stp_state {}", u8::from(*stp)),
                    None => Ok(()),
                }
            }
            Step::LinkMtu { netns, name, mtu } => {
                write!(f, "{} link set dev {} mtu {mtu}", ip(netns), q(name))
            }
            Step::LinkMaster {
                netns, dev, master, ..
            } => write!(
                f,
                "{} link set dev {} master {}",
                ip(netns),
                q(dev),
                q(master)
            ),
            Step::LinkNoMaster { netns, dev, .. } => {
                write!(f, "{} link set dev {} nomaster", ip(netns), q(dev))
            }
            Step::LinkMove {
                netns,
                name,
                to,
                new_name,
            } => {
                // `$$`: the namespace of the shell running the line, which
                // is the caller's (never `netns 1`, PID 1's namespace).
                let to = to.as_ref().map_or_else(|| "$$".to_string(), |to| q(to));
                write!(f, "{} link set dev {} netns {to}", ip(netns), q(name))?;
                match new_name {
                    Some(new_name) => write!(f, " name {}", q(new_name)),
                    None => Ok(()),
                }
            }
            Step::Nft { ops } => {
                // One transaction, as `nft -f` reads it.
                writeln!(f, "nft -f - <<'END'")?;
                for op in ops {
                    writeln!(f, "{op}")?;
                }
                f.write_str("END")
            }
            Step::SysctlSet {
                netns, key, value, ..
            } => f.write_str(&sysctl_w(netns, [(key, value.as_str())])),
            Step::SysctlRestore {
                netns,
                key,
                value,
                also,
                ..
            } => {
                let others = also.iter().map(|(key, value)| (key, value.as_str()));
                f.write_str(&sysctl_w(
                    netns,
                    [(key, value.as_str())].into_iter().chain(others),
                ))
            }
            Step::LinkDel { netns, name, .. } => {
                write!(f, "{} link del dev {}", ip(netns), q(name))
            }
            Step::LinkUp { netns, name } => write!(f, "{} link set dev {} up", ip(netns), q(name)),
            Step::LinkDown { netns, name, .. } => {
                write!(f, "{} link set dev {} down", ip(netns), q(name))
            }
            Step::AddrAdd {
                netns,
                dev,
                address,
            } => write!(f, "{} address add {address} dev {}", ip(netns), q(dev)),
            Step::AddrDel {
                netns,
                dev,
                address,
                ..
            } => write!(f, "{} address del {address} dev {}", ip(netns), q(dev)),
            Step::RouteAdd {
                netns,
                dev,
                gateway,
            } => {
                write!(
                    f,
                    "{} route add default via {gateway} dev {}",
                    ip_for(netns, gateway),
                    q(dev)
                )
            }
            Step::RouteDel {
                netns,
                dev,
                gateway,
                ..
            } => {
                write!(
                    f,
                    "{} route del default via {gateway} dev {}",
                    ip_for(netns, gateway),
                    q(dev)
                )
            }
        }
    }
}

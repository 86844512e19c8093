//! nat-masq: the walk-through's firewall steps in nf_tables, over netlink:
//! accept forwarding on a bridge, masquerade its subnets and publish ports
//! of its hosts ([`create`]), list and delete ([`delete`]) what vethkit
//! made.

pub mod cli;
pub mod create;
pub mod delete;
pub mod publish;
pub mod rules;

use ipnet::IpNet;
use vethkit_core::cli::print_line;
use vethkit_core::context::Context;
use vethkit_core::name::IfName;
use vethkit_core::nft::{self, ChainRef, Family, ListedRule, COMMENT_PREFIX, TABLE};
use vethkit_core::{Error, Result};

pub use cli::Cli;
use publish::Publish;

/// Runs nat-masq with the process's arguments.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    cli.check().map_err(Error::usage)?;
    let mut executor = cli.changes.executor("nat-masq")?;
    let Some(bridge) = cli.bridge.as_ref().filter(|_| !cli.list) else {
        return list(&mut executor.context, cli.bridge.as_ref(), cli.json.json);
    };
    let asked = Asked {
        bridge,
        subnets: &cli.subnets,
        publishes: &cli.publish,
    };
    if cli.delete {
        delete::run(&mut executor, &asked)?;
    } else {
        let _lock = executor.lock_sysctls()?;
        let plan = create::plan(&mut executor.context, &asked)?;
        executor.run(&plan)?;
    }
    if cli.json.json && !executor.mode.dry_run {
        list(&mut executor.context, Some(bridge), true)?;
    }
    Ok(())
}

/// What nat-masq is asked to make for a bridge.
pub struct Asked<'a> {
    /// The bridge.
    pub bridge: &'a IfName,
    /// Its subnets to masquerade.
    pub subnets: &'a [IpNet],
    /// The ports to publish.
    pub publishes: &'a [Publish],
}

impl Asked<'_> {
    /// The families with rules to make: those of the subnets and published
    /// ports; IPv4 alone when there are none (the walk-through's step).
    fn families(&self) -> Vec<Family> {
        let families: Vec<Family> = rules::FAMILIES
            .into_iter()
            .filter(|family| self.routes(*family))
            .collect();
        if families.is_empty() {
            vec![Family::Ip]
        } else {
            families
        }
    }

    /// Whether traffic of `family` is routed through the host: there are
    /// subnets or published ports of it.
    fn routes(&self, family: Family) -> bool {
        self.subnets.iter().any(|subnet| family.can_match(subnet))
            || self
                .publishes
                .iter()
                .any(|publish| publish.family() == family)
    }
}

/// The rules of `chain`, errors in words.
fn listed(context: &mut Context, chain: &ChainRef) -> Result<Vec<ListedRule>> {
    nft::rules(context.netfilter()?, chain)
        .map_err(|error| Error::failed(format!("cannot list the rules of {chain}: {error}")))
}

/// The handle of vethkit's table of `family` (`None`: there is none),
/// errors in words.
fn table_handle(context: &mut Context, family: Family) -> Result<Option<u64>> {
    nft::table_handle(context.netfilter()?, family, TABLE)
        .map_err(|error| Error::failed(format!("cannot look up table {family} {TABLE}: {error}")))
}

/// Prints vethkit's rules (those of `bridge`, when given): `FAMILY TABLE
/// CHAIN handle N: COMMENT`, or JSON.
fn list(context: &mut Context, bridge: Option<&IfName>, json: bool) -> Result<()> {
    let mut found = Vec::new();
    for chain in rules::all_chains() {
        for rule in listed(context, &chain)? {
            let Some(comment) = rule.comment else {
                continue;
            };
            let shown = match bridge {
                Some(bridge) => rules::belongs(&comment, bridge, rules::Part::All),
                None => comment.starts_with(COMMENT_PREFIX),
            };
            if shown {
                found.push((chain.clone(), rule.handle, comment));
            }
        }
    }
    if json {
        let rules: Vec<serde_json::Value> = found
            .iter()
            .map(|(chain, handle, comment)| {
                serde_json::json!({
                    "family": chain.family.to_string(),
                    "table": chain.table,
                    "chain": chain.chain,
                    "handle": handle,
                    "comment": comment,
                })
            })
            .collect();
        print_line(&serde_json::Value::Array(rules).to_string());
    } else {
        for (chain, handle, comment) in found {
            print_line(&format!("{chain} handle {handle}: {comment}"));
        }
    }
    Ok(())
}

//! sysctl-set: set network sysctls, keeping the old values (see `sysctl-set --help`).

fn main() -> std::process::ExitCode {
    vethkit_core::cli::main("sysctl-set", sysctl_set::run)
}

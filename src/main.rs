//! `slavakt`: parse the command line, set up logging, run one subcommand, map its result to an
//! exit code (0 ok, 1 invalid config or input, 2 runtime failure).

use clap::{CommandFactory, Parser, Subcommand};
use slavakt::cli;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "slavakt",
    version = slavakt::build_info::LONG_VERSION,
    about = "SLA watch for a Pureservice service desk"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon.
    Run(cli::run::Args),
    /// Validate the configuration and print a summary.
    CheckConfig(cli::check_config::Args),
    /// Show a ticket's deadlines and how they were computed.
    Explain(cli::explain::Args),
    /// Replay a scenario through the SLA engine and the plan; sends nothing.
    Simulate(cli::simulate::Args),
    /// Print the computed public holidays of a year.
    Holidays(cli::holidays::Args),
    /// Show tracked tickets, pending deliveries and the last poll, from the state file.
    Status(cli::status::Args),
    /// Send one clearly marked test message through a channel.
    TestNotify(cli::test_notify::Args),
    /// The SLA report over one month or several.
    Report(cli::report::Args),
    /// A complete run against a built-in simulated Pureservice, with accelerated time.
    Demo(cli::demo::Args),
    /// Read-only check of the configured Pureservice tenant: what works, what to change.
    Probe(cli::probe::Args),
    /// History for the reports: tickets solved since a month, read from Pureservice; notifies
    /// no one.
    Backfill(cli::backfill::Args),
    /// Move the state between the file and PostgreSQL (export / import).
    State(cli::state::Args),
    /// Write the manual pages and shell completions (for packaging).
    #[command(hide = true)]
    GenerateDocs(cli::generate_docs::Args),
}

fn main() -> ExitCode {
    // Usage errors are "invalid input" (exit 1) per INTERFACE.md; --help/--version exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Run(a) => cli::run::run(a),
        Command::CheckConfig(a) => cli::check_config::run(a),
        Command::Explain(a) => cli::explain::run(a),
        Command::Simulate(a) => cli::simulate::run(a),
        Command::Holidays(a) => cli::holidays::run(a),
        Command::Status(a) => cli::status::run(a),
        Command::TestNotify(a) => cli::test_notify::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Demo(a) => cli::demo::run(a),
        Command::Probe(a) => cli::probe::run(a),
        Command::Backfill(a) => cli::backfill::run(a),
        Command::State(a) => cli::state::run(a),
        Command::GenerateDocs(a) => cli::generate_docs::run(a, Cli::command()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slavakt: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

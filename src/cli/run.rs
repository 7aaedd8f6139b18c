//! `slavakt run`.

use super::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Runtime("run is not built yet".into()))
}

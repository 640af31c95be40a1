//! The `rastagg` command line: a thin shell over the workspace crates. Argument parsing and
//! output formatting live here; formats and math live in `crates/`.

mod info;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Aggregate (spatially downsample) huge rasters: GeoTIFF or VRT in, one tiled GeoTIFF per
/// statistic out.
#[derive(Parser, Debug)]
#[command(name = "rastagg", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
enum Command {
    /// Print what `gdalinfo` shows in its header: size, bands, type, blocks, compression,
    /// georeferencing, nodata; `--checksum` adds GDAL's per-band checksum.
    Info(info::InfoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => info::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rastagg: {e}");
            ExitCode::from(1)
        }
    }
}

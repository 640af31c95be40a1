//! The `rastagg` command line: a thin shell over the workspace crates. Argument parsing and
//! output formatting live here; formats and math live in `crates/`.

mod aggregate;
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
    /// Aggregate rasters to a coarser grid: one tiled GeoTIFF per statistic per input.
    Aggregate(Box<aggregate::AggregateArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Info(args) => match info::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rastagg: {e}");
                ExitCode::from(1)
            }
        },
        Command::Aggregate(args) => ExitCode::from(aggregate::run(&args)),
    }
}

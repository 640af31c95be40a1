//! Aggregation core: statistics, accumulators and grid arithmetic, no I/O.
//!
//! The pipeline uses it in four steps:
//! 1. [`StatSet::parse`] the statistic list (`"mean,max,min,SD"`, `"all"`, `"p95"`), and set
//!    [`StatOptions`] (SD ddof, quantile method);
//! 2. plan the [`Grid`]: [`Grid::factor`], or [`AxisMap::resize`] per axis with a
//!    [`Resampling`] mode; resolutions go through [`resolution_axis`] / [`mastergrid_resolution`];
//! 3. for each band of output rows, create a [`BandAccumulator`] (sized with
//!    [`band_memory_bytes`]), feed it input windows in any order
//!    ([`BandAccumulator::add_window`]) and [`BandAccumulator::finish`] it into one typed
//!    [`OutputBuffer`] per statistic;
//! 4. write each buffer with the type [`output_type`] gives and warn about
//!    [`StatOutput::nodata_collisions`].
//!
//! Results are bit-identical however the input is split into windows and whatever the thread
//! count: every sum is exact until the one final rounding (see the `band` module docs for what
//! that means for `mean`, `SD`, `sum` and `rms`).

mod band;
mod cpu;
mod error;
mod exact;
mod grid;
mod kernel;
mod output;
mod pixel;
mod simd;
mod stat;
mod values;

pub use band::{BandAccumulator, StatOutput, band_memory_bytes};
pub use cpu::{CPU_ENV, cpu_env_warning};
pub use error::{CoreError, Result};
pub use grid::{
    AlignedAxis, AxisMap, Grid, Resampling, SNAP_TOLERANCE, aligned_axis, mastergrid_resolution,
    resolution_axis, snap_pixel_size,
};
pub use output::{OutputBuffer, natural_output_type, output_type, widen_for_nodata};
pub use pixel::{Check, Pixel};
pub use stat::{Ddof, Quantile, QuantileMethod, StatOptions, StatSet, Statistic};

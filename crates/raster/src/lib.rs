//! Types shared by every rastagg crate: the pixel sample types a raster can hold, the
//! [`Sample`] trait that lets generic code work on any of them, pixel [`Window`]s, the
//! affine [`GeoTransform`] and the verbatim [`GeoKeys`] of a CRS, the pool of [`spare`]
//! buffers they all reuse, and [`gcd`]/[`lcm`] for lining up rows and blocks.
//!
//! This crate depends only on bytemuck and does no I/O, so the reader, the writer, the VRT
//! crate and the aggregation core can all agree on these types without depending on each
//! other.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod arith;
mod checksum;
mod geo;
mod geokeys;
mod sample;
pub mod spare;
mod window;

pub use arith::{gcd, lcm};
pub use checksum::{GdalChecksum, gdal_checksum};
pub use geo::GeoTransform;
pub use geokeys::{
    GEOGRAPHIC_TYPE, GT_MODEL_TYPE, GT_RASTER_TYPE, GeoKeyValue, GeoKeys, PROJECTED_CS_TYPE,
};
pub use sample::{Sample, SampleType};
pub use window::Window;

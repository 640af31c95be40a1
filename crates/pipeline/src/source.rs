//! One input raster, GeoTIFF or VRT, behind one interface: what the planner needs to know
//! about it and window reads of one band.

use std::io::Read;
use std::path::Path;

use rastagg_raster::{GeoKeys, GeoTransform, Sample, SampleType, Window};
use rastagg_tiff::TiffFile;
use rastagg_vrt::VrtDataset;

use crate::Error;

/// An opened input.
#[derive(Debug)]
pub enum Source {
    /// A GeoTIFF or BigTIFF.
    Tiff(TiffFile),
    /// A GDAL VRT mosaic.
    Vrt(VrtDataset),
}

/// What the planner needs to know about an input band.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
    /// Number of bands.
    pub bands: usize,
    /// Type of the band's samples.
    pub sample_type: SampleType,
    /// The band's nodata value, if it has one.
    pub nodata: Option<f64>,
    /// The geotransform, if georeferenced.
    pub geo_transform: Option<GeoTransform>,
    /// The CRS to copy to outputs.
    pub geo_keys: Option<GeoKeys>,
    /// Rows decoded together (block or strip height): reads are aligned to it.
    pub block_height: u64,
}

impl Source {
    /// Opens `path`, deciding GeoTIFF or VRT from its first bytes (not its extension).
    pub fn open(path: &Path) -> Result<Source, Error> {
        let mut head = [0u8; 4];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        match head.get(..n) {
            Some(b"II*\0" | b"MM\0*" | b"II+\0" | b"MM\0+") => {
                Ok(Source::Tiff(TiffFile::open(path)?))
            }
            _ if is_vrt(path) => Ok(Source::Vrt(VrtDataset::open(path)?)),
            _ => Err(Error::Input {
                path: path.to_path_buf(),
                msg: "not a GeoTIFF or a GDAL VRT".into(),
            }),
        }
    }

    /// The input's path.
    pub fn path(&self) -> &Path {
        match self {
            Source::Tiff(t) => t.path(),
            Source::Vrt(v) => v.path(),
        }
    }

    /// The description of band `band` (0-based).
    pub fn info(&self, band: usize) -> Result<SourceInfo, Error> {
        let info = match self {
            Source::Tiff(t) => {
                let i = t.info();
                SourceInfo {
                    width: i.width,
                    height: i.height,
                    bands: i.bands,
                    sample_type: i.sample_type,
                    nodata: i.nodata.as_ref().map(|n| n.value),
                    geo_transform: i.geo_transform,
                    geo_keys: i.geo_keys.clone(),
                    block_height: i.block_height,
                }
            }
            Source::Vrt(v) => SourceInfo {
                width: v.width(),
                height: v.height(),
                bands: v.bands(),
                sample_type: v.band_sample_type(band).unwrap_or(v.sample_type()),
                nodata: v.nodata(band),
                geo_transform: v.geo_transform(),
                geo_keys: v.geo_keys()?,
                block_height: 256,
            },
        };
        if band >= info.bands {
            return Err(Error::Input {
                path: self.path().to_path_buf(),
                msg: format!("has {} band(s); band {} asked for", info.bands, band + 1),
            });
        }
        Ok(info)
    }

    /// Reads `window` of band `band` into `out` (its sample type must be the band's).
    pub fn read_into<T: Sample>(
        &self,
        band: usize,
        window: Window,
        out: &mut [T],
    ) -> Result<(), Error> {
        match self {
            Source::Tiff(t) => t.read_window_into(band, window, out)?,
            Source::Vrt(v) => v.read_window_into(band, window, out)?,
        }
        Ok(())
    }

    /// Warnings the input collected while reading (a VRT's missing sources read as nodata).
    pub fn warnings(&self) -> Vec<String> {
        match self {
            Source::Tiff(_) => Vec::new(),
            Source::Vrt(v) => v.warnings(),
        }
    }
}

/// True when a `<VRTDataset` element opens within the file's first 512 bytes (after an optional
/// XML declaration or comment).
fn is_vrt(path: &Path) -> bool {
    let mut head = [0u8; 512];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    let text = String::from_utf8_lossy(head.get(..n).unwrap_or(&[]));
    text.contains("<VRTDataset")
}

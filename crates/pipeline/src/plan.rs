//! The output grid of one input: from `--factor`, `--resolution` or `--size` to the core's
//! [`Grid`] and the output geotransform (DESIGN.md, "Integer factor", "Resolution", "Size").

use rastagg_core::{AxisMap, Grid, Resampling, mastergrid_resolution, resolution_axis};
use rastagg_raster::GeoTransform;

use crate::Error;
use crate::source::SourceInfo;

/// How the user asked for the output grid.
#[derive(Debug, Clone, PartialEq)]
pub enum GridSpec {
    /// `--factor NX[,NY]`: whole input pixels per output pixel along x and y.
    Factor(u64, u64),
    /// `--resolution R`: output pixel size in the input's units (a mastergrid name already
    /// turned into degrees); `name` is the mastergrid name when one was given.
    Resolution {
        /// Output pixel size, positive.
        size: f64,
        /// `1km`, `5km` or `10km` when given by name.
        name: Option<String>,
    },
    /// `--size ROWSxCOLS`: output dimensions over the input's extent.
    Size {
        /// Output rows.
        rows: u64,
        /// Output columns.
        cols: u64,
    },
}

impl GridSpec {
    /// Parses `--factor` text: `N` or `NX,NY`, each at least 1.
    pub fn parse_factor(text: &str) -> Result<GridSpec, Error> {
        let bad = || Error::Usage(format!("invalid --factor `{text}` (examples: 5, 5,4)"));
        let parse = |s: &str| s.trim().parse::<u64>().ok().filter(|&n| n >= 1);
        match text.split_once(',') {
            None => parse(text).map(|n| GridSpec::Factor(n, n)).ok_or_else(bad),
            Some((x, y)) => match (parse(x), parse(y)) {
                (Some(x), Some(y)) => Ok(GridSpec::Factor(x, y)),
                _ => Err(bad()),
            },
        }
    }

    /// Parses `--resolution` text: a mastergrid name (`1km`, `5km`, `10km`) or a positive
    /// number in the input's units.
    pub fn parse_resolution(text: &str) -> Result<GridSpec, Error> {
        let t = text.trim();
        if let Some(size) = mastergrid_resolution(t) {
            return Ok(GridSpec::Resolution {
                size,
                name: Some(t.to_string()),
            });
        }
        match t.parse::<f64>() {
            Ok(size) if size.is_finite() && size > 0.0 => {
                Ok(GridSpec::Resolution { size, name: None })
            }
            _ => Err(Error::Usage(format!(
                "invalid --resolution `{text}` (a positive number in the input's units, or 1km, 5km, 10km)"
            ))),
        }
    }

    /// Parses `--size` text: `ROWSxCOLS`, each at least 1.
    pub fn parse_size(text: &str) -> Result<GridSpec, Error> {
        let parse = |s: &str| s.trim().parse::<u64>().ok().filter(|&n| n >= 1);
        text.split_once(['x', 'X'])
            .and_then(|(r, c)| {
                Some(GridSpec::Size {
                    rows: parse(r)?,
                    cols: parse(c)?,
                })
            })
            .ok_or_else(|| Error::Usage(format!("invalid --size `{text}` (example: 2160x4320)")))
    }

    /// The mastergrid name given to `--resolution`, if any.
    pub fn mastergrid_name(&self) -> Option<&str> {
        match self {
            GridSpec::Resolution { name, .. } => name.as_deref(),
            _ => None,
        }
    }
}

/// The planned output of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputGrid {
    /// Which input cells feed which output cell.
    pub grid: Grid,
    /// The output geotransform, when the input has one.
    pub geo_transform: Option<GeoTransform>,
}

impl OutputGrid {
    /// Output width.
    pub fn width(&self) -> u64 {
        self.grid.x.out_size()
    }

    /// Output height.
    pub fn height(&self) -> u64 {
        self.grid.y.out_size()
    }
}

/// Plans the output grid of `input` for `spec`, with `mode` for non-integer ratios.
pub fn plan(input: &SourceInfo, spec: &GridSpec, mode: Resampling) -> Result<OutputGrid, Error> {
    let (w, h) = (input.width, input.height);
    let grid = match *spec {
        GridSpec::Factor(fx, fy) => Grid::factor(w, h, fx, fy)?,
        GridSpec::Size { rows, cols } => Grid::new(
            AxisMap::resize(w, cols, mode)?,
            AxisMap::resize(h, rows, mode)?,
        ),
        GridSpec::Resolution { size, .. } => {
            let gt = north_up(input)?;
            Grid::new(
                resolution_axis(w, gt.0[1], size, mode)?,
                resolution_axis(h, gt.0[5], size, mode)?,
            )
        }
    };
    let geo_transform = input
        .geo_transform
        .map(|gt| output_geo_transform(&gt, &grid, spec));
    Ok(OutputGrid {
        grid,
        geo_transform,
    })
}

/// The input's geotransform, which a resolution needs and which must be north-up.
fn north_up(input: &SourceInfo) -> Result<GeoTransform, Error> {
    match input.geo_transform {
        Some(gt) if gt.is_north_up() => Ok(gt),
        Some(_) => Err(Error::Plan(
            "--resolution needs a north-up input (this one is rotated): use --factor or --size"
                .into(),
        )),
        None => Err(Error::Plan(
            "--resolution needs a georeferenced input (no geotransform): use --factor or --size"
                .into(),
        )),
    }
}

/// The geotransform of the output: the input's origin, pixels scaled by the integer factor or
/// by `in / out` (`--size` keeps the extent); exactly `R` for `--resolution R`.
fn output_geo_transform(gt: &GeoTransform, grid: &Grid, spec: &GridSpec) -> GeoTransform {
    let g = gt.0;
    let scale = |a: &AxisMap| {
        a.factor_value()
            .map_or(a.in_size() as f64 / a.out_size() as f64, |k| k as f64)
    };
    let (sx, sy) = (scale(&grid.x), scale(&grid.y));
    let mut out = [g[0], g[1] * sx, g[2] * sy, g[3], g[4] * sx, g[5] * sy];
    if let GridSpec::Resolution { size, .. } = *spec {
        // Resolutions are planned for north-up inputs only.
        out[1] = size.copysign(g[1]);
        out[5] = size.copysign(g[5]);
    }
    GeoTransform(out)
}

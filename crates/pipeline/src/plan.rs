//! The output grid of one input: from `--factor`, `--resolution` (with or without `--align`) or
//! `--size` to the core's [`Grid`] and the output geotransform (DESIGN.md, "Integer factor",
//! "Resolution", "Size").

use rastagg_core::{
    AxisMap, Grid, Resampling, aligned_axis, mastergrid_resolution, resolution_axis,
};
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
        /// `--align`: the output extent is the input's snapped outward to multiples of `size`
        /// (like `gdalwarp -tap`), so outputs line up with a global grid.
        align: bool,
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
                align: false,
            });
        }
        match t.parse::<f64>() {
            Ok(size) if size.is_finite() && size > 0.0 => Ok(GridSpec::Resolution {
                size,
                name: None,
                align: false,
            }),
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

    /// The same resolution aligned to multiples of its pixel size (`--align`); a usage error
    /// for any other spec (a global grid needs its pixel size, as `gdalwarp -tap` needs `-tr`).
    pub fn aligned(self) -> Result<GridSpec, Error> {
        match self {
            GridSpec::Resolution { size, name, .. } => Ok(GridSpec::Resolution {
                size,
                name,
                align: true,
            }),
            _ => Err(Error::Usage(
                "--align needs --resolution (it snaps the output to multiples of that pixel \
                 size, like gdalwarp -tap needs -tr)"
                    .into(),
            )),
        }
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
    // The aligned origin (x, y) replaces the input's in the output geotransform.
    let mut origin = None;
    let grid = match *spec {
        GridSpec::Factor(fx, fy) => Grid::factor(w, h, fx, fy)?,
        GridSpec::Size { rows, cols } => Grid::new(
            AxisMap::resize(w, cols, mode)?,
            AxisMap::resize(h, rows, mode)?,
        ),
        GridSpec::Resolution {
            size, align: false, ..
        } => {
            let gt = north_up(input)?;
            Grid::new(
                resolution_axis(w, gt.0[1], size, mode)?,
                resolution_axis(h, gt.0[5], size, mode)?,
            )
        }
        GridSpec::Resolution {
            size, align: true, ..
        } => {
            let g = north_up(input)?.0;
            let x = aligned_axis(w, g[0], g[1], size, mode)?;
            let y = aligned_axis(h, g[3], g[5], size, mode)?;
            origin = Some((x.origin, y.origin));
            Grid::new(x.axis, y.axis)
        }
    };
    let geo_transform = input.geo_transform.map(|gt| {
        let mut out = output_geo_transform(&gt, &grid, spec);
        if let Some((x, y)) = origin {
            (out.0[0], out.0[3]) = (x, y);
        }
        out
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use rastagg_raster::SampleType;

    fn input(width: u64, height: u64, gt: [f64; 6]) -> SourceInfo {
        SourceInfo {
            width,
            height,
            bands: 1,
            sample_type: SampleType::F32,
            nodata: None,
            geo_transform: Some(GeoTransform(gt)),
            geo_keys: None,
            block_height: 1,
            block_width: width,
        }
    }

    #[test]
    fn align_snaps_the_origin_to_multiples_of_the_resolution() {
        let five = GridSpec::parse_resolution("5km").unwrap();
        let aligned = five.clone().aligned().unwrap();
        assert_eq!(aligned.mastergrid_name(), Some("5km"));
        // 1/120° pixels, top-left 2 pixels east and 3 south of a 1/24° multiple.
        let px = 1.0 / 120.0;
        let src = input(
            54,
            41,
            [10.0 + 2.0 * px, px, 0.0, 50.0 - 3.0 * px, 0.0, -px],
        );
        let out = plan(&src, &aligned, Resampling::Area).unwrap();
        assert_eq!((out.width(), out.height()), (12, 9));
        assert!(!out.grid.is_weighted());
        assert_eq!((out.grid.x.inputs(0), out.grid.y.inputs(0)), (0..3, 0..2));
        let r = 1.0 / 24.0;
        assert_eq!(
            out.geo_transform,
            Some(GeoTransform([10.0, r, 0.0, 50.0, 0.0, -r]))
        );
        // Without --align the origin is kept and the grid is a (clipped) factor.
        let kept = plan(&src, &five, Resampling::Area).unwrap();
        assert_eq!(kept.grid.x.factor_value(), Some(5));
        assert_eq!(kept.geo_transform.map(|g| g.0[0]), Some(10.0 + 2.0 * px));
        // An input already on the grid plans the plain factor either way.
        let on = input(40, 30, [-180.0, 0.00833333, 0.0, 90.0, 0.0, -0.00833333]);
        let a = plan(&on, &aligned, Resampling::Area).unwrap();
        assert_eq!(a, plan(&on, &five, Resampling::Area).unwrap());
        assert_eq!(a.grid.y.factor_value(), Some(5));
    }

    #[test]
    fn align_needs_a_resolution() {
        for spec in [
            GridSpec::parse_factor("5").unwrap(),
            GridSpec::parse_size("10x10").unwrap(),
        ] {
            let err = spec.aligned().unwrap_err();
            assert!(matches!(err, Error::Usage(_)), "{err}");
            assert!(err.to_string().contains("--resolution"), "{err}");
        }
    }
}

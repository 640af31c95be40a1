//! Georeferencing: the six-term geotransform GDAL derives from ModelPixelScale + ModelTiepoint
//! or ModelTransformation, and the GeoKey directory kept verbatim.

use crate::error::Fallible;
use crate::ifd::Values;
use crate::tags;
use rastagg_raster::{GeoKeys, GeoTransform};

/// The GeoKeys of the image, `None` when it has no GeoKeyDirectory.
pub(crate) fn geo_keys(v: &Values<'_>) -> Fallible<Option<GeoKeys>> {
    let Some(directory) = v.uints(tags::GEO_KEY_DIRECTORY)? else {
        return Ok(None);
    };
    let directory = directory.into_iter().map(|x| x as u16).collect();
    let doubles = v.floats(tags::GEO_DOUBLE_PARAMS)?.unwrap_or_default();
    let mut ascii = v.text(tags::GEO_ASCII_PARAMS)?.unwrap_or_default();
    if ascii.ends_with('\0') {
        ascii.pop();
    }
    Ok(Some(GeoKeys {
        directory,
        doubles,
        ascii,
    }))
}

/// The geotransform exactly as GDAL 3.6 computes it (gtiffdataset_read.cpp):
///
/// - ModelPixelScale with non-zero x and y scales plus a ModelTiepoint: origin from the first
///   tiepoint, `gt[5] = -|scale y|` (GDAL assumes north-up unless
///   GTIFF_HONOUR_NEGATIVE_SCALEY is set). The scale wins over a ModelTransformation; a scale
///   without tiepoint gives no geotransform.
/// - else ModelTransformation with exactly 16 values: the affine terms of its first two rows.
/// - PixelIsPoint (GTIFF_POINT_GEO_IGNORE=FALSE, GDAL's default): the origin moves back by half
///   a pixel.
///
/// Tiepoints alone are GCPs for GDAL, not a geotransform: `None`.
pub(crate) fn geo_transform(
    v: &Values<'_>,
    keys: Option<&GeoKeys>,
) -> Fallible<Option<GeoTransform>> {
    let scale = v.floats(tags::MODEL_PIXEL_SCALE)?;
    let mut gt = match scale.as_deref() {
        Some([sx, sy, ..]) if *sx != 0.0 && *sy != 0.0 => {
            let Some(tie) = v.floats(tags::MODEL_TIEPOINT)? else {
                return Ok(None);
            };
            let Some([i, j, _, x, y, ..]) = tie.get(..6) else {
                return Ok(None);
            };
            let (dx, dy) = (*sx, -sy.abs());
            [x - i * dx, dx, 0.0, y - j * dy, 0.0, dy]
        }
        _ => match v.floats(tags::MODEL_TRANSFORMATION)?.as_deref() {
            Some(&[a, b, _, d, e, f, _, h, _, _, _, _, _, _, _, _]) => [d, a, b, h, e, f],
            _ => return Ok(None),
        },
    };
    if keys.is_some_and(GeoKeys::pixel_is_point) {
        let [g0, g1, g2, g3, g4, g5] = gt;
        gt[0] = g0 - (g1 * 0.5 + g2 * 0.5);
        gt[3] = g3 - (g4 * 0.5 + g5 * 0.5);
    }
    Ok(Some(GeoTransform(gt)))
}

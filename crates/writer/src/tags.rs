//! TIFF directories (IFDs): the tag values of an image and their encoding, classic or BigTIFF,
//! little-endian.

use rastagg_raster::{GeoKeys, GeoTransform};

use crate::gfmt::gdal_nodata_text;

/// A tag's values, typed as TIFF stores them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// SHORT (type 3).
    Short(Vec<u16>),
    /// LONG (type 4).
    Long(Vec<u32>),
    /// LONG8 (type 16, BigTIFF only).
    Long8(Vec<u64>),
    /// DOUBLE (type 12).
    Double(Vec<f64>),
    /// ASCII (type 2); the NUL terminator is added on encoding.
    Ascii(String),
}

impl Value {
    fn type_code(&self) -> u16 {
        match self {
            Value::Short(_) => 3,
            Value::Long(_) => 4,
            Value::Long8(_) => 16,
            Value::Double(_) => 12,
            Value::Ascii(_) => 2,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Value::Short(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Value::Long(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Value::Long8(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Value::Double(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Value::Ascii(s) => s.bytes().chain([0]).collect(),
        }
    }

    fn count(&self) -> usize {
        match self {
            Value::Short(v) => v.len(),
            Value::Long(v) => v.len(),
            Value::Long8(v) => v.len(),
            Value::Double(v) => v.len(),
            Value::Ascii(s) => s.len() + 1,
        }
    }

    /// Tile offsets or byte counts: LONG8 in BigTIFF, LONG in classic TIFF (`None` if a value
    /// does not fit 32 bits).
    pub fn offsets(values: &[u64], big: bool) -> Option<Value> {
        if big {
            Some(Value::Long8(values.to_vec()))
        } else {
            values
                .iter()
                .map(|&v| u32::try_from(v).ok())
                .collect::<Option<Vec<u32>>>()
                .map(Value::Long)
        }
    }
}

/// One image file directory: its tags, in any order (sorted when encoded).
#[derive(Debug, Clone, Default)]
pub(crate) struct Ifd(pub Vec<(u16, Value)>);

impl Ifd {
    /// The encoded IFD (entry table, next-IFD pointer, then the values that do not fit in an
    /// entry, each on an even offset) for placement at byte `at` (even), with `next` as the
    /// following IFD's offset (0 for none). `None` when an offset does not fit classic TIFF.
    pub fn encode(&self, at: u64, next: u64, big: bool) -> Option<Vec<u8>> {
        let mut entries = self.0.clone();
        entries.sort_by_key(|(tag, _)| *tag);
        let (count_size, entry_size, ptr_size) = if big { (8, 20, 8) } else { (2, 12, 4) };
        let table = count_size + entries.len() as u64 * entry_size + ptr_size;
        let put_ptr = |out: &mut Vec<u8>, v: u64| -> Option<()> {
            if big {
                out.extend_from_slice(&v.to_le_bytes());
            } else {
                out.extend_from_slice(&u32::try_from(v).ok()?.to_le_bytes());
            }
            Some(())
        };
        let mut out = Vec::new();
        let mut extra = Vec::new();
        if big {
            out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        } else {
            out.extend_from_slice(&u16::try_from(entries.len()).ok()?.to_le_bytes());
        }
        for (tag, value) in &entries {
            let bytes = value.bytes();
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&value.type_code().to_le_bytes());
            put_ptr(&mut out, value.count() as u64)?;
            if bytes.len() <= ptr_size as usize {
                out.extend_from_slice(&bytes);
                out.resize(out.len() + ptr_size as usize - bytes.len(), 0);
            } else {
                if extra.len() % 2 == 1 {
                    extra.push(0);
                }
                put_ptr(&mut out, at + table + extra.len() as u64)?;
                extra.extend_from_slice(&bytes);
            }
        }
        put_ptr(&mut out, next)?;
        out.extend_from_slice(&extra);
        if out.len() % 2 == 1 {
            out.push(0);
        }
        Some(out)
    }

    /// The encoded length, which does not depend on where the IFD goes.
    pub fn len(&self, big: bool) -> u64 {
        // Placed at 0 every offset fits; the length is the same anywhere (even `at`).
        self.encode(0, 0, big).map_or(0, |b| b.len() as u64)
    }
}

/// The georeferencing tags GDAL writes for `gt` and `keys`: ModelPixelScale + ModelTiepoint
/// for north-up rasters (negative gt[5]), else ModelTransformation; the GeoKey directory and
/// its parameters verbatim.
pub(crate) fn geo_tags(gt: Option<&GeoTransform>, keys: Option<&GeoKeys>) -> Vec<(u16, Value)> {
    let mut tags = Vec::new();
    if let Some(gt) = gt {
        let g = gt.0;
        // GDAL writes a PixelIsPoint raster's tiepoint at the centre of the first pixel.
        let (ox, oy) = if keys.is_some_and(GeoKeys::pixel_is_point) {
            gt.apply(0.5, 0.5)
        } else {
            (g[0], g[3])
        };
        if g[2] == 0.0 && g[4] == 0.0 && g[5] < 0.0 {
            tags.push((33550, Value::Double(vec![g[1], -g[5], 0.0])));
            tags.push((33922, Value::Double(vec![0.0, 0.0, 0.0, ox, oy, 0.0])));
        } else {
            let m = vec![
                g[1], g[2], 0.0, ox, //
                g[4], g[5], 0.0, oy, //
                0.0, 0.0, 0.0, 0.0, //
                0.0, 0.0, 0.0, 1.0,
            ];
            tags.push((34264, Value::Double(m)));
        }
    }
    if let Some(k) = keys {
        if !k.directory.is_empty() {
            tags.push((34735, Value::Short(k.directory.clone())));
        }
        if !k.doubles.is_empty() {
            tags.push((34736, Value::Double(k.doubles.clone())));
        }
        if !k.ascii.is_empty() {
            tags.push((34737, Value::Ascii(k.ascii.clone())));
        }
    }
    tags
}

/// The GDAL_NODATA tag.
pub(crate) fn nodata_tag(nodata: f64) -> (u16, Value) {
    (42113, Value::Ascii(gdal_nodata_text(nodata)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_ifd_layout() {
        let ifd = Ifd(vec![
            (257, Value::Long(vec![5])),
            (256, Value::Short(vec![7])),
            (33550, Value::Double(vec![1.0, 2.0, 0.0])),
        ]);
        let b = ifd.encode(8, 0, false).unwrap_or_default();
        assert_eq!(b.len(), 2 + 3 * 12 + 4 + 24);
        assert_eq!(ifd.len(false), b.len() as u64);
        assert_eq!(&b[0..2], &3u16.to_le_bytes());
        // Sorted: 256 first, inline SHORT value.
        assert_eq!(&b[2..14], &[0, 1, 3, 0, 1, 0, 0, 0, 7, 0, 0, 0]);
        // The doubles live right after the table: 8 + 42.
        assert_eq!(&b[34..38], &50u32.to_le_bytes());
        assert_eq!(&b[42..50], &1.0f64.to_le_bytes());
        assert!(ifd.encode(u64::from(u32::MAX), 0, false).is_none());
        assert!(Value::offsets(&[1 << 32], false).is_none());
    }

    #[test]
    fn bigtiff_ifd_inlines_eight_bytes() {
        let ifd = Ifd(vec![(324, Value::Long8(vec![1 << 40]))]);
        let b = ifd.encode(16, 0, true).unwrap_or_default();
        assert_eq!(b.len(), 8 + 20 + 8);
        assert_eq!(&b[12..20], &1u64.to_le_bytes());
        assert_eq!(&b[20..28], &(1u64 << 40).to_le_bytes());
    }

    #[test]
    fn rotated_uses_transformation() {
        let gt = GeoTransform([10.0, 1.0, 0.5, 20.0, 0.25, -1.0]);
        let t = geo_tags(Some(&gt), None);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].0, 34264);
        let south_up = GeoTransform([10.0, 1.0, 0.0, 20.0, 0.0, 1.0]);
        assert_eq!(geo_tags(Some(&south_up), None)[0].0, 34264);
    }
}

//! The GeoTIFF GeoKey directory, kept verbatim so a CRS can be copied from input to output.

/// The three GeoTIFF CRS tags exactly as stored in a file: GeoKeyDirectoryTag (34735),
/// GeoDoubleParamsTag (34736) and GeoAsciiParamsTag (34737).
///
/// rastagg never interprets a CRS beyond the EPSG code and the raster type: it copies these
/// values unchanged from input to output, so whatever GDAL understood in the input it
/// understands identically in the output.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GeoKeys {
    /// GeoKeyDirectoryTag: a header of four shorts (version 1, revision 1, minor, key count)
    /// then four shorts per key (key id, location tag, count, value or offset).
    pub directory: Vec<u16>,
    /// GeoDoubleParamsTag values (referenced by keys whose location is 34736).
    pub doubles: Vec<f64>,
    /// GeoAsciiParamsTag text, `|`-terminated strings, without the TIFF NUL terminator.
    pub ascii: String,
}

/// GTModelTypeGeoKey.
pub const GT_MODEL_TYPE: u16 = 1024;
/// GTRasterTypeGeoKey: 1 = PixelIsArea, 2 = PixelIsPoint.
pub const GT_RASTER_TYPE: u16 = 1025;
/// GeographicTypeGeoKey (geographic CRS EPSG code).
pub const GEOGRAPHIC_TYPE: u16 = 2048;
/// ProjectedCSTypeGeoKey (projected CRS EPSG code).
pub const PROJECTED_CS_TYPE: u16 = 3072;

/// The value of a GeoKey looked up with [`GeoKeys::get`].
#[derive(Debug, Clone, PartialEq)]
pub enum GeoKeyValue<'a> {
    /// A short stored in the directory itself (location 0).
    Short(u16),
    /// Values from GeoDoubleParamsTag.
    Doubles(&'a [f64]),
    /// Text from GeoAsciiParamsTag (the trailing `|` removed).
    Ascii(&'a str),
}

impl GeoKeys {
    /// The entries of the directory as (key id, location, count, value/offset), skipping the
    /// header; a truncated directory yields only its complete entries.
    pub fn entries(&self) -> impl Iterator<Item = [u16; 4]> + '_ {
        let declared = self.directory.get(3).copied().unwrap_or(0) as usize;
        self.directory
            .get(4..)
            .unwrap_or(&[])
            .chunks_exact(4)
            .take(declared)
            .filter_map(|c| <[u16; 4]>::try_from(c).ok())
    }

    /// The value of key `id`, or `None` when it is absent or points outside its parameter tag.
    pub fn get(&self, id: u16) -> Option<GeoKeyValue<'_>> {
        let [_, location, count, value] = self.entries().find(|e| e[0] == id)?;
        let (start, count) = (value as usize, count as usize);
        match location {
            0 => Some(GeoKeyValue::Short(value)),
            34736 => self
                .doubles
                .get(start..start.checked_add(count)?)
                .map(GeoKeyValue::Doubles),
            34737 => {
                let text = self.ascii.get(start..start.checked_add(count)?)?;
                Some(GeoKeyValue::Ascii(text.strip_suffix('|').unwrap_or(text)))
            }
            _ => None,
        }
    }

    /// A short-valued key.
    pub fn short(&self, id: u16) -> Option<u16> {
        match self.get(id)? {
            GeoKeyValue::Short(v) => Some(v),
            _ => None,
        }
    }

    /// The EPSG code of the CRS: ProjectedCSType, else GeographicType, when it is a real code
    /// (not 32767 "user-defined").
    pub fn epsg(&self) -> Option<u16> {
        [PROJECTED_CS_TYPE, GEOGRAPHIC_TYPE]
            .into_iter()
            .filter_map(|k| self.short(k))
            .find(|&v| v != 0 && v != 32767)
    }

    /// True when GTRasterTypeGeoKey says PixelIsPoint (the tiepoint is a pixel centre).
    pub fn pixel_is_point(&self) -> bool {
        self.short(GT_RASTER_TYPE) == Some(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wgs84() -> GeoKeys {
        GeoKeys {
            directory: vec![
                1, 1, 0, 4, //
                1024, 0, 1, 2, //
                1025, 0, 1, 1, //
                2048, 0, 1, 4326, //
                2057, 34736, 1, 0,
            ],
            doubles: vec![298.257223563],
            ascii: "WGS 84|".into(),
        }
    }

    #[test]
    fn reads_keys() {
        let k = wgs84();
        assert_eq!(k.epsg(), Some(4326));
        assert!(!k.pixel_is_point());
        assert_eq!(k.get(2057), Some(GeoKeyValue::Doubles(&[298.257223563])));
        assert_eq!(k.get(9999), None);
    }

    #[test]
    fn tolerates_bad_offsets() {
        let mut k = wgs84();
        k.directory[19] = 5; // double offset past the end
        assert_eq!(k.get(2057), None);
        k.directory[3] = 100; // more keys declared than present
        assert_eq!(k.entries().count(), 4);
        let short = GeoKeys {
            directory: vec![1, 1],
            ..GeoKeys::default()
        };
        assert_eq!(short.epsg(), None);
    }
}

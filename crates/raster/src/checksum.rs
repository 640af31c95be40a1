//! GDAL's 16-bit raster checksum (`gdalinfo -checksum`, `band.Checksum()`), so that a band we
//! decode can be compared with what GDAL reads from the same file without storing its pixels.

use crate::Sample;

/// The weights GDAL cycles through: value `i` of the band (row-major) contributes
/// `v % PRIMES[i % 11]`, with C's truncating remainder.
const PRIMES: [i32; 11] = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43];

/// An incremental GDAL checksum of one band: feed its pixels in row-major order, in pieces of
/// any size (rows, row bands), then read [`GdalChecksum::value`].
///
/// GDAL converts every value to a 32-bit integer first: integer types are clamped to the
/// `i32` range; floats become `floor(v + 0.5)` clamped to ±2147483647, and NaN or ±infinity
/// become `i32::MIN`. The weight of a value depends only on its position in the whole band,
/// which is why no width is needed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GdalChecksum {
    sum: u32,
    position: u64,
}

impl GdalChecksum {
    /// A checksum over no value yet.
    pub fn new() -> GdalChecksum {
        GdalChecksum::default()
    }

    /// Adds the next `values` of the band (continuing row-major order).
    pub fn update<T: Sample>(&mut self, values: &[T]) {
        let first = (self.position % PRIMES.len() as u64) as usize;
        let primes = PRIMES.iter().cycle().skip(first);
        for (&v, &p) in values.iter().zip(primes) {
            let n = as_gdal_int32(v);
            // `n % p` cannot overflow for p > 0.
            self.sum = self.sum.wrapping_add((n % p) as u32);
        }
        self.position = self.position.wrapping_add(values.len() as u64);
    }

    /// The checksum of the values added so far, 0..=65535, as GDAL reports it.
    pub fn value(&self) -> u32 {
        self.sum & 0xffff
    }
}

/// GDAL's checksum of a whole band given as its pixels in row-major order (what
/// `GDALChecksumImage(band, 0, 0, width, height)` returns). For a band too big to hold, use
/// [`GdalChecksum`] row band by row band.
pub fn gdal_checksum<T: Sample>(band: &[T]) -> u32 {
    let mut c = GdalChecksum::new();
    c.update(band);
    c.value()
}

/// A value as GDAL's checksum sees it: read as Int32 (integers clamp), or for floats rounded
/// half up and clamped, with NaN and infinities mapped to `i32::MIN`.
fn as_gdal_int32<T: Sample>(v: T) -> i32 {
    let d = v.to_f64();
    if T::TYPE.is_float() {
        if !d.is_finite() {
            return i32::MIN;
        }
        let d = d + 0.5;
        if d < -2147483647.0 {
            -2147483647
        } else if d > 2147483647.0 {
            2147483647
        } else {
            d.floor() as i32
        }
    } else {
        // Exact for every value in the i32 range; larger 64-bit values only need the side.
        d.clamp(i32::MIN as f64, i32::MAX as f64) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_bands_by_hand() {
        // 7 % 7 + 12 % 11 + 30 % 13 = 0 + 1 + 4.
        assert_eq!(gdal_checksum(&[7u8, 12, 30]), 5);
        // Negative values use C's truncating remainder: -8 % 7 = -1, wrapped to 16 bits.
        assert_eq!(gdal_checksum(&[-8i16]), 0xffff);
        assert_eq!(gdal_checksum::<f32>(&[]), 0);
    }

    #[test]
    fn weights_cycle_every_eleven_values() {
        let ones = [100u16; 12];
        let expected: i32 = PRIMES.iter().map(|p| 100 % p).sum::<i32>() + 100 % 7;
        assert_eq!(gdal_checksum(&ones), expected as u32);
    }

    #[test]
    fn float_conversion_rounds_half_up_and_clamps() {
        assert_eq!(as_gdal_int32(2.5f32), 3);
        assert_eq!(as_gdal_int32(-0.5f64), 0);
        assert_eq!(as_gdal_int32(-0.6f64), -1);
        assert_eq!(as_gdal_int32(f32::NAN), i32::MIN);
        assert_eq!(as_gdal_int32(f64::NEG_INFINITY), i32::MIN);
        assert_eq!(as_gdal_int32(f32::MAX), 2147483647);
        assert_eq!(as_gdal_int32(f32::MIN), -2147483647);
        // i32::MIN % 7 is -2 in C: the NaN weight GDAL gives.
        assert_eq!(gdal_checksum(&[f32::NAN]), 0x10000 - 2);
    }

    #[test]
    fn integers_clamp_to_i32() {
        assert_eq!(as_gdal_int32(u32::MAX), i32::MAX);
        assert_eq!(as_gdal_int32(i64::MIN), i32::MIN);
        assert_eq!(as_gdal_int32(u64::MAX), i32::MAX);
        assert_eq!(as_gdal_int32(-5i8), -5);
    }

    #[test]
    fn incremental_equals_whole() {
        let band: Vec<i32> = (0..1000).map(|i| i * 7919 - 300_000).collect();
        let mut c = GdalChecksum::new();
        for chunk in band.chunks(37) {
            c.update(chunk);
        }
        assert_eq!(c.value(), gdal_checksum(&band));
    }

    /// Values GDAL 3.6.2 gave for small in-memory bands (`band.Checksum()` on a MEM dataset);
    /// rastagg-tiff's parity tests compare every fixture's bands too.
    #[test]
    fn matches_gdal_on_small_bands() {
        assert_eq!(gdal_checksum(&[0i16, 1, 2, 3, 4, 5]), 15);
        assert_eq!(gdal_checksum(&[-8i16]), 65535);
        assert_eq!(gdal_checksum(&[f32::NAN]), 65534);
        assert_eq!(
            gdal_checksum(&[2.5f64, -0.6, 3.4e38, f64::INFINITY, -1e10, 7.49]),
            8
        );
        assert_eq!(gdal_checksum(&[4294967295u32, 2147483648, 5]), 7);
        assert_eq!(gdal_checksum(&[i64::MIN, i64::MAX, -5]), 65530);
    }
}

//! Value conversions exactly as GDAL 3.6 performs them when it reads a VRT: GDALCopyWords
//! (round half away from zero computed in the source's float precision, then clamp; NaN → 0),
//! and the working precision of a ComplexSource (Float32, or Float64 for Int32, UInt32 and
//! Float64 bands), in which its NODATA test and scaling happen.

use rastagg_raster::{Sample, SampleType};

/// GDALCopyWords from a Float64 value to any sample type: floats cast, integers round half
/// away from zero (computed as `trunc(v ± 0.5)` in f64), saturate, and NaN becomes 0.
#[inline(always)]
pub(crate) fn from_f64<T: Sample>(v: f64) -> T {
    if T::TYPE.is_float() {
        T::cast_from_f64(v)
    } else if v >= 0.0 {
        T::cast_from_f64((v + 0.5).trunc())
    } else {
        T::cast_from_f64((v - 0.5).trunc())
    }
}

/// GDALCopyWords of one Float32 value (GDAL 3.6's scalar path): like [`from_f64`] but the
/// `± 0.5` is added in f32, and NaN, unchecked there for 32- and 64-bit types, gives the
/// minimum for Int32/Int64 and 2^63 for UInt64 (as measured on GDAL 3.6.2).
#[inline(always)]
pub(crate) fn from_f32<T: Sample>(v: f32) -> T {
    if T::TYPE.is_float() {
        T::cast_from_f64(v as f64)
    } else if v.is_nan() {
        nan_as::<T>(&[SampleType::I32, SampleType::I64, SampleType::U64])
    } else if v >= 0.0 {
        T::cast_from_f64((v + 0.5).trunc() as f64)
    } else {
        T::cast_from_f64((v - 0.5).trunc() as f64)
    }
}

/// GDALCopyWords of a Float32 value that GDAL 3.6 converts 8 at a time (SSE2): differs from
/// [`from_f32`] only for Int16, where NaN gives -32768 and non-negative values round in f64
/// (0.49999997 gives 0), as measured on GDAL 3.6.2.
#[inline(always)]
pub(crate) fn from_f32_simd<T: Sample>(v: f32) -> T {
    if T::TYPE != SampleType::I16 {
        from_f32(v)
    } else if v.is_nan() {
        T::cast_from_f64(f64::NEG_INFINITY)
    } else if v >= 0.0 {
        from_f64(v as f64)
    } else {
        from_f32(v)
    }
}

/// What GDAL's unchecked conversion of NaN gives: the type's minimum (the x86 "integer
/// indefinite" value, 2^63 for UInt64) for the types in `unchecked`, 0 for the others.
fn nan_as<T: Sample>(unchecked: &[SampleType]) -> T {
    if !unchecked.contains(&T::TYPE) {
        T::cast_from_f64(0.0)
    } else if T::TYPE == SampleType::U64 {
        T::cast_from_f64(9223372036854775808.0)
    } else {
        T::cast_from_f64(f64::NEG_INFINITY)
    }
}

/// GDALCopyWords of a row of Float64 values: [`from_f64`], except that finite values beyond
/// UInt64's range give 0 for UInt64 (GDAL 3.6's unchecked conversion), as measured.
#[inline(always)]
pub(crate) fn from_f64_row<T: Sample>(v: f64) -> T {
    if T::TYPE == SampleType::U64 && v.is_finite() && v >= 18446744073709551616.0 {
        T::cast_from_f64(0.0)
    } else {
        from_f64(v)
    }
}

/// GDALCopyWords from an integer value: clamped to integer types (exact for 64-bit values),
/// rounded to nearest for float types.
#[inline(always)]
pub(crate) fn from_int<T: Sample>(v: i128) -> T {
    fn bytes<T: Sample>(b: &[u8]) -> T {
        T::from_ne_slice(b).unwrap_or_default()
    }
    match T::TYPE {
        SampleType::U8 => bytes(&(v.clamp(0, u8::MAX as i128) as u8).to_ne_bytes()),
        SampleType::I8 => bytes(&(v.clamp(i8::MIN as i128, i8::MAX as i128) as i8).to_ne_bytes()),
        SampleType::U16 => bytes(&(v.clamp(0, u16::MAX as i128) as u16).to_ne_bytes()),
        SampleType::I16 => {
            bytes(&(v.clamp(i16::MIN as i128, i16::MAX as i128) as i16).to_ne_bytes())
        }
        SampleType::U32 => bytes(&(v.clamp(0, u32::MAX as i128) as u32).to_ne_bytes()),
        SampleType::I32 => {
            bytes(&(v.clamp(i32::MIN as i128, i32::MAX as i128) as i32).to_ne_bytes())
        }
        SampleType::U64 => bytes(&(v.clamp(0, u64::MAX as i128) as u64).to_ne_bytes()),
        SampleType::I64 => {
            bytes(&(v.clamp(i64::MIN as i128, i64::MAX as i128) as i64).to_ne_bytes())
        }
        SampleType::F32 => T::cast_from_f64(v as f32 as f64),
        SampleType::F64 => T::cast_from_f64(v as f64),
    }
}

/// A source sample type: how GDAL converts it to any other type.
pub(crate) trait SourceSample: Sample {
    /// The value as an integer, `None` for float types.
    fn as_int(self) -> Option<i128>;
    /// The value as Float32 (what GDALCopyWords to Float32 gives).
    fn to_f32(self) -> f32;

    /// GDALCopyWords of a row from `self`'s type to `T` (a SimpleSource's conversion).
    #[inline(always)]
    fn convert<T: Sample>(self) -> T {
        match Self::TYPE {
            SampleType::F32 => from_f32(self.to_f32()),
            SampleType::F64 => from_f64_row(self.to_f64()),
            _ => from_int(self.as_int().unwrap_or(0)),
        }
    }
}

macro_rules! source_int {
    ($($t:ty),*) => {$(
        impl SourceSample for $t {
            #[inline(always)]
            fn as_int(self) -> Option<i128> {
                Some(self as i128)
            }
            #[inline(always)]
            fn to_f32(self) -> f32 {
                self as f32
            }
        }
    )*};
}
source_int!(u8, i8, u16, i16, u32, i32, u64, i64);

macro_rules! source_float {
    ($($t:ty),*) => {$(
        impl SourceSample for $t {
            #[inline(always)]
            fn as_int(self) -> Option<i128> {
                None
            }
            #[inline(always)]
            fn to_f32(self) -> f32 {
                self as f32
            }
        }
    )*};
}
source_float!(f32, f64);

/// The working precision of a ComplexSource: the type the source is read into before its NODATA
/// test and scaling.
pub(crate) trait Working: SourceSample {
    /// `v` converted to the working type.
    fn of<S: SourceSample>(v: S) -> Self;
    /// GDALCopyWords from the working type to the band type.
    fn to<T: Sample>(self) -> T;
    /// GDAL's ARE_REAL_EQUAL: equal, or closer than 2·FLT_EPSILON·|a+b|.
    fn near(self, other: Self) -> bool;
    /// `self·ratio + offset` computed in f64, stored in the working type.
    fn scaled(self, ratio: f64, offset: f64) -> Self;
    /// True when `v` (a NODATA value, not NaN) is representable in range of the working type.
    fn in_range(v: f64) -> bool;
}

impl Working for f32 {
    #[inline(always)]
    fn of<S: SourceSample>(v: S) -> Self {
        v.convert()
    }
    #[inline(always)]
    fn to<T: Sample>(self) -> T {
        from_f32(self)
    }
    #[inline(always)]
    fn near(self, other: Self) -> bool {
        self == other || (self - other).abs() < f32::EPSILON * (self + other).abs() * 2.0
    }
    #[inline(always)]
    fn scaled(self, ratio: f64, offset: f64) -> Self {
        (self as f64 * ratio + offset) as f32
    }
    fn in_range(v: f64) -> bool {
        v.is_infinite() || (v >= f32::MIN as f64 && v <= f32::MAX as f64)
    }
}

impl Working for f64 {
    #[inline(always)]
    fn of<S: SourceSample>(v: S) -> Self {
        v.convert()
    }
    #[inline(always)]
    fn to<T: Sample>(self) -> T {
        from_f64(self)
    }
    #[inline(always)]
    fn near(self, other: Self) -> bool {
        self == other || (self - other).abs() < f32::EPSILON as f64 * (self + other).abs() * 2.0
    }
    #[inline(always)]
    fn scaled(self, ratio: f64, offset: f64) -> Self {
        self * ratio + offset
    }
    fn in_range(_: f64) -> bool {
        true
    }
}

/// True when GDAL works in Float64 for a ComplexSource feeding a band of type `t`.
pub(crate) fn works_in_f64(t: SampleType) -> bool {
    matches!(t, SampleType::I32 | SampleType::U32 | SampleType::F64)
}

/// A Float32 source's NODATA close to ±FLT_MAX is snapped to it (GDALAdjustNoDataCloseToFloatMax).
pub(crate) fn adjust_float_max(nodata: f64) -> f64 {
    let max = f32::MAX as f64;
    if (nodata.abs() - max).abs() < 1e-10 * max {
        max.copysign(nodata)
    } else {
        nodata
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values measured with GDAL 3.6.2 (VRT over a Float64 GeoTIFF).
    #[test]
    fn f64_to_int_like_gdal() {
        let v = [
            0.5,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.5,
            0.49999999999999994,
            254.5,
            255.5,
            -32768.5,
        ];
        let i16s: Vec<i16> = v.iter().map(|&x| from_f64::<i16>(x)).collect();
        assert_eq!(i16s, [1, 2, 3, -1, -2, -3, 1, 255, 256, -32768]);
        let u8s: Vec<u8> = v.iter().map(|&x| from_f64::<u8>(x)).collect();
        assert_eq!(u8s, [1, 2, 3, 0, 0, 0, 1, 255, 255, 0]);
        assert_eq!(from_f64::<i32>(f64::NAN), 0);
        assert_eq!(from_f64::<i32>(f64::INFINITY), i32::MAX);
        assert_eq!(from_f64::<u32>(2147483647.5), 2147483648);
        assert_eq!(from_f64::<f32>(1e39), f32::INFINITY);
    }

    #[test]
    fn f32_rounding_in_f32() {
        let h = 0.5f32 - 2f32.powi(-25);
        assert_eq!(from_f32::<i16>(h), 1); // h + 0.5 rounds to 1.0 in f32
        assert_eq!(from_f64::<i16>(h as f64), 0);
        assert_eq!(from_f32::<i16>(-h), -1);
        assert_eq!(300u16.convert::<u8>(), 255);
        assert_eq!((-5i32).convert::<u16>(), 0);
        assert_eq!(u64::MAX.convert::<i64>(), i64::MAX);
        assert_eq!(2.5f32.convert::<i8>(), 3);
        assert_eq!(((1u64 << 60) + 1).convert::<i64>(), (1i64 << 60) + 1);
        assert_eq!(16777217i32.convert::<f32>(), 16777216.0);
    }

    // GDAL 3.6.2, Float32 source: scalar and 8-at-a-time (SSE2) conversions.
    #[test]
    fn float32_quirks_like_gdal() {
        let h = 0.49999997f32;
        assert_eq!(
            (from_f32_simd::<i16>(f32::NAN), from_f32::<i16>(f32::NAN)),
            (i16::MIN, 0)
        );
        assert_eq!((from_f32_simd::<i16>(h), from_f32::<i16>(h)), (0, 1));
        assert_eq!(
            (from_f32_simd::<i16>(-h), from_f32_simd::<i16>(2.5)),
            (-1, 3)
        );
        assert_eq!(
            (from_f32::<i32>(f32::NAN), from_f32_simd::<i32>(h)),
            (i32::MIN, 1)
        );
        assert_eq!(
            (from_f32::<u8>(f32::NAN), from_f32::<u16>(f32::NAN)),
            (0, 0)
        );
        assert_eq!(from_f32::<u32>(f32::NAN), 0);
        assert_eq!(
            (from_f32::<i64>(f32::NAN), from_f32::<u64>(f32::NAN)),
            (i64::MIN, 1 << 63)
        );
        assert_eq!(from_f32::<i64>(-1e20), i64::MIN);
        assert_eq!(from_f64_row::<u64>(1e20), 0);
        assert_eq!(from_f64_row::<u64>(f64::INFINITY), u64::MAX);
        assert_eq!(f32::NAN.convert::<i16>(), 0);
        assert_eq!(f64::NAN.convert::<i32>(), 0);
    }

    #[test]
    fn nodata_nearness() {
        // GDAL treats -9999.001 and -9999.002 as the NODATA -9999, not -9999.005.
        for (v, near) in [(-9999.001, true), (-9999.002, true), (-9999.005, false)] {
            assert_eq!((v as f32).near(-9999.0), near);
            assert_eq!(v.near(-9999.0f64), near);
        }
        assert!(!1e-30f32.near(0.0));
        assert!(f32::INFINITY.near(f32::INFINITY));
        assert_eq!(adjust_float_max(-3.4028234663852e38), f32::MIN as f64);
        assert_eq!(adjust_float_max(-3.40282e38), -3.40282e38);
        assert_eq!(adjust_float_max(-9999.0), -9999.0);
    }
}

//! Sample types and the trait that makes code generic over them.

use std::fmt;

/// The element type of a raster band, named as GDAL names it (`Byte`, `Int16`, `Float32`, ...).
///
/// These are the types rastagg reads and writes; a TIFF with any other sample layout (1/4/12-bit,
/// half floats, complex) is refused by the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleType {
    /// Unsigned 8-bit integer (GDAL `Byte`).
    U8,
    /// Signed 8-bit integer (GDAL `Int8`).
    I8,
    /// Unsigned 16-bit integer (GDAL `UInt16`).
    U16,
    /// Signed 16-bit integer (GDAL `Int16`).
    I16,
    /// Unsigned 32-bit integer (GDAL `UInt32`).
    U32,
    /// Signed 32-bit integer (GDAL `Int32`).
    I32,
    /// Unsigned 64-bit integer (GDAL `UInt64`).
    U64,
    /// Signed 64-bit integer (GDAL `Int64`).
    I64,
    /// IEEE 754 single precision (GDAL `Float32`).
    F32,
    /// IEEE 754 double precision (GDAL `Float64`).
    F64,
}

impl SampleType {
    /// Every sample type, in order of size and then signedness.
    pub const ALL: [SampleType; 10] = [
        SampleType::U8,
        SampleType::I8,
        SampleType::U16,
        SampleType::I16,
        SampleType::U32,
        SampleType::I32,
        SampleType::U64,
        SampleType::I64,
        SampleType::F32,
        SampleType::F64,
    ];

    /// Size of one sample in bytes.
    pub const fn size(self) -> usize {
        match self {
            SampleType::U8 | SampleType::I8 => 1,
            SampleType::U16 | SampleType::I16 => 2,
            SampleType::U32 | SampleType::I32 | SampleType::F32 => 4,
            SampleType::U64 | SampleType::I64 | SampleType::F64 => 8,
        }
    }

    /// True for `F32` and `F64`, the types that can hold NaN.
    pub const fn is_float(self) -> bool {
        matches!(self, SampleType::F32 | SampleType::F64)
    }

    /// True for the signed integer types.
    pub const fn is_signed_int(self) -> bool {
        matches!(
            self,
            SampleType::I8 | SampleType::I16 | SampleType::I32 | SampleType::I64
        )
    }

    /// The name GDAL uses for this type (`gdalinfo` prints it as `Type=Float32`).
    pub const fn gdal_name(self) -> &'static str {
        match self {
            SampleType::U8 => "Byte",
            SampleType::I8 => "Int8",
            SampleType::U16 => "UInt16",
            SampleType::I16 => "Int16",
            SampleType::U32 => "UInt32",
            SampleType::I32 => "Int32",
            SampleType::U64 => "UInt64",
            SampleType::I64 => "Int64",
            SampleType::F32 => "Float32",
            SampleType::F64 => "Float64",
        }
    }

    /// Parses a GDAL type name (case-insensitive), the inverse of [`SampleType::gdal_name`].
    pub fn from_gdal_name(name: &str) -> Option<SampleType> {
        SampleType::ALL
            .into_iter()
            .find(|t| t.gdal_name().eq_ignore_ascii_case(name))
    }

    /// Whether `v` is exactly representable in this type (NaN only in float types; for `F32`,
    /// values that survive a round trip through `f32`).
    pub fn holds(self, v: f64) -> bool {
        match self {
            SampleType::U8 => u8::exact_from_f64(v).is_some(),
            SampleType::I8 => i8::exact_from_f64(v).is_some(),
            SampleType::U16 => u16::exact_from_f64(v).is_some(),
            SampleType::I16 => i16::exact_from_f64(v).is_some(),
            SampleType::U32 => u32::exact_from_f64(v).is_some(),
            SampleType::I32 => i32::exact_from_f64(v).is_some(),
            SampleType::U64 => u64::exact_from_f64(v).is_some(),
            SampleType::I64 => i64::exact_from_f64(v).is_some(),
            SampleType::F32 => f32::exact_from_f64(v).is_some(),
            SampleType::F64 => true,
        }
    }
}

impl fmt::Display for SampleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.gdal_name())
    }
}

/// A primitive pixel value: one of the Rust types behind [`SampleType`].
///
/// Generic code (window reads, kernels, encoders) is written once over `T: Sample` and
/// monomorphised per type, so the inner loops see concrete arithmetic. Samples are plain bytes
/// (`bytemuck::Pod`), so a buffer of them can be viewed as bytes without unsafe code: the
/// reader decodes blocks straight into the caller's buffer.
pub trait Sample:
    bytemuck::Pod + PartialOrd + Default + Send + Sync + fmt::Debug + 'static
{
    /// The [`SampleType`] this Rust type stands for.
    const TYPE: SampleType;
    /// Size in bytes (`size_of::<Self>()`).
    const SIZE: usize;
    /// The value as f64: exact for every type but `u64`/`i64` beyond 2^53 (rounded to nearest).
    fn to_f64(self) -> f64;
    /// `v` if it is exactly representable in this type, else `None` (NaN only fits floats).
    fn exact_from_f64(v: f64) -> Option<Self>;
    /// `v` converted as C/GDAL casts: floats round to nearest, integers saturate at the type's
    /// bounds and NaN becomes 0. Use only where the caller has checked the range.
    fn cast_from_f64(v: f64) -> Self;
    /// True for NaN (always false for integer types).
    fn is_nan(self) -> bool;
    /// Reads one value from `bytes` (exactly [`Sample::SIZE`] long) in little-endian order.
    /// Returns `None` when `bytes` has the wrong length.
    fn from_le_slice(bytes: &[u8]) -> Option<Self>;
    /// Reads one value from `bytes` (exactly [`Sample::SIZE`] long) in native byte order.
    /// Returns `None` when `bytes` has the wrong length.
    fn from_ne_slice(bytes: &[u8]) -> Option<Self>;
    /// Appends the value's native-endian bytes to `out`.
    fn extend_ne_bytes(self, out: &mut Vec<u8>);
}

macro_rules! int_sample {
    ($t:ty, $variant:ident) => {
        impl Sample for $t {
            const TYPE: SampleType = SampleType::$variant;
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn exact_from_f64(v: f64) -> Option<Self> {
                // The exclusive upper bound is a power of two, exact in f64 (MAX itself is not
                // for 64-bit types, where `MAX as f64` rounds up to 2^64).
                let hi_excl = if <$t>::MIN == 0 {
                    2f64.powi(<$t>::BITS as i32)
                } else {
                    -(<$t>::MIN as f64)
                };
                (v.fract() == 0.0 && v >= <$t>::MIN as f64 && v < hi_excl).then(|| v as $t)
            }
            #[inline(always)]
            fn cast_from_f64(v: f64) -> Self {
                v.round() as $t
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                false
            }
            #[inline]
            fn from_le_slice(bytes: &[u8]) -> Option<Self> {
                bytes.try_into().ok().map(<$t>::from_le_bytes)
            }
            #[inline]
            fn from_ne_slice(bytes: &[u8]) -> Option<Self> {
                bytes.try_into().ok().map(<$t>::from_ne_bytes)
            }
            #[inline]
            fn extend_ne_bytes(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_ne_bytes());
            }
        }
    };
}

int_sample!(u8, U8);
int_sample!(i8, I8);
int_sample!(u16, U16);
int_sample!(i16, I16);
int_sample!(u32, U32);
int_sample!(i32, I32);
int_sample!(u64, U64);
int_sample!(i64, I64);

macro_rules! float_sample {
    ($t:ty, $variant:ident) => {
        impl Sample for $t {
            const TYPE: SampleType = SampleType::$variant;
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn exact_from_f64(v: f64) -> Option<Self> {
                let c = v as $t;
                (v.is_nan() || c as f64 == v).then_some(c)
            }
            #[inline(always)]
            fn cast_from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn from_le_slice(bytes: &[u8]) -> Option<Self> {
                bytes.try_into().ok().map(<$t>::from_le_bytes)
            }
            #[inline]
            fn from_ne_slice(bytes: &[u8]) -> Option<Self> {
                bytes.try_into().ok().map(<$t>::from_ne_bytes)
            }
            #[inline]
            fn extend_ne_bytes(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_ne_bytes());
            }
        }
    };
}

float_sample!(f32, F32);
float_sample!(f64, F64);

/// Runs `$body` with the type alias `$T` bound to the Rust type of the [`SampleType`] `$st`,
/// turning a run-time sample type into a monomorphised generic call:
///
/// ```
/// use rastagg_raster::{Sample, SampleType, with_sample_type};
/// fn size_of_sample<T: Sample>() -> usize { T::SIZE }
/// let st = SampleType::I16;
/// assert_eq!(with_sample_type!(st, T => size_of_sample::<T>()), 2);
/// ```
#[macro_export]
macro_rules! with_sample_type {
    ($st:expr, $T:ident => $body:expr) => {
        match $st {
            $crate::SampleType::U8 => {
                type $T = u8;
                $body
            }
            $crate::SampleType::I8 => {
                type $T = i8;
                $body
            }
            $crate::SampleType::U16 => {
                type $T = u16;
                $body
            }
            $crate::SampleType::I16 => {
                type $T = i16;
                $body
            }
            $crate::SampleType::U32 => {
                type $T = u32;
                $body
            }
            $crate::SampleType::I32 => {
                type $T = i32;
                $body
            }
            $crate::SampleType::U64 => {
                type $T = u64;
                $body
            }
            $crate::SampleType::I64 => {
                type $T = i64;
                $body
            }
            $crate::SampleType::F32 => {
                type $T = f32;
                $body
            }
            $crate::SampleType::F64 => {
                type $T = f64;
                $body
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_from_f64_respects_bounds() {
        assert_eq!(u8::exact_from_f64(255.0), Some(255));
        assert_eq!(u8::exact_from_f64(256.0), None);
        assert_eq!(u8::exact_from_f64(-1.0), None);
        assert_eq!(u8::exact_from_f64(1.5), None);
        assert_eq!(i16::exact_from_f64(-32768.0), Some(-32768));
        assert_eq!(i16::exact_from_f64(-9999.0), Some(-9999));
        assert_eq!(u64::exact_from_f64(18446744073709551616.0), None);
        assert_eq!(i64::exact_from_f64(-9223372036854775808.0), Some(i64::MIN));
        assert_eq!(i64::exact_from_f64(9223372036854775808.0), None);
        assert_eq!(u8::exact_from_f64(f64::NAN), None);
        assert!(f32::exact_from_f64(f64::NAN).is_some_and(f32::is_nan));
        assert_eq!(f32::exact_from_f64(0.1), None);
        assert_eq!(f32::exact_from_f64(-3.4028234663852886e38), Some(f32::MIN));
    }

    #[test]
    fn names_round_trip() {
        for t in SampleType::ALL {
            assert_eq!(SampleType::from_gdal_name(t.gdal_name()), Some(t));
        }
        assert_eq!(SampleType::from_gdal_name("float32"), Some(SampleType::F32));
        assert_eq!(SampleType::from_gdal_name("CFloat32"), None);
    }
}

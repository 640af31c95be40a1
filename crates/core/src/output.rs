//! Output types and typed output buffers.
//!
//! Rules (DESIGN.md): mean/SD/rms Float32 (Float64 for Float64 input); sum Float32 (Float64
//! for Float64 and 32/64-bit integer input); min/max/mode and GDAL-rule quantiles keep the input
//! type; numpy-`linear` quantiles are interpolated, so they take the input type for float input
//! and the `sum` rule for integer input; range keeps unsigned and float types and widens signed
//! integers one step (Int8→Int16, Int16→Int32, Int32→Int64, Int64→Float64); count Int32.
//! Then, if the output nodata does not fit that type, the type widens to the smallest one that
//! holds both every value of the natural type and the nodata (integer types before floats of
//! the same size); if none does (64-bit integers), Float64.

use rastagg_raster::SampleType;

use crate::stat::{QuantileMethod, StatOptions, Statistic};

/// The type a statistic naturally has for `input`, before the output nodata is considered.
pub fn natural_output_type(
    stat: Statistic,
    input: SampleType,
    options: &StatOptions,
) -> SampleType {
    use SampleType::*;
    let real = if input == F64 { F64 } else { F32 };
    let sum = match input {
        F64 | U32 | I32 | U64 | I64 => F64,
        _ => F32,
    };
    match stat {
        Statistic::Count => I32,
        Statistic::Mean | Statistic::Sd | Statistic::Rms => real,
        Statistic::Sum => sum,
        Statistic::Min | Statistic::Max | Statistic::Mode => input,
        Statistic::Quantile(_) => match options.quantile_method {
            QuantileMethod::Gdal => input,
            QuantileMethod::Linear if input.is_float() => input,
            QuantileMethod::Linear => sum,
        },
        Statistic::Range => match input {
            I8 => I16,
            I16 => I32,
            I32 => I64,
            I64 => F64,
            other => other,
        },
    }
}

/// The type of the output file of `stat` for `input` when the output nodata is `nodata`: the
/// natural type, widened if it cannot hold `nodata` exactly.
pub fn output_type(
    stat: Statistic,
    input: SampleType,
    options: &StatOptions,
    nodata: f64,
) -> SampleType {
    widen_for_nodata(natural_output_type(stat, input, options), nodata)
}

/// The smallest type holding every value of `natural` and `nodata` (see the module docs).
pub fn widen_for_nodata(natural: SampleType, nodata: f64) -> SampleType {
    if natural.holds(nodata) {
        return natural;
    }
    // Candidates by size, integers before floats at equal size.
    use SampleType::*;
    [U8, I8, U16, I16, U32, I32, F32, U64, I64, F64]
        .into_iter()
        .find(|&t| holds_all_of(t, natural) && t.holds(nodata))
        .unwrap_or(F64)
}

/// Whether every value of type `b` is exactly a value of type `a`.
fn holds_all_of(a: SampleType, b: SampleType) -> bool {
    use SampleType::*;
    let int_range = |t: SampleType| -> Option<(i128, i128)> {
        Some(match t {
            U8 => (0, u8::MAX.into()),
            I8 => (i8::MIN.into(), i8::MAX.into()),
            U16 => (0, u16::MAX.into()),
            I16 => (i16::MIN.into(), i16::MAX.into()),
            U32 => (0, u32::MAX.into()),
            I32 => (i32::MIN.into(), i32::MAX.into()),
            U64 => (0, u64::MAX.into()),
            I64 => (i64::MIN.into(), i64::MAX.into()),
            F32 | F64 => return None,
        })
    };
    match (int_range(a), int_range(b)) {
        (Some((alo, ahi)), Some((blo, bhi))) => alo <= blo && bhi <= ahi,
        (Some(_), None) => false,
        (None, Some((lo, hi))) => {
            let bits = if a == F32 { 24 } else { 53 };
            -(1i128 << bits) <= lo && hi <= (1i128 << bits)
        }
        (None, None) => a == F64 || b == F32,
    }
}

/// A finished statistic for one band of output rows: row-major, `out_cols` values per row,
/// typed as [`output_type`] says.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputBuffer {
    /// Byte.
    U8(Vec<u8>),
    /// Int8.
    I8(Vec<i8>),
    /// UInt16.
    U16(Vec<u16>),
    /// Int16.
    I16(Vec<i16>),
    /// UInt32.
    U32(Vec<u32>),
    /// Int32.
    I32(Vec<i32>),
    /// UInt64.
    U64(Vec<u64>),
    /// Int64.
    I64(Vec<i64>),
    /// Float32.
    F32(Vec<f32>),
    /// Float64.
    F64(Vec<f64>),
}

impl OutputBuffer {
    /// Hands the buffer's allocation back to the pool for a later band, on any thread: call
    /// it once the values are written (optional; dropping the buffer frees it instead).
    pub fn recycle(self) {
        macro_rules! back {
            ($($v:ident),*) => {
                match self {
                    $(OutputBuffer::$v(v) => rastagg_raster::spare::give_back(v),)*
                }
            };
        }
        back!(U8, I8, U16, I16, U32, I32, U64, I64, F32, F64);
    }

    /// The element type.
    pub fn sample_type(&self) -> SampleType {
        match self {
            OutputBuffer::U8(_) => SampleType::U8,
            OutputBuffer::I8(_) => SampleType::I8,
            OutputBuffer::U16(_) => SampleType::U16,
            OutputBuffer::I16(_) => SampleType::I16,
            OutputBuffer::U32(_) => SampleType::U32,
            OutputBuffer::I32(_) => SampleType::I32,
            OutputBuffer::U64(_) => SampleType::U64,
            OutputBuffer::I64(_) => SampleType::I64,
            OutputBuffer::F32(_) => SampleType::F32,
            OutputBuffer::F64(_) => SampleType::F64,
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            OutputBuffer::U8(v) => v.len(),
            OutputBuffer::I8(v) => v.len(),
            OutputBuffer::U16(v) => v.len(),
            OutputBuffer::I16(v) => v.len(),
            OutputBuffer::U32(v) => v.len(),
            OutputBuffer::I32(v) => v.len(),
            OutputBuffer::U64(v) => v.len(),
            OutputBuffer::I64(v) => v.len(),
            OutputBuffer::F32(v) => v.len(),
            OutputBuffer::F64(v) => v.len(),
        }
    }

    /// True when the buffer holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `k` as f64 (exact for every type but 64-bit integers beyond 2^53), for tests and
    /// diagnostics.
    pub fn get_f64(&self, k: usize) -> Option<f64> {
        match self {
            OutputBuffer::U8(v) => v.get(k).map(|&x| f64::from(x)),
            OutputBuffer::I8(v) => v.get(k).map(|&x| f64::from(x)),
            OutputBuffer::U16(v) => v.get(k).map(|&x| f64::from(x)),
            OutputBuffer::I16(v) => v.get(k).map(|&x| f64::from(x)),
            OutputBuffer::U32(v) => v.get(k).map(|&x| f64::from(x)),
            OutputBuffer::I32(v) => v.get(k).map(|&x| f64::from(x)),
            OutputBuffer::U64(v) => v.get(k).map(|&x| x as f64),
            OutputBuffer::I64(v) => v.get(k).map(|&x| x as f64),
            OutputBuffer::F32(v) => v.get(k).map(|&x| f64::from(x)),
            OutputBuffer::F64(v) => v.get(k).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stat::Quantile;
    use SampleType::*;

    #[test]
    fn natural_types_follow_the_design() {
        let o = StatOptions::default();
        assert_eq!(natural_output_type(Statistic::Mean, I16, &o), F32);
        assert_eq!(natural_output_type(Statistic::Mean, F64, &o), F64);
        assert_eq!(natural_output_type(Statistic::Sum, U8, &o), F32);
        assert_eq!(natural_output_type(Statistic::Sum, I32, &o), F64);
        assert_eq!(natural_output_type(Statistic::Min, U16, &o), U16);
        assert_eq!(natural_output_type(Statistic::Range, I16, &o), I32);
        assert_eq!(natural_output_type(Statistic::Range, U8, &o), U8);
        assert_eq!(natural_output_type(Statistic::Count, F64, &o), I32);
        let q = Statistic::Quantile(Quantile::Median);
        assert_eq!(natural_output_type(q, I16, &o), I16);
        let lin = StatOptions {
            quantile_method: QuantileMethod::Linear,
            ..o
        };
        assert_eq!(natural_output_type(q, I16, &lin), F32);
        assert_eq!(natural_output_type(q, F32, &lin), F32);
    }

    #[test]
    fn nodata_widens_never_wraps() {
        assert_eq!(widen_for_nodata(U8, 255.0), U8);
        assert_eq!(widen_for_nodata(U8, -9999.0), I16);
        assert_eq!(widen_for_nodata(U8, f64::NAN), F32);
        assert_eq!(widen_for_nodata(U16, -9999.0), I32);
        assert_eq!(widen_for_nodata(I16, -99999.0), I32);
        assert_eq!(widen_for_nodata(I32, 0.5), F64);
        assert_eq!(widen_for_nodata(F32, 0.1), F64);
        assert_eq!(widen_for_nodata(F32, -9999.0), F32);
        assert_eq!(widen_for_nodata(U64, -1.0), F64);
        assert_eq!(widen_for_nodata(I32, -9999.0), I32);
    }
}

//! What the kernels need to know about a sample type beyond [`Sample`].

use std::cmp::Ordering;

use rastagg_raster::Sample;

/// A sample type the aggregation kernels accept: every [`Sample`] type, with the constants and
/// helpers the kernels are written against. Implemented for all ten sample types.
pub trait Pixel: Sample {
    /// The smallest value (−∞ for floats): the identity of `max`.
    const LOWEST: Self;
    /// The largest value (+∞ for floats): the identity of `min`.
    const HIGHEST: Self;
    /// The f64 sum of up to 2^20 values may round: partial sums are checked for exactness.
    const SUM_MAY_ROUND: bool;
    /// A sum of up to 2^20 f64 squares may round: sums of squares are checked.
    const SQUARE_SUM_MAY_ROUND: bool;
    /// `x·x` itself may round in f64: its rounding error is computed and checked too.
    const SQUARE_MAY_ROUND: bool;

    /// True when the value is data: not NaN and (when `use_nodata`) not `nodata`. Written
    /// without branches so that loops over it vectorise.
    fn is_data(self, nodata: Self, use_nodata: bool) -> bool;
    /// The value with −0.0 turned into +0.0 (identity for integers), so that min, max, mode and
    /// quantiles do not depend on which zero arrived first.
    fn canonical(self) -> Self;
    /// Total order used to sort values (floats: IEEE total order; NaN never reaches it).
    fn total_cmp(&self, other: &Self) -> Ordering;
    /// The value as an i128 for integer types (exact), `None` for floats.
    fn to_i128(self) -> Option<i128>;
    /// `v` if an integer type holds it exactly; for floats `v` rounded to nearest.
    fn from_i128(v: i128) -> Option<Self>;
}

macro_rules! int_pixel {
    ($t:ty, $sum_rounds:expr, $sq_rounds:expr) => {
        impl Pixel for $t {
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            const SUM_MAY_ROUND: bool = $sum_rounds;
            const SQUARE_SUM_MAY_ROUND: bool = $sq_rounds;
            const SQUARE_MAY_ROUND: bool = $sq_rounds;
            #[inline(always)]
            fn is_data(self, nodata: Self, use_nodata: bool) -> bool {
                (self != nodata) | !use_nodata
            }
            #[inline(always)]
            fn canonical(self) -> Self {
                self
            }
            #[inline]
            fn total_cmp(&self, other: &Self) -> Ordering {
                self.cmp(other)
            }
            #[inline]
            fn to_i128(self) -> Option<i128> {
                Some(i128::from(self))
            }
            #[inline]
            fn from_i128(v: i128) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
        }
    };
}

// Up to 32 bits, |x| < 2^32 so 2^20 of them sum below 2^52: exact. Squares of 16-bit values
// are below 2^32 and sum exactly too; squares of 32-bit values need up to 64 bits.
int_pixel!(u8, false, false);
int_pixel!(i8, false, false);
int_pixel!(u16, false, false);
int_pixel!(i16, false, false);
int_pixel!(u32, false, true);
int_pixel!(i32, false, true);
int_pixel!(u64, true, true);
int_pixel!(i64, true, true);

macro_rules! float_pixel {
    ($t:ty, $sq_rounds:expr) => {
        impl Pixel for $t {
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            const SUM_MAY_ROUND: bool = true;
            const SQUARE_SUM_MAY_ROUND: bool = true;
            const SQUARE_MAY_ROUND: bool = $sq_rounds;
            #[inline(always)]
            fn is_data(self, nodata: Self, use_nodata: bool) -> bool {
                // NaN != NaN: `self == self` is false exactly for NaN.
                #[allow(clippy::eq_op)]
                let not_nan = self == self;
                not_nan & ((self != nodata) | !use_nodata)
            }
            #[inline(always)]
            fn canonical(self) -> Self {
                self + 0.0
            }
            #[inline]
            fn total_cmp(&self, other: &Self) -> Ordering {
                <$t>::total_cmp(self, other)
            }
            #[inline]
            fn to_i128(self) -> Option<i128> {
                None
            }
            #[inline]
            fn from_i128(v: i128) -> Option<Self> {
                Some(v as $t)
            }
        }
    };
}

// The square of an f32 (24-bit significand) is exact in f64 (53 bits).
float_pixel!(f32, false);
float_pixel!(f64, true);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_test_excludes_nan_and_nodata() {
        assert!(1.0f32.is_data(2.0, true));
        assert!(!2.0f32.is_data(2.0, true));
        assert!(2.0f32.is_data(2.0, false));
        assert!(!f32::NAN.is_data(2.0, false));
        assert!(!5u8.is_data(5, true));
        assert!(5u8.is_data(5, false));
        assert_eq!((-0.0f64).canonical().to_bits(), 0);
    }
}

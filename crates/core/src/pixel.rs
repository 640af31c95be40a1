//! What the kernels need to know about a sample type beyond [`Sample`].

use std::cmp::Ordering;

use rastagg_raster::Sample;

/// How a kernel proves a column sum exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Always exact: |terms| and their count are too small to round (8/16-bit input).
    Never,
    /// From the column's magnitudes: with every term a multiple of `2^L` and `n · max|term|`
    /// at most `2^(52+L)`, every partial sum is representable (cheap: min/max trackers).
    Magnitude,
    /// From the accumulated rounding errors of every addition and product (f64 input, whose
    /// full significands leave no room for the magnitude proof).
    Rounding,
}

/// A sample type the aggregation kernels accept: every [`Sample`] type, with the constants and
/// helpers the kernels are written against. Implemented for all ten sample types.
pub trait Pixel: Sample {
    /// The smallest value (−∞ for floats): the identity of `max`.
    const LOWEST: Self;
    /// The largest value (+∞ for floats): the identity of `min`.
    const HIGHEST: Self;
    /// How the kernels prove that a column's f64 sum of up to 2^20 values is exact.
    const SUM_CHECK: Check;
    /// How the kernels prove that a column's f64 sum of up to 2^20 squares is exact.
    const SQUARE_CHECK: Check;
    /// Significand bits of the type (0 for integers, whose values are multiples of 1): the
    /// lowest set bit of a value `v` is at least `2^(floor(log2 |v|) − bits + 1)`.
    const SIGNIFICAND_BITS: i32;
    /// Squares are summed as two parts, `hi = f32(x²)` and `lo = x² − hi`, each with a 24-bit
    /// significand, so that their column sums stay provably exact over a wide range (f32).
    const SPLIT_SQUARES: bool;
    /// Sums or squares are proved by checking every addition for rounding (f64), so column
    /// totals cannot be folded without those checks either.
    const ROUNDING_CHECKED: bool =
        matches!(Self::SUM_CHECK, Check::Rounding) || matches!(Self::SQUARE_CHECK, Check::Rounding);

    /// True when the value is data: not NaN and (when `use_nodata`) not `nodata`. Written
    /// without branches so that loops over it vectorise.
    fn is_data(self, nodata: Self, use_nodata: bool) -> bool;
    /// The value with −0.0 turned into +0.0 (identity for integers), so that min, max, mode and
    /// quantiles do not depend on which zero arrived first.
    fn canonical(self) -> Self;
    /// NaN when `!keep`, else the value (floats; integers return themselves): lets float
    /// kernels fold validity into the value, since comparisons with NaN are false.
    fn nan_unless(self, keep: bool) -> Self;
    /// `|self|` (floats only; integers return themselves, the kernels never ask them).
    fn magnitude(self) -> Self;
    /// The high part of a split square ([`Pixel::SPLIT_SQUARES`]): `x²` rounded once to the
    /// type, widened. For f32 that is the f32 product `x · x`, which IEEE rounds from the exact
    /// square, as casting the (exact) f64 square would: in the input's lanes, one conversion
    /// fewer per value. Other types: `x²` in f64 (the kernels never ask them).
    fn square_high(self) -> f64;
    /// Total order used to sort values (floats: IEEE total order; NaN never reaches it).
    fn total_cmp(&self, other: &Self) -> Ordering;
    /// The value as an i128 for integer types (exact), `None` for floats.
    fn to_i128(self) -> Option<i128>;
    /// `v` if an integer type holds it exactly; for floats `v` rounded to nearest.
    fn from_i128(v: i128) -> Option<Self>;
    /// A whole number `v` (or ±∞; any value for float types) converted as
    /// [`Sample::cast_from_f64`] converts it, without its rounding step (a no-op for whole
    /// numbers, not for the compiler): so that loops converting many values vectorise.
    fn cast_whole(v: f64) -> Self;

    /// The smaller of `self` and `slot` (`slot` when equal or either is NaN), zeros made
    /// canonical: for running minima kept in memory. The final [`Pixel::canonical`] changes
    /// nothing for canonical values, but stops the compiler from storing only when the value
    /// changes, a store it vectorises with masks (`vmaskmovps`, slow on AMD CPUs: a tenth of
    /// the integer-factor fold's time, measured).
    #[inline(always)]
    fn lower(self, slot: Self) -> Self {
        (if self < slot { self } else { slot }).canonical()
    }

    /// The larger of `self` and `slot`, as [`Pixel::lower`]: for running maxima in memory.
    #[inline(always)]
    fn higher(self, slot: Self) -> Self {
        (if self > slot { self } else { slot }).canonical()
    }
}

macro_rules! int_pixel {
    ($t:ty, $sum:ident, $square:ident) => {
        impl Pixel for $t {
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            const SUM_CHECK: Check = Check::$sum;
            const SQUARE_CHECK: Check = Check::$square;
            const SIGNIFICAND_BITS: i32 = 0;
            const SPLIT_SQUARES: bool = false;
            #[inline(always)]
            fn is_data(self, nodata: Self, use_nodata: bool) -> bool {
                (self != nodata) | !use_nodata
            }
            #[inline(always)]
            fn canonical(self) -> Self {
                self
            }
            #[inline(always)]
            fn magnitude(self) -> Self {
                self
            }
            #[inline(always)]
            fn square_high(self) -> f64 {
                let x = self as f64;
                x * x
            }
            #[inline(always)]
            fn nan_unless(self, _keep: bool) -> Self {
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
            #[inline(always)]
            fn cast_whole(v: f64) -> Self {
                // Clamped first (to the bounds `as` saturates to anyway). Up to 32 bits, the
                // low bits of `v + 1.5 · 2^52` are `v` in two's complement (the sum is a whole
                // number in [2^52, 2^53), where the ulp is 1): an addition, which vectorises,
                // where x86 has no vector conversion that saturates.
                let v = v.max(<$t>::MIN as f64).min(<$t>::MAX as f64);
                if <$t>::BITS <= 32 {
                    (v + 6_755_399_441_055_744.0).to_bits() as $t
                } else {
                    v as $t
                }
            }
        }
    };
}

// Up to 32 bits, |x| < 2^32, so 2^20 of them sum below 2^52: exact. Squares of 16-bit values
// are below 2^32 and sum exactly too; squares of 32-bit values need up to 64 bits. 64-bit
// values above 2^53 are not even exact in f64.
int_pixel!(u8, Never, Never);
int_pixel!(i8, Never, Never);
int_pixel!(u16, Never, Never);
int_pixel!(i16, Never, Never);
int_pixel!(u32, Never, Magnitude);
int_pixel!(i32, Never, Magnitude);
int_pixel!(u64, Magnitude, Magnitude);
int_pixel!(i64, Magnitude, Magnitude);

macro_rules! float_pixel {
    ($t:ty, $check:ident, $bits:expr) => {
        impl Pixel for $t {
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            const SUM_CHECK: Check = Check::$check;
            const SQUARE_CHECK: Check = Check::$check;
            const SIGNIFICAND_BITS: i32 = $bits;
            const SPLIT_SQUARES: bool = $bits == 24;
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
            #[inline(always)]
            fn magnitude(self) -> Self {
                self.abs()
            }
            #[inline(always)]
            fn square_high(self) -> f64 {
                f64::from(self * self)
            }
            #[inline(always)]
            fn nan_unless(self, keep: bool) -> Self {
                <$t>::from_bits(self.to_bits() | if keep { 0 } else { !0 })
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
            #[inline(always)]
            fn cast_whole(v: f64) -> Self {
                v as $t
            }
        }
    };
}

// An f32 square (48 significant bits) is exact in f64, so magnitudes suffice; f64 values
// have no spare bits and are checked by their rounding errors.
float_pixel!(f32, Magnitude, 24);
float_pixel!(f64, Rounding, 53);

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

    #[test]
    fn whole_numbers_cast_as_cast_from_f64_does() {
        fn check<T: Pixel + std::fmt::Debug>() {
            let p = |k: i32| 2f64.powi(k);
            let mut whole = vec![0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300];
            for k in [7, 8, 15, 16, 31, 32, 53, 63, 64] {
                whole.extend([p(k), p(k) - 1.0, -p(k), -p(k) - 1.0, p(k) + 2.0]);
            }
            for v in whole {
                let (a, b) = (T::cast_whole(v), T::cast_from_f64(v));
                assert!(
                    a == b && a.to_f64().to_bits() == b.to_f64().to_bits(),
                    "{v}: {a:?} {b:?}"
                );
            }
        }
        check::<u8>();
        check::<i8>();
        check::<u16>();
        check::<i16>();
        check::<u32>();
        check::<i32>();
        check::<u64>();
        check::<i64>();
        check::<f32>();
        check::<f64>();
    }
}

//! Exact floating-point arithmetic: error-free transformations and an exact sum of f64 values.
//!
//! Sums are what make results independent of how the input is split: every sum the core keeps
//! is the *exact* sum of its terms, rounded once at the end. The fast kernels add in plain f64
//! and prove, with [`two_sum`] errors, that no addition rounded; a cell whose proof fails gets
//! an [`ExactSum`], which adds any number of f64 terms without rounding.

/// `a + b` as the rounded sum and its exact rounding error (Knuth's TwoSum): `s + e == a + b`
/// exactly, for finite inputs.
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let z = s - a;
    (s, (a - (s - z)) + (b - z))
}

/// Veltkamp's split of `a` into two halves of at most 26 significant bits each.
#[inline(always)]
fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a; // 2^27 + 1
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `a · b` as the rounded product and its exact rounding error (Dekker's TwoProduct, no FMA so
/// that it is fast on every x86-64): `p + e == a · b` exactly unless it overflows.
#[inline(always)]
pub(crate) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// A double-double: the unevaluated sum `hi + lo` with `|lo| ≤ ulp(hi)/2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DoubleDouble {
    pub hi: f64,
    pub lo: f64,
}

impl DoubleDouble {
    /// An f64 as a double-double.
    #[inline]
    pub fn from_f64(v: f64) -> DoubleDouble {
        DoubleDouble { hi: v, lo: 0.0 }
    }

    /// `self · other` to about 2^-104 relative accuracy.
    #[inline]
    pub fn mul(self, other: DoubleDouble) -> DoubleDouble {
        let (p, e) = two_prod(self.hi, other.hi);
        let e = e + (self.hi * other.lo + self.lo * other.hi);
        let (hi, lo) = two_sum(p, e);
        DoubleDouble { hi, lo }
    }

    /// `self − other` to about 2^-104 relative accuracy (of the larger operand).
    #[inline]
    pub fn sub(self, other: DoubleDouble) -> DoubleDouble {
        let (s, e) = two_sum(self.hi, -other.hi);
        let e = e + (self.lo - other.lo);
        let (hi, lo) = two_sum(s, e);
        DoubleDouble { hi, lo }
    }
}

/// Bits per limb of [`ExactSum`]; limbs are i64, so 2^30 additions fit before a carry pass.
const LIMB_BITS: u32 = 32;
const LIMB_MASK: i64 = (1 << LIMB_BITS) - 1;
/// Additions between carry passes.
const CARRY_EVERY: u32 = 1 << 29;

/// The exact sum of any number of f64 values (a "superaccumulator").
///
/// The value is `Σ limbs[k] · 2^(32·(base + k) − 1074)`: a fixed-point number whose unit is the
/// smallest subnormal, stored sparsely as the limbs between the lowest and highest bit ever
/// touched (usually 2 to 4 limbs). Infinities and NaN are tracked apart and win as IEEE says.
/// The sum does not depend on the order of additions, and [`ExactSum::round`] returns it
/// correctly rounded to nearest (ties to even).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ExactSum {
    base: usize,
    limbs: Vec<i64>,
    adds: u32,
    pos_inf: bool,
    neg_inf: bool,
    nan: bool,
}

impl ExactSum {
    /// An exact sum holding `v`.
    pub fn from_f64(v: f64) -> ExactSum {
        let mut s = ExactSum::default();
        s.add(v);
        s
    }

    /// Adds `v` exactly.
    pub fn add(&mut self, v: f64) {
        if !v.is_finite() {
            if v.is_nan() {
                self.nan = true;
            } else if v > 0.0 {
                self.pos_inf = true;
            } else {
                self.neg_inf = true;
            }
            return;
        }
        if v == 0.0 {
            return;
        }
        let bits = v.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as usize;
        let frac = bits & ((1u64 << 52) - 1);
        // Position of the lowest significand bit, counted from 2^-1074.
        let (mant, pos) = if exp == 0 {
            (frac, 0)
        } else {
            (frac | (1u64 << 52), exp - 1)
        };
        let limb = pos / LIMB_BITS as usize;
        let wide = u128::from(mant) << (pos % LIMB_BITS as usize);
        let pieces = [
            (wide as i64) & LIMB_MASK,
            ((wide >> 32) as i64) & LIMB_MASK,
            (wide >> 64) as i64,
        ];
        self.cover(limb, limb + 3);
        let neg = v < 0.0;
        for (k, p) in pieces.into_iter().enumerate() {
            let slot = limb + k - self.base;
            if let Some(l) = self.limbs.get_mut(slot) {
                *l += if neg { -p } else { p };
            }
        }
        self.adds += 1;
        if self.adds >= CARRY_EVERY {
            self.carry();
        }
    }

    /// Grows the limb vector so that absolute limbs `lo..hi` exist (one spare limb on top for
    /// carries).
    fn cover(&mut self, lo: usize, hi: usize) {
        if self.limbs.is_empty() {
            self.base = lo;
            self.limbs = vec![0; hi - lo + 1];
            return;
        }
        if lo < self.base {
            let grow = self.base - lo;
            self.limbs.splice(0..0, std::iter::repeat_n(0, grow));
            self.base = lo;
        }
        let end = self.base + self.limbs.len();
        if hi + 1 > end {
            self.limbs.resize(hi + 1 - self.base, 0);
        }
    }

    /// Propagates carries so that every limb but the top one is in `0..2^32` and the top one
    /// has headroom for another [`CARRY_EVERY`] additions.
    fn carry(&mut self) {
        self.adds = 0;
        let mut k = 0;
        while k + 1 < self.limbs.len() {
            let c = self.limbs[k] >> LIMB_BITS;
            self.limbs[k] -= c << LIMB_BITS;
            self.limbs[k + 1] += c;
            k += 1;
        }
        let headroom = -(1i64 << LIMB_BITS)..(1i64 << LIMB_BITS);
        if let Some(top) = self.limbs.last_mut().filter(|t| !headroom.contains(*t)) {
            let c = *top >> LIMB_BITS;
            *top -= c << LIMB_BITS;
            self.limbs.push(c);
        }
    }

    /// The sum rounded to the nearest f64 (ties to even); ±∞ on overflow or infinite terms,
    /// NaN for NaN terms or +∞ + −∞.
    pub fn round(&self) -> f64 {
        if self.nan || (self.pos_inf && self.neg_inf) {
            return f64::NAN;
        }
        if self.pos_inf {
            return f64::INFINITY;
        }
        if self.neg_inf {
            return f64::NEG_INFINITY;
        }
        let mut s = self.clone();
        s.carry();
        let negative = s.limbs.last().is_some_and(|&t| t < 0);
        if negative {
            for l in &mut s.limbs {
                *l = -*l;
            }
            s.carry();
        }
        let Some(top) = s.limbs.iter().rposition(|&l| l != 0) else {
            return 0.0;
        };
        // Gather the top three limbs (96 bits) and whether anything lies below them.
        let limb = |k: usize| -> u128 { s.limbs.get(k).map_or(0, |&l| l as u64 as u128) };
        let lowest = top.saturating_sub(2);
        let mut m: u128 = 0;
        for k in (lowest..=top).rev() {
            m = (m << LIMB_BITS) | limb(k);
        }
        let sticky = s.limbs.iter().take(lowest).any(|&l| l != 0);
        let mut exp = (LIMB_BITS as i64) * (s.base + lowest) as i64 - 1074;
        let bits = 128 - i64::from(m.leading_zeros());
        let magnitude = if bits > 53 {
            let shift = (bits - 53) as u32;
            let rem = m & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            let mut q = m >> shift;
            if rem > half || (rem == half && (sticky || q & 1 == 1)) {
                q += 1;
            }
            exp += i64::from(shift);
            scale(q as f64, exp)
        } else {
            // At most 53 bits and nothing below (limbs below were zero or the value is small
            // enough to be exact): exact.
            scale(m as f64, exp)
        };
        if negative { -magnitude } else { magnitude }
    }

    /// The sum as a double-double: `hi` correctly rounded, `lo` the rounded remainder.
    pub fn round_dd(&self) -> DoubleDouble {
        let hi = self.round();
        if !hi.is_finite() {
            return DoubleDouble { hi, lo: 0.0 };
        }
        let mut rest = self.clone();
        rest.add(-hi);
        DoubleDouble {
            hi,
            lo: rest.round(),
        }
    }
}

/// `m · 2^exp` for an integer-valued `m` below 2^54 and `exp ≥ −1074`: exact whenever the
/// result is representable (a subnormal result is produced by one final, exact step).
fn scale(m: f64, exp: i64) -> f64 {
    if exp > 1023 {
        m * pow2(1023) * pow2((exp - 1023).min(1023) as i32)
    } else if exp < -1022 {
        m * pow2((exp + 1022) as i32) * pow2(-1022)
    } else {
        m * pow2(exp as i32)
    }
}

/// 2^k for k in −1022..=1023 (clamped to that range).
pub(crate) fn pow2(k: i32) -> f64 {
    f64::from_bits(((k.clamp(-1022, 1023) + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sum_cancels_and_rounds() {
        let mut s = ExactSum::default();
        for v in [1e300, 1.0, -1e300, 1e-300, 2.0f64.powi(-1074)] {
            s.add(v);
        }
        assert_eq!(s.round(), 1.0);
        let mut t = ExactSum::default();
        t.add(1.0);
        t.add(2.0f64.powi(-53)); // exactly half an ulp of 1: ties to even, stays 1
        assert_eq!(t.round(), 1.0);
        t.add(2.0f64.powi(-200)); // now just above the tie: rounds up
        assert_eq!(t.round(), 1.0 + f64::EPSILON);
        let mut u = ExactSum::from_f64(-3.5);
        u.add(0.25);
        assert_eq!(u.round(), -3.25);
        assert_eq!(ExactSum::default().round(), 0.0);
        let mut tiny = ExactSum::from_f64(f64::MIN_POSITIVE);
        tiny.add(-(2.0f64.powi(-1074)));
        assert_eq!(tiny.round(), f64::MIN_POSITIVE - 2.0f64.powi(-1074));
        let mut big = ExactSum::from_f64(f64::MAX);
        big.add(f64::MAX);
        assert_eq!(big.round(), f64::INFINITY);
    }

    #[test]
    fn exact_sum_tracks_infinities() {
        let mut s = ExactSum::from_f64(f64::INFINITY);
        s.add(1.0);
        assert_eq!(s.round(), f64::INFINITY);
        s.add(f64::NEG_INFINITY);
        assert!(s.round().is_nan());
    }

    #[test]
    fn double_double_remainder_is_exact() {
        let mut s = ExactSum::from_f64(1.0);
        s.add(1e-20);
        let dd = s.round_dd();
        assert_eq!((dd.hi, dd.lo), (1.0, 1e-20));
        let (p, e) = two_prod(0.1, 0.1);
        let mut t = ExactSum::from_f64(p);
        t.add(e);
        assert_eq!(t.round(), p);
        assert_ne!(e, 0.0);
    }
}

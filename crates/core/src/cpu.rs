//! Runtime choice of instruction set for the hot loops.
//!
//! The binary is built for baseline x86-64 (SSE2), so that it runs on any server; the loops
//! that dominate (column passes, run folds, finishing) are compiled a second time for AVX2
//! and FMA and that copy runs when the CPU has them: twice the lanes per instruction. Both
//! copies are the same Rust code, so they compute the same bits (no fused multiply-add is
//! ever written: Rust never contracts `a * b + c`).

/// Set (to anything) in the environment, keeps the baseline code even on an AVX2 CPU: so
/// that tests cover both copies on one machine (CI runs the core's tests both ways).
pub const BASELINE_ENV: &str = "RASTAGG_BASELINE_CPU";

/// Whether to run the AVX2 and FMA copies: the CPU has them and [`BASELINE_ENV`] is not set
/// (decided once per process).
#[inline]
pub(crate) fn has_avx2() -> bool {
    static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVX2.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        let cpu = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        let cpu = false;
        cpu && std::env::var_os(BASELINE_ENV).is_none()
    })
}

/// Calls `f` from a function compiled for AVX2 and FMA, so that `f`'s body (a closure used
/// once, inlined here with whatever it inlines) is vectorised for them.
///
/// Only [`fastest!`] calls it, after [`has_avx2`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(crate) fn in_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Evaluates the expression compiled for AVX2 and FMA when the CPU has them, else as built.
/// The expression should call `#[inline(always)]` code: only code inlined into the AVX2 copy
/// is compiled for it. The closure around it is `#[inline(always)]` too: a large one (the
/// run fold) was otherwise left out of line, compiled for the baseline.
macro_rules! fastest {
    ($e:expr) => {{
        #[cfg(target_arch = "x86_64")]
        let r = if $crate::cpu::has_avx2() {
            // SAFETY: the only requirement of a `target_feature` function is that the CPU
            // has the features, which `has_avx2` has just checked.
            #[allow(unsafe_code)]
            unsafe {
                $crate::cpu::in_avx2(
                    #[inline(always)]
                    || $e,
                )
            }
        } else {
            $e
        };
        #[cfg(not(target_arch = "x86_64"))]
        let r = $e;
        r
    }};
}
pub(crate) use fastest;

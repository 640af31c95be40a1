//! Runtime choice of instruction set for the hot loops.
//!
//! The binary is built for baseline x86-64 (SSE2), so that it runs on any server; the loops
//! that dominate (column passes, run folds, finishing) are compiled twice more, for AVX2 and
//! FMA and for AVX-512, and the widest copy the CPU can run is the one that runs: two and four
//! times the lanes per instruction. The copies are the same Rust code, so they compute the same
//! bits: Rust never contracts `a * b + c` into a fused multiply-add, and the one place that
//! asks for one ([`fused`]: SD's TwoProducts in the AVX2 and AVX-512 copies) gets the same
//! exact product error Dekker's TwoProduct gives the baseline for the values it sees there.
//! (The f32 column pass at AVX2 is written in intrinsics instead, [`crate::simd::avx2`]; its
//! one fused operation, the exact low part of a square, rounds to what the others compute.)
//!
//! Fuzzing builds (cargo-fuzz's `--cfg fuzzing`) compile the baseline loops only: the wide
//! copies under its instrumentation doubled the fuzz build's time (7.7 → 13.9 minutes in CI),
//! and they are the same Rust code, which the core's tests run at every level (the one
//! hand-written copy, the AVX2 f32 pass, is checked against the generic pass by a proptest).

use std::ffi::{OsStr, OsString};

/// Caps the instruction set in the environment: `baseline` keeps the SSE2 code, `avx2` the
/// AVX2 copies, on any CPU (either case; `avx512`, empty or unset: the widest the CPU has;
/// anything else is ignored, with [`cpu_env_warning`] for the command to print). So that
/// tests cover every copy on one machine: CI runs the core's tests at each level.
pub const CPU_ENV: &str = "RASTAGG_CPU";

/// The values [`CPU_ENV`] takes (either case) and the level each allows: the one table that
/// both [`cap`] and [`cpu_env_warning`] read.
const CPU_ENV_VALUES: [(&str, Level); 3] = [
    ("baseline", Level::Baseline),
    ("avx2", Level::Avx2),
    ("avx512", Level::Avx512),
];

/// [`CPU_ENV`]'s value: `None` when it is unset or empty; `Err` with the value (lossily
/// decoded) when it is not one of [`CPU_ENV_VALUES`].
fn parse(env: Option<&OsStr>) -> Result<Option<Level>, String> {
    let Some(v) = env.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    CPU_ENV_VALUES
        .iter()
        .find(|(name, _)| v.eq_ignore_ascii_case(name))
        .map(|&(_, level)| Some(level))
        .ok_or_else(|| v.to_string_lossy().into_owned())
}

/// [`CPU_ENV`] as the process has it.
fn env_value() -> Option<OsString> {
    std::env::var_os(CPU_ENV)
}

/// A warning for the user when [`CPU_ENV`] holds a value it does not take (a typo would
/// otherwise run the widest copy unnoticed); `None` when it is unset, empty or valid.
pub fn cpu_env_warning() -> Option<String> {
    env_warning(env_value().as_deref())
}

/// [`cpu_env_warning`] for the value `env`.
fn env_warning(env: Option<&OsStr>) -> Option<String> {
    let v = parse(env).err()?;
    let names: Vec<&str> = CPU_ENV_VALUES.iter().map(|&(name, _)| name).collect();
    Some(format!(
        "{CPU_ENV}={v:?} is not one of {}: ignored, so the widest instruction set this CPU \
         has is used",
        names.join(", ")
    ))
}

/// The instruction sets the hot loops are compiled for, narrowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// Baseline x86-64 (SSE2), or any other architecture.
    Baseline,
    /// AVX2 and FMA.
    Avx2,
    /// AVX-512 (F, BW, DQ, VL) besides AVX2 and FMA.
    Avx512,
}

/// The level the hot loops run at: the widest the CPU has, capped by [`CPU_ENV`] (decided
/// once per process).
#[inline]
pub(crate) fn level() -> Level {
    static LEVEL: std::sync::OnceLock<Level> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| cpu_level().min(cap(env_value().as_deref())))
}

/// Whether the hot loops run in a copy compiled with FMA (AVX2 and AVX-512 are): then
/// [`crate::exact::two_prod_fused`] is one instruction rather than a library call.
#[inline]
pub(crate) fn fused() -> bool {
    level() != Level::Baseline
}

/// The widest level [`CPU_ENV`]'s value `env` allows (unset, empty or unknown: any).
fn cap(env: Option<&OsStr>) -> Level {
    parse(env).ok().flatten().unwrap_or(Level::Avx512)
}

/// The widest level this CPU has (the baseline in fuzzing builds: they have no wide copies).
fn cpu_level() -> Level {
    #[cfg(all(target_arch = "x86_64", not(fuzzing)))]
    {
        use std::arch::is_x86_feature_detected as has;
        if !(has!("avx2") && has!("fma")) {
            return Level::Baseline;
        }
        if has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl") {
            return Level::Avx512;
        }
        Level::Avx2
    }
    #[cfg(not(all(target_arch = "x86_64", not(fuzzing))))]
    Level::Baseline
}

/// Calls `f` from a function compiled for AVX2 and FMA, so that `f`'s body (a closure used
/// once, inlined here with whatever it inlines) is vectorised for them.
///
/// Only [`fastest!`] calls it, after [`level`].
#[cfg(all(target_arch = "x86_64", not(fuzzing)))]
#[target_feature(enable = "avx2,fma")]
pub(crate) fn in_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// [`in_avx2`] for AVX-512: 512-bit vectors and mask registers.
#[cfg(all(target_arch = "x86_64", not(fuzzing)))]
#[target_feature(enable = "avx2,fma,avx512f,avx512bw,avx512dq,avx512vl")]
pub(crate) fn in_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Evaluates the expression compiled for the widest instruction set the CPU has ([`level`]).
/// The expression should call `#[inline(always)]` code: only code inlined into a copy is
/// compiled for its instruction set. The closures around it are `#[inline(always)]` too: a
/// large one (the run fold) was otherwise left out of line, compiled for the baseline.
macro_rules! fastest {
    ($e:expr) => {{
        #[cfg(all(target_arch = "x86_64", not(fuzzing)))]
        let r = match $crate::cpu::level() {
            // SAFETY: the only requirement of a `target_feature` function is that the CPU
            // has the features, which `level` has checked.
            #[allow(unsafe_code)]
            $crate::cpu::Level::Avx512 => unsafe {
                $crate::cpu::in_avx512(
                    #[inline(always)]
                    || $e,
                )
            },
            // SAFETY: as above.
            #[allow(unsafe_code)]
            $crate::cpu::Level::Avx2 => unsafe {
                $crate::cpu::in_avx2(
                    #[inline(always)]
                    || $e,
                )
            },
            $crate::cpu::Level::Baseline => $e,
        };
        #[cfg(not(all(target_arch = "x86_64", not(fuzzing))))]
        let r = $e;
        r
    }};
}
pub(crate) use fastest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_caps_the_level() {
        let cap_of = |v: Option<&str>| cap(v.map(OsStr::new));
        assert_eq!(cap_of(Some("baseline")), Level::Baseline);
        assert_eq!(cap_of(Some("avx2")), Level::Avx2);
        assert_eq!(cap_of(Some("AVX2")), Level::Avx2);
        assert_eq!(cap_of(Some("avx512")), Level::Avx512);
        assert_eq!(cap_of(Some("")), Level::Avx512);
        assert_eq!(cap_of(None), Level::Avx512);
        assert_eq!(cap_of(Some("sse9")), Level::Avx512);
        // The level never exceeds the CPU's or the cap.
        assert!(level() <= cpu_level());
        assert!(level() <= cap(env_value().as_deref()));
    }

    /// Unknown values, and only they, are worth a warning that names the variable, the value
    /// and the values it takes.
    #[test]
    fn unknown_values_are_warned_about() {
        let warning = |v: Option<&str>| env_warning(v.map(OsStr::new));
        for ok in [
            None,
            Some(""),
            Some("baseline"),
            Some("AVX2"),
            Some("avx512"),
        ] {
            assert_eq!(warning(ok), None, "{ok:?}");
        }
        let w = warning(Some("basline")).unwrap_or_default();
        assert!(
            w.contains("RASTAGG_CPU=\"basline\"") && w.contains("baseline, avx2, avx512"),
            "{w}"
        );
    }
}

//! End-to-end tests of `rastagg aggregate` (issue 6): the built binary is run on small inputs
//! and its outputs are checked against references that GDAL and numpy compute at test time
//! (`tests/reference.py`, run with the system python that has `osgeo` and `numpy`).
//!
//! Tests that need GDAL print `skipped: GDAL missing` and return when it is not installed, and
//! fail when `RASTAGG_REQUIRE_GDAL=1` (CI). Tests that only compare our own outputs (names,
//! re-runs, errors, determinism, usage) run everywhere on `testdata/` fixtures.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use rastagg_core::{Resampling, StatSet, output_type};
use rastagg_pipeline::{GridSpec, Source, plan, plan_bands};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rastagg");
const PYTHON: &str = "/usr/bin/python3";
/// Every statistic, with two percentiles.
const EVERY_STAT: &str = "count,min,max,range,sum,mean,SD,median,q1,q3,p10,p90,mode,rms";
/// The 1 km mastergrid fixture (600 x 300 Float32, pixel 0.00833333, nodata -9999, EPSG:4326).
const LST: &str = "LST_Day.2015.01.Mean.1km.Data.tif";
/// A small 1 km fixture (37 x 29 Float32, pixel exactly 1/120, no nodata), for tests about
/// files rather than values.
const SMALL_1KM: &str = "f32_deflate_tile16_1km.tif";

// ---------------------------------------------------------------------------------------------
// Helpers

/// A file of `testdata/`.
fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

/// A scratch folder for one test, emptied first and removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("aggregate-e2e")
            .join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Whether GDAL's python bindings and numpy are there; panics when they are required.
fn gdal_available() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    let ok = *OK.get_or_init(|| {
        Command::new(PYTHON)
            .args(["-c", "import osgeo.gdal, numpy"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    assert!(
        ok || std::env::var("RASTAGG_REQUIRE_GDAL").as_deref() != Ok("1"),
        "GDAL (python3-gdal and numpy for {PYTHON}) is required: RASTAGG_REQUIRE_GDAL=1"
    );
    ok
}

macro_rules! require_gdal {
    () => {
        if !gdal_available() {
            println!("skipped: GDAL missing");
            return;
        }
    };
}

/// Runs `tests/reference.py` and returns the JSON it prints.
fn reference<S: AsRef<OsStr>>(args: &[S]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference.py");
    let out = Command::new(PYTHON)
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "reference.py {:?} failed:\n{stdout}\n{}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

/// The GDAL-made inputs (see `make` in reference.py): deterministic, so made once per version
/// of reference.py and kept in the target folder (made under a temporary name, then renamed).
fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let script =
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference.py"))
                .unwrap();
        // FNV-1a of the script: a new generator gets a new folder.
        let hash = script.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("aggregate-e2e");
        let dir = root.join(format!("fixtures-{hash:016x}"));
        if !dir.join("complete").exists() {
            let tmp = root.join(format!("fixtures-tmp-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&tmp);
            std::fs::create_dir_all(&tmp).unwrap();
            reference(&[OsStr::new("make"), tmp.as_os_str()]);
            std::fs::write(tmp.join("complete"), "").unwrap();
            let _ = std::fs::remove_dir_all(&dir);
            if std::fs::rename(&tmp, &dir).is_err() {
                // Another test run made it meanwhile.
                let _ = std::fs::remove_dir_all(&tmp);
            }
        }
        assert!(dir.join("complete").exists(), "{}", dir.display());
        dir
    })
}

fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// Runs `rastagg aggregate ARGS`.
fn aggregate<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Command::new(BIN)
        .arg("aggregate")
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `rastagg aggregate ARGS` and asserts it succeeded.
fn aggregate_ok<S: AsRef<OsStr>>(args: &[S]) -> Output {
    let out = aggregate(args);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    out
}

/// The JSON summary of a `--json` run.
fn summary(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON summary ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// (done, skipped, failed) of a summary.
fn counts(s: &Value) -> (u64, u64, u64) {
    let n = |k: &str| s[k].as_u64().unwrap();
    (n("done"), n("skipped"), n("failed"))
}

/// The names of the files in `dir` (empty when it does not exist).
fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn set(names: &[String]) -> BTreeSet<String> {
    names.iter().cloned().collect()
}

/// `<prefix>.<stat>.tif` for each statistic of a comma-separated list.
fn outputs(prefix: &str, stats: &str) -> Vec<String> {
    stats
        .split(',')
        .map(|s| format!("{prefix}.{s}.tif"))
        .collect()
}

/// Asserts a `stats` report of reference.py: for every statistic the output has the expected
/// type (`types`: (statistics, type) pairs), nodata, size, geotransform and CRS, and every cell
/// matches its reference (exactly; SD and rms within 1 ulp of the output type).
fn assert_stats(report: &Value, stats: &str, types: &[(&str, &str)], context: &str) {
    for stat in stats.split(',') {
        let r = &report["stats"][stat];
        let want_type = types
            .iter()
            .find(|(names, _)| names.split(',').any(|n| n == stat))
            .map(|(_, t)| *t)
            .unwrap_or_else(|| panic!("no expected type for {stat}"));
        assert_eq!(r["type"], want_type, "{context} {stat}: output type");
        assert_eq!(
            r["want_type"], want_type,
            "{context} {stat}: reference type rule"
        );
        assert_eq!(r["nodata_ok"], true, "{context} {stat}: nodata {r}");
        assert_eq!(r["size_ok"], true, "{context} {stat}: size");
        assert_eq!(
            r["geotransform_ok"], true,
            "{context} {stat}: geotransform {r}"
        );
        assert_eq!(r["crs_ok"], true, "{context} {stat}: CRS");
        assert!(
            r["valid"].as_u64().unwrap() > 0,
            "{context} {stat}: no cell"
        );
        assert_eq!(r["mismatches"], 0, "{context} {stat}: {r:#}");
        let tolerance = if stat == "SD" || stat == "rms" { 1 } else { 0 };
        assert!(
            r["max_ulps"].as_u64().unwrap() <= tolerance,
            "{context} {stat}: {r:#}"
        );
    }
}

/// Aggregates `input` by `fx,fy` to every statistic and checks the outputs against the
/// references; returns the report.
fn check_every_stat(input: &Path, fx: u64, fy: u64, types: &[(&str, &str)]) -> Value {
    let tmp = Scratch::new(&format!(
        "stats-{}-{fx}x{fy}",
        input.file_stem().unwrap().to_string_lossy()
    ));
    let out = tmp.path("out");
    let factor = format!("{fx},{fy}");
    aggregate_ok(&[
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--factor".as_ref(),
        factor.as_ref(),
        "--stats".as_ref(),
        EVERY_STAT.as_ref(),
        "-q".as_ref(),
    ]);
    let stem = input.file_stem().unwrap().to_string_lossy();
    let prefix = out.join(format!("{stem}.Aggregated"));
    let report = reference(&[
        "stats".as_ref(),
        input.as_os_str(),
        prefix.as_os_str(),
        fx.to_string().as_ref(),
        fy.to_string().as_ref(),
        EVERY_STAT.as_ref(),
    ]);
    assert_stats(&report, EVERY_STAT, types, &format!("{stem} {fx}x{fy}"));
    report
}

/// Aggregates `input` into `out` at factor 4,3 with `stats` and the extra options `extra`,
/// and returns the reference's report on the outputs, computed with the same options.
fn stats_at_4x3(input: &Path, out: &Path, stats: &str, extra: &[&str]) -> Value {
    let mut args: Vec<&OsStr> = vec![
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--factor".as_ref(),
        "4,3".as_ref(),
        "--stats".as_ref(),
        stats.as_ref(),
        "-q".as_ref(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    aggregate_ok(&args);
    let stem = input.file_stem().unwrap().to_string_lossy();
    let prefix = out.join(format!("{stem}.Aggregated"));
    let mut args: Vec<&OsStr> = vec![
        "stats".as_ref(),
        input.as_os_str(),
        prefix.as_os_str(),
        "4".as_ref(),
        "3".as_ref(),
        stats.as_ref(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    reference(&args)
}

/// Asserts, with GDAL reading them, that each pair of rasters has the same pixels (bytes),
/// type and nodata.
fn assert_same_pixels(pairs: &[(PathBuf, PathBuf)], context: &str) {
    let mut args: Vec<&OsStr> = vec!["same".as_ref()];
    for (a, b) in pairs {
        args.extend([a.as_os_str(), b.as_os_str()]);
    }
    let r = reference(&args);
    let got = r["pairs"].as_array().unwrap();
    assert_eq!(got.len(), pairs.len());
    for p in got {
        assert_eq!(p["same_pixels"], true, "{context}: {p}");
        assert_eq!(p["same_type"], true, "{context}: {p}");
        assert_eq!(p["same_nodata"], true, "{context}: {p}");
    }
}

/// Number of output cells with no valid input, per the reference (the same for every
/// statistic but count).
fn empty_cells(report: &Value) -> u64 {
    report["stats"]["mean"]["empty"].as_u64().unwrap()
}

// ---------------------------------------------------------------------------------------------
// 1. Every statistic at integer factors against numpy/exact references

#[test]
fn every_statistic_float32_with_nodata_and_nan() {
    require_gdal!();
    let types = [("count", "Int32"), (EVERY_STAT, "Float32")];
    // 103 x 77: edge columns and rows for both factors; NX != NY.
    let r = check_every_stat(&fixture("f32.tif"), 4, 3, &types);
    // The all -9999 and the all-NaN block are nodata (and count 0, checked as a value).
    assert_eq!(empty_cells(&r), 2, "{r:#}");
    assert_eq!(r["out_size"], serde_json::json!([26, 26]));
    let r = check_every_stat(&fixture("f32.tif"), 3, 5, &types);
    assert_eq!(r["out_size"], serde_json::json!([16, 35]));
}

#[test]
fn every_statistic_int16_with_nodata() {
    require_gdal!();
    let types = [
        ("count,range", "Int32"),
        ("min,max,median,q1,q3,p10,p90,mode", "Int16"),
        ("sum,mean,SD,rms", "Float32"),
    ];
    let r = check_every_stat(&fixture("i16.tif"), 4, 3, &types);
    assert_eq!(empty_cells(&r), 1, "{r:#}");
}

#[test]
fn every_statistic_byte_without_nodata_widens_for_default_nodata() {
    require_gdal!();
    // No input nodata: outputs get -9999, which Byte cannot hold: Int16.
    let types = [
        ("count", "Int32"),
        ("min,max,range,median,q1,q3,p10,p90,mode", "Int16"),
        ("sum,mean,SD,rms", "Float32"),
    ];
    let r = check_every_stat(&fixture("u8.tif"), 5, 2, &types);
    assert_eq!(r["stats"]["min"]["nodata"], -9999.0);
}

#[test]
fn every_statistic_float64() {
    require_gdal!();
    let types = [("count", "Int32"), (EVERY_STAT, "Float64")];
    check_every_stat(&fixture("f64.tif"), 3, 4, &types);
}

/// Extreme values (DESIGN.md's rule, see the core's `band` module docs): SD and rms within
/// 1 ulp of the exact value even when squares or sums are beyond float64 (or below its
/// subnormals), mean finite when only the sum overflows; with an infinity, sum and mean as
/// IEEE, SD NaN and rms inf as numpy; range inf - inf NaN as np.ptp.
#[test]
fn sd_and_rms_of_extreme_values() {
    require_gdal!();
    let every = [("count", "Int32"), (EVERY_STAT, "Float64")];
    check_every_stat(&fixture("f64_extreme.tif"), 2, 1, &every);
    let every = [("count", "Int32"), (EVERY_STAT, "Float32")];
    check_every_stat(&fixture("f32_inf.tif"), 2, 1, &every);
}

// ---------------------------------------------------------------------------------------------
// 2. gdalwarp parity on whole blocks

/// The statistics gdalwarp computes too (`-r average/min/max/med/q1/q3/rms/mode`).
const WARP_STATS: &str = "mean,min,max,median,q1,q3,rms,mode";

#[test]
fn gdalwarp_parity_on_whole_blocks() {
    require_gdal!();
    let tmp = Scratch::new("warp");
    for name in ["f32.tif", "i16.tif"] {
        let input = fixture(name);
        let out = tmp.path(name);
        aggregate_ok(&[
            input.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--factor".as_ref(),
            "4,3".as_ref(),
            "--stats".as_ref(),
            WARP_STATS.as_ref(),
            "-q".as_ref(),
        ]);
        let stem = name.trim_end_matches(".tif");
        let prefix = out.join(format!("{stem}.Aggregated"));
        let r = reference(&[
            "warp".as_ref(),
            input.as_os_str(),
            prefix.as_os_str(),
            "4".as_ref(),
            "3".as_ref(),
        ]);
        for stat in WARP_STATS.split(',') {
            let s = &r["stats"][stat];
            assert!(s["cells"].as_u64().unwrap() > 200, "{name} {stat}: {s}");
            if stat == "mode" {
                // GDAL breaks ties by the first value to reach the top count, we by the
                // smallest: every difference must be such a tie, and not every cell differs.
                assert_eq!(s["mismatches"], s["ties_to_smallest"], "{name} mode: {s:#}");
                assert!(
                    s["mismatches"].as_u64() < s["cells"].as_u64(),
                    "{name}: {s}"
                );
            } else {
                assert_eq!(s["mismatches"], 0, "{name} {stat} vs gdalwarp: {s:#}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Output names

#[test]
fn mastergrid_and_other_output_names() {
    let tmp = Scratch::new("names");
    let lst = tmp.path(LST);
    std::fs::copy(testdata(SMALL_1KM), &lst).unwrap();
    let other = tmp.path("dem.v2.tif");
    std::fs::copy(testdata(SMALL_1KM), &other).unwrap();
    let run = |inputs: &[&Path], out: &str, extra: &[&str]| -> BTreeSet<String> {
        let dir = tmp.path(out);
        let mut args: Vec<&OsStr> = inputs.iter().map(|p| p.as_os_str()).collect();
        args.extend(["-o".as_ref(), dir.as_os_str(), "-q".as_ref()]);
        args.extend(extra.iter().map(OsStr::new));
        aggregate_ok(&args);
        files(&dir)
    };
    let stats = ["--stats", "mean,SD,p90"];
    // A mastergrid name keeps its first four tokens; the resolution token is the mastergrid
    // name given to --resolution.
    let got = run(
        &[&lst],
        "a",
        &[&["--resolution", "5km"][..], &stats].concat(),
    );
    assert_eq!(
        got,
        set(&outputs("LST_Day.2015.01.Mean.5km", "mean,SD,p90"))
    );
    // Another name: <stem>.<resname>.<stat>.tif; Aggregated without a mastergrid resolution.
    let got = run(&[&other], "b", &[&["--factor", "5"][..], &stats].concat());
    assert_eq!(got, set(&outputs("dem.v2.Aggregated", "mean,SD,p90")));
    let got = run(
        &[&other],
        "c",
        &[&["--resolution", "10km"][..], &stats].concat(),
    );
    assert_eq!(got, set(&outputs("dem.v2.10km", "mean,SD,p90")));
    // --resolution-name overrides both.
    let extra = [
        &["--resolution", "5km", "--resolution-name", "5000m"][..],
        &stats,
    ]
    .concat();
    let got = run(&[&lst, &other], "d", &extra);
    let mut want = set(&outputs("LST_Day.2015.01.Mean.5000m", "mean,SD,p90"));
    want.extend(outputs("dem.v2.5000m", "mean,SD,p90"));
    assert_eq!(got, want);
    let extra = [&["--factor", "2", "--resolution-name", "2km"][..], &stats].concat();
    let got = run(&[&lst], "e", &extra);
    assert_eq!(
        got,
        set(&outputs("LST_Day.2015.01.Mean.2km", "mean,SD,p90"))
    );
}

// ---------------------------------------------------------------------------------------------
// 4. 1 km -> 5 km from rounded pixel sizes

#[test]
fn one_km_to_five_km_is_factor_five_and_keeps_georeferencing() {
    require_gdal!();
    let tmp = Scratch::new("5km");
    let lst = testdata(LST);
    let (by_res, by_factor) = (tmp.path("res"), tmp.path("factor"));
    for (dir, grid) in [
        (&by_res, ["--resolution", "5km"]),
        (&by_factor, ["--factor", "5"]),
    ] {
        let mut args: Vec<&OsStr> = vec![lst.as_os_str(), "-o".as_ref(), dir.as_os_str()];
        args.extend(grid.iter().map(OsStr::new));
        args.extend(["--stats", "mean,max,count", "-q"].iter().map(OsStr::new));
        aggregate_ok(&args);
    }
    let input = reference(&["info".as_ref(), lst.as_os_str()]);
    assert_eq!(input["geotransform"][1], 0.00833333);
    let mut pairs = Vec::new();
    for stat in ["mean", "max", "count"] {
        let res = by_res.join(format!("LST_Day.2015.01.Mean.5km.{stat}.tif"));
        let fac = by_factor.join(format!("LST_Day.2015.01.Mean.Aggregated.{stat}.tif"));
        let info = reference(&["info".as_ref(), res.as_os_str()]);
        assert_eq!(info["size"], serde_json::json!([60, 120]), "{stat}");
        // Origin kept, pixel exactly 1/24 degree (as float.hex() prints them).
        let want_gt = [
            "-0x1.4000000000000p+2",
            "0x1.5555555555555p-5",
            "0x0.0p+0",
            "0x1.a400000000000p+5",
            "0x0.0p+0",
            "-0x1.5555555555555p-5",
        ];
        assert_eq!(
            info["geotransform_hex"],
            serde_json::json!(want_gt),
            "{stat}"
        );
        assert_eq!(info["epsg"], 4326, "{stat}");
        assert_eq!(info["epsg"], input["epsg"]);
        assert_eq!(info["wkt"], input["wkt"], "{stat}: CRS as GDAL reads it");
        assert_eq!(info["nodata"], -9999.0, "{stat}");
        pairs.push((res, fac));
    }
    assert_same_pixels(&pairs, "--resolution 5km vs --factor 5");
}

#[test]
fn georeferencing_of_point_south_up_and_utm_inputs() {
    require_gdal!();
    let tmp = Scratch::new("georef");
    for name in [
        "f32_deflate_tile16_point.tif",
        "f32_lzw_tile16_southup.tif",
        "f32_deflate_p2_tile16_utm.tif",
        "i16_none_strip7_point_utm.tif",
    ] {
        let input = testdata(name);
        let out = tmp.path(name);
        aggregate_ok(&[
            input.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--factor".as_ref(),
            "2,3".as_ref(),
            "--stats".as_ref(),
            "mean".as_ref(),
            "-q".as_ref(),
        ]);
        let output = out.join(format!(
            "{}.Aggregated.mean.tif",
            name.trim_end_matches(".tif")
        ));
        let r = reference(&[
            "georef".as_ref(),
            input.as_os_str(),
            output.as_os_str(),
            "2".as_ref(),
            "3".as_ref(),
        ]);
        assert_eq!(r["geotransform_ok"], true, "{name}: {r:#}");
        assert_eq!(r["crs_same"], true, "{name}: {r:#}");
        assert_eq!(r["area_or_point_same"], true, "{name}: {r:#}");
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Re-runs skip; --overwrite redoes

#[test]
fn reruns_skip_and_overwrite_redoes() {
    let tmp = Scratch::new("rerun");
    let a = tmp.path("LST_Day.2015.02.Mean.1km.Data.tif");
    let b = tmp.path("other.tif");
    std::fs::copy(testdata(SMALL_1KM), &a).unwrap();
    std::fs::copy(testdata(SMALL_1KM), &b).unwrap();
    let out = tmp.path("out");
    let run = |extra: &[&str]| {
        let mut args: Vec<&OsStr> = vec![
            a.as_os_str(),
            b.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--resolution".as_ref(),
            "5km".as_ref(),
            "--stats".as_ref(),
            "mean,min".as_ref(),
            "--json".as_ref(),
            "-q".as_ref(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        summary(&aggregate_ok(&args))
    };
    // (name, bytes, (inode, mtime)): outputs are renamed into place, so a rewritten output is
    // a new inode even where the clock is too coarse to show it.
    let snapshot = || -> Vec<(String, Vec<u8>, (u64, std::time::SystemTime))> {
        use std::os::unix::fs::MetadataExt;
        files(&out)
            .into_iter()
            .map(|n| {
                let p = out.join(&n);
                let meta = std::fs::metadata(&p).unwrap();
                (
                    n,
                    std::fs::read(&p).unwrap(),
                    (meta.ino(), meta.modified().unwrap()),
                )
            })
            .collect()
    };

    let first = run(&[]);
    assert_eq!(counts(&first), (2, 0, 0), "{first:#}");
    assert_eq!(first["outputs_written"], 4);
    let before = snapshot();
    assert_eq!(before.len(), 4);

    let second = run(&[]);
    assert_eq!(counts(&second), (0, 2, 0), "{second:#}");
    assert_eq!(second["outputs_written"], 0);
    assert_eq!(second["inputs"][0]["status"], "skipped");
    assert_eq!(
        snapshot(),
        before,
        "a skipped input's outputs are untouched"
    );

    // One output missing: that input is redone, the other still skipped.
    let missing = out.join("other.5km.min.tif");
    std::fs::remove_file(&missing).unwrap();
    let third = run(&[]);
    assert_eq!(counts(&third), (1, 1, 0), "{third:#}");
    assert_eq!(third["inputs"][1]["status"], "done");
    let old = before
        .iter()
        .find(|(n, ..)| n == "other.5km.min.tif")
        .unwrap();
    assert_eq!(std::fs::read(&missing).unwrap(), old.1);

    let fourth = run(&["--overwrite"]);
    assert_eq!(counts(&fourth), (2, 0, 0), "{fourth:#}");
    assert_eq!(fourth["outputs_written"], 4);
    let after = snapshot();
    for ((name, bytes, old), (name2, bytes2, new)) in before.iter().zip(&after) {
        assert_eq!(name, name2);
        assert_eq!(bytes, bytes2, "{name}: same bytes when redone");
        assert_ne!(new.0, old.0, "{name}: rewritten by --overwrite");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. One corrupt input among good ones

#[test]
fn corrupt_inputs_fail_alone() {
    let tmp = Scratch::new("corrupt");
    let lst = testdata(LST);
    let bytes = std::fs::read(&lst).unwrap();
    let good_a = tmp.path("good_a.tif");
    let good_b = tmp.path("good_b.tif");
    std::fs::copy(&lst, &good_a).unwrap();
    std::fs::copy(&lst, &good_b).unwrap();
    // Header intact, tiles past the end: found while reading, after the writers started.
    let truncated = tmp.path("truncated.tif");
    std::fs::write(&truncated, &bytes[..40_000]).unwrap();
    // The first tile's DEFLATE stream overwritten (it starts at byte 456).
    let mut flipped = bytes.clone();
    flipped[506..806].fill(0xff);
    let flipped_path = tmp.path("flipped.tif");
    std::fs::write(&flipped_path, &flipped).unwrap();
    let text = tmp.path("text.tif");
    std::fs::write(&text, "this is not a raster\n").unwrap();
    let missing = tmp.path("missing.tif");

    let out = tmp.path("out");
    let stats = "mean,median,count";
    let run = aggregate(&[
        good_a.as_os_str(),
        truncated.as_os_str(),
        flipped_path.as_os_str(),
        text.as_os_str(),
        missing.as_os_str(),
        good_b.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--factor".as_ref(),
        "7".as_ref(),
        "--stats".as_ref(),
        stats.as_ref(),
        "--json".as_ref(),
        "--quiet".as_ref(), // errors are printed all the same
        "--threads".as_ref(),
        "2".as_ref(),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let s = summary(&run);
    assert_eq!(counts(&s), (2, 0, 4), "{s:#}");
    let err = stderr(&run);
    for (bad, reason) in [
        (&truncated, "past the end of the file"),
        (&flipped_path, "DEFLATE"),
        (&text, "not a GeoTIFF or a GDAL VRT"),
        (&missing, "No such file"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains("error") && l.contains(&*bad.to_string_lossy()))
            .unwrap_or_else(|| panic!("no error line names {}:\n{err}", bad.display()));
        assert!(line.contains(reason), "{line}");
        assert_eq!(
            err.matches(&*bad.to_string_lossy()).count(),
            1,
            "one line per failure, nothing else under --quiet:\n{err}"
        );
    }
    // Exactly the good inputs' outputs: no partial or temporary file.
    let mut want = set(&outputs("good_a.Aggregated", stats));
    want.extend(outputs("good_b.Aggregated", stats));
    assert_eq!(files(&out), want);
    // ... and they are the bytes of a run of the good inputs alone.
    let clean = tmp.path("clean");
    aggregate_ok(&[
        good_a.as_os_str(),
        good_b.as_os_str(),
        "-o".as_ref(),
        clean.as_os_str(),
        "--factor".as_ref(),
        "7".as_ref(),
        "--stats".as_ref(),
        stats.as_ref(),
        "-q".as_ref(),
    ]);
    for name in &want {
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            std::fs::read(clean.join(name)).unwrap(),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 7. A VRT input

#[test]
fn vrt_input_equals_its_geotiff() {
    require_gdal!();
    let tmp = Scratch::new("vrt");
    let tiles = tmp.path("tiles");
    std::fs::create_dir_all(&tiles).unwrap();
    let original = fixture("f32.tif");
    let vrt = reference(&["vrt".as_ref(), original.as_os_str(), tiles.as_os_str()]);
    let vrt = PathBuf::from(vrt["vrt"].as_str().unwrap());
    let (a, b) = (tmp.path("from_tif"), tmp.path("from_vrt"));
    for (input, dir) in [(&original, &a), (&vrt, &b)] {
        aggregate_ok(&[
            input.as_os_str(),
            "-o".as_ref(),
            dir.as_os_str(),
            "--factor".as_ref(),
            "4,3".as_ref(),
            "--stats".as_ref(),
            EVERY_STAT.as_ref(),
            "-q".as_ref(),
        ]);
    }
    let pairs: Vec<_> = EVERY_STAT
        .split(',')
        .map(|stat| {
            (
                a.join(format!("f32.Aggregated.{stat}.tif")),
                b.join(format!("mosaic.Aggregated.{stat}.tif")),
            )
        })
        .collect();
    assert_same_pixels(&pairs, "VRT vs GeoTIFF");
    let x = reference(&[
        "info".as_ref(),
        a.join("f32.Aggregated.mean.tif").as_os_str(),
    ]);
    let y = reference(&[
        "info".as_ref(),
        b.join("mosaic.Aggregated.mean.tif").as_os_str(),
    ]);
    assert_eq!(x["geotransform_hex"], y["geotransform_hex"]);
    assert_eq!(x["epsg"], y["epsg"]);
}

// ---------------------------------------------------------------------------------------------
// 8. --mem-limit too small for one band

#[test]
fn mem_limit_too_small_is_refused() {
    let tmp = Scratch::new("memlimit");
    let lst = testdata(LST);
    let out = tmp.path("out");
    let run = aggregate(&[
        lst.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--resolution".as_ref(),
        "5km".as_ref(),
        "--stats".as_ref(),
        "mean,median".as_ref(),
        "--mem-limit".as_ref(),
        "1KiB".as_ref(),
        "--json".as_ref(),
    ]);
    // A per-input failure (the need depends on the input): exit code 1.
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert_eq!(counts(&summary(&run)), (0, 0, 1));
    let err = stderr(&run);
    let line = err
        .lines()
        .find(|l| l.contains("--mem-limit"))
        .unwrap_or_else(|| panic!("no refusal line:\n{err}"));
    assert!(line.contains(&*lst.to_string_lossy()), "{line}");
    assert!(line.contains("--mem-limit 1.0 KiB is too small"), "{line}");
    assert!(
        line.contains("need"),
        "the refusal gives the numbers: {line}"
    );
    assert!(files(&out).is_empty(), "{:?}", files(&out));
}

#[test]
fn small_input_fits_a_small_mem_limit() {
    // 600 x 300 Float32 is 703 KiB in all: with 2 workers, 4 MiB holds its rows, the bands
    // and the writers' tile rows. (A planner that budgets a fixed 16 MiB read per worker
    // refuses it.)
    let tmp = Scratch::new("memlimit-small");
    let lst = testdata(LST);
    let (small, roomy) = (tmp.path("small"), tmp.path("roomy"));
    for (dir, limit) in [(&small, "4MiB"), (&roomy, "1GiB")] {
        aggregate_ok(&[
            lst.as_os_str(),
            "-o".as_ref(),
            dir.as_os_str(),
            "--resolution".as_ref(),
            "5km".as_ref(),
            "--stats".as_ref(),
            "mean,median".as_ref(),
            "--mem-limit".as_ref(),
            limit.as_ref(),
            "--threads".as_ref(),
            "2".as_ref(),
            "-q".as_ref(),
        ]);
    }
    for name in outputs("LST_Day.2015.01.Mean.5km", "mean,median") {
        assert!(
            std::fs::read(small.join(&name)).unwrap() == std::fs::read(roomy.join(&name)).unwrap(),
            "{name}"
        );
    }
}

/// An unknown `RASTAGG_CPU` value (a typo of `baseline`, say) is named in a warning, even with
/// `-q`, and the job still runs (with the widest instruction set the CPU has).
#[test]
fn unknown_cpu_cap_is_warned_about() {
    let tmp = Scratch::new("cpu-env");
    let out = Command::new(BIN)
        .env("RASTAGG_CPU", "basline")
        .arg("aggregate")
        .args([
            testdata(LST).as_os_str(),
            "-o".as_ref(),
            tmp.path("out").as_os_str(),
        ])
        .args(["--factor", "5", "--stats", "count", "-q"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
    assert!(
        err.contains("warning: RASTAGG_CPU=\"basline\" is not one of baseline, avx2, avx512"),
        "stderr:\n{err}"
    );
    assert_eq!(files(&tmp.path("out")).len(), 1);
}

// ---------------------------------------------------------------------------------------------
// 9. Determinism: same bytes whatever the threads and band heights

/// The output row bands the CLI plans for `path` at factor `f` with `stats`, 2 threads and
/// `limit` bytes (`None` when the limit cannot hold one band).
fn bands_for(path: &Path, f: u64, stats: &str, limit: u64) -> Option<rastagg_pipeline::BandPlan> {
    let source = Source::open(path).unwrap();
    let info = source.info(0).unwrap();
    let out = plan(&info, &GridSpec::Factor(f, f), Resampling::Area).unwrap();
    let stats = StatSet::parse(stats).unwrap();
    let nodata = info.nodata.unwrap();
    let types: Vec<_> = stats
        .stats()
        .iter()
        .map(|&s| output_type(s, info.sample_type, &stats.options, nodata))
        .collect();
    plan_bands(&info, &out, &stats, &types, 2, limit).ok()
}

/// The smallest `--mem-limit` for which [`bands_for`] plans (bisection: a plan that fits a
/// limit fits any larger one).
fn smallest_limit(path: &Path, f: u64, stats: &str) -> u64 {
    let (mut lo, mut hi) = (0, bands_for(path, f, stats, 1 << 30).unwrap().budget);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if bands_for(path, f, stats, mid).is_some() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

#[test]
fn outputs_are_identical_for_any_threads_and_band_heights() {
    let tmp = Scratch::new("determinism");
    let lst = testdata(LST);
    let roomy = bands_for(&lst, 7, EVERY_STAT, 1 << 30).unwrap();
    let tight_limit = roomy.budget - 1;
    let tight = bands_for(&lst, 7, EVERY_STAT, tight_limit).unwrap();
    assert_ne!(roomy.bands, tight.bands, "the limits must change the bands");
    let runs = [
        ("t1", vec!["--threads", "1"]),
        ("t2", vec!["--threads", "2", "--mem-limit", "1GiB"]),
    ];
    let tight_text = tight_limit.to_string();
    let tight_run = ("tight", vec!["--threads", "2", "--mem-limit", &tight_text]);
    // So tight that two threads run one band at a time.
    let squeezed_limit = smallest_limit(&lst, 7, EVERY_STAT);
    let squeezed = bands_for(&lst, 7, EVERY_STAT, squeezed_limit).unwrap();
    assert_eq!(squeezed.concurrency, 1, "{squeezed:?}");
    let squeezed_text = squeezed_limit.to_string();
    let squeezed_run = (
        "squeezed",
        vec!["--threads", "2", "--mem-limit", &squeezed_text],
    );
    let mut results = Vec::new();
    for (name, extra) in runs.iter().chain([&tight_run, &squeezed_run]) {
        let dir = tmp.path(name);
        let mut args: Vec<&OsStr> = vec![
            lst.as_os_str(),
            "-o".as_ref(),
            dir.as_os_str(),
            "--factor".as_ref(),
            "7".as_ref(),
            "--stats".as_ref(),
            EVERY_STAT.as_ref(),
            "-q".as_ref(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        aggregate_ok(&args);
        let names = files(&dir);
        assert_eq!(names.len(), 14, "{name}");
        let contents: Vec<(String, Vec<u8>)> = names
            .into_iter()
            .map(|n| {
                let bytes = std::fs::read(dir.join(&n)).unwrap();
                (n, bytes)
            })
            .collect();
        results.push((name, contents));
    }
    let (first_name, first) = &results[0];
    for (name, contents) in &results[1..] {
        for ((n1, b1), (n2, b2)) in first.iter().zip(contents) {
            assert_eq!(n1, n2);
            assert!(b1 == b2, "{n1}: {first_name} and {name} differ");
        }
    }
}

#[test]
fn many_small_bands_match_the_references() {
    const BAND_STATS: &str = "count,min,max,sum,mean,SD,median,mode";
    require_gdal!();
    // 800 x 200 Float32 in strips of 8 rows, factor 6 (not a divisor of 8, edge cells): with
    // the smallest limit that plans at all, bands are one output row and cut across strips.
    let tmp = Scratch::new("bands");
    let input = fixture("wide.tif");
    let roomy = bands_for(&input, 6, BAND_STATS, 1 << 30).unwrap();
    let limit = smallest_limit(&input, 6, BAND_STATS);
    let tight = bands_for(&input, 6, BAND_STATS, limit).unwrap();
    assert!(
        tight.bands.iter().all(|b| b.end - b.start == 1) && roomy.bands.len() < 34,
        "{:?} vs {:?}",
        tight.bands,
        roomy.bands
    );
    let (a, b) = (tmp.path("tight"), tmp.path("roomy"));
    for (dir, limit) in [(&a, limit), (&b, 1 << 30)] {
        let run = aggregate_ok(&[
            input.as_os_str(),
            "-o".as_ref(),
            dir.as_os_str(),
            "--factor".as_ref(),
            "6".as_ref(),
            "--stats".as_ref(),
            BAND_STATS.as_ref(),
            "--mem-limit".as_ref(),
            limit.to_string().as_ref(),
            "--threads".as_ref(),
            "2".as_ref(),
            "-q".as_ref(),
        ]);
        // The smallest limit holds one band at a time, and says so (even with -q).
        let throttled = stderr(&run).contains("holds 1 band(s) of it at once, for 2 threads");
        assert_eq!(throttled, dir == &a, "{}", stderr(&run));
    }
    let r = reference(&[
        "stats".as_ref(),
        input.as_os_str(),
        a.join("wide.Aggregated").as_os_str(),
        "6".as_ref(),
        "6".as_ref(),
        BAND_STATS.as_ref(),
    ]);
    let types = [("count", "Int32"), (BAND_STATS, "Float32")];
    assert_eq!(r["out_size"], serde_json::json!([34, 134]));
    assert_stats(&r, BAND_STATS, &types, "wide.tif, small bands");
    for name in outputs("wide.Aggregated", BAND_STATS) {
        assert!(
            std::fs::read(a.join(&name)).unwrap() == std::fs::read(b.join(&name)).unwrap(),
            "{name}: small and large bands differ"
        );
    }
}

#[test]
fn column_spans_of_a_wide_tiled_input_match_the_references() {
    const SIX: &str = "count,min,max,sum,mean,SD";
    require_gdal!();
    let tmp = Scratch::new("spans");
    let input = fixture("wide_tiled.tif");
    let plan = bands_for(&input, 5, SIX, 1 << 30).unwrap();
    assert_eq!((plan.chunk_rows, plan.chunk_cols), (128, 2048), "{plan:?}");
    let dir = tmp.path("out");
    aggregate_ok(&[
        input.as_os_str(),
        "-o".as_ref(),
        dir.as_os_str(),
        "--factor".as_ref(),
        "5".as_ref(),
        "--stats".as_ref(),
        SIX.as_ref(),
        "-q".as_ref(),
    ]);
    let r = reference(&[
        "stats".as_ref(),
        input.as_os_str(),
        dir.join("wide_tiled.Aggregated").as_os_str(),
        "5".as_ref(),
        "5".as_ref(),
        SIX.as_ref(),
    ]);
    assert_eq!(r["out_size"], serde_json::json!([52, 461]));
    let types = [("count", "Int32"), (SIX, "Float32")];
    assert_stats(&r, SIX, &types, "wide_tiled.tif, column spans");
}

// ---------------------------------------------------------------------------------------------
// 10. Usage errors exit 2

#[test]
fn usage_errors_exit_2() {
    let tmp = Scratch::new("usage");
    let lst = testdata(LST);
    let out = tmp.path("out");
    let cases: [(&[&str], &str); 9] = [
        (&["--stats", "mean"], "--factor"),
        (&["--factor", "5", "--resolution", "5km"], "--resolution"),
        (&["--factor", "5", "--size", "10x10"], "--size"),
        (&["--factor", "5", "--stats", "mean,bogus"], "bogus"),
        (&["--factor", "0"], "--factor"),
        (&["--factor", "abc"], "--factor"),
        (&["--factor", "5,0"], "--factor"),
        (&["--factor", "2,3,4"], "--factor"),
        (&["--resolution", "0"], "--resolution"),
    ];
    for (extra, mention) in cases {
        let mut args: Vec<&OsStr> = vec![lst.as_os_str(), "-o".as_ref(), out.as_os_str()];
        args.extend(extra.iter().map(OsStr::new));
        let run = aggregate(&args);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.contains(mention),
            "{extra:?} should mention {mention}: {err}"
        );
        assert!(!out.exists(), "{extra:?}: nothing written");
    }
}

// ---------------------------------------------------------------------------------------------
// 11. Non-integer ratios

#[test]
fn non_integer_size_area_matches_gdalwarp_and_corner_its_rule() {
    require_gdal!();
    let tmp = Scratch::new("size");
    let input = fixture("small.tif"); // 37 x 29 -> 7 x 10: ratios 5.29 and 2.9
    let (area, corner) = (tmp.path("area"), tmp.path("corner"));
    let corner_stats = "count,min,max,sum,mean,median,mode";
    for (dir, mode, stats) in [
        (&area, "area", "mean,min,max,median,q1,q3,rms"),
        (&corner, "corner", corner_stats),
    ] {
        aggregate_ok(&[
            input.as_os_str(),
            "-o".as_ref(),
            dir.as_os_str(),
            "--size".as_ref(),
            "10x7".as_ref(),
            "--mode".as_ref(),
            mode.as_ref(),
            "--stats".as_ref(),
            stats.as_ref(),
            "-q".as_ref(),
        ]);
    }
    let r = reference(&[
        "size".as_ref(),
        input.as_os_str(),
        area.join("small.Aggregated").as_os_str(),
        "10".as_ref(),
        "7".as_ref(),
    ]);
    for stat in ["mean", "min", "max", "median", "q1", "q3", "rms"] {
        let s = &r["stats"][stat];
        assert_eq!(s["size"], serde_json::json!([10, 7]), "{stat}");
        assert_eq!(s["type"], "Float32", "{stat}");
        assert_eq!(s["cells"], 54, "{stat}: interior cells");
        assert_eq!(s["mismatches"], 0, "{stat} vs gdalwarp -ts: {s:#}");
    }
    let r = reference(&[
        "corner".as_ref(),
        input.as_os_str(),
        corner.join("small.Aggregated").as_os_str(),
        "10".as_ref(),
        "7".as_ref(),
        corner_stats.as_ref(),
    ]);
    assert_eq!(
        r["uneven"], true,
        "the rule must give cells of different sizes"
    );
    for stat in corner_stats.split(',') {
        let s = &r["stats"][stat];
        assert_eq!(s["cells"], 70, "{stat}");
        assert_eq!(s["nodata_ok"], true, "{stat}");
        assert_eq!(s["type"], s["want_type"], "{stat}");
        assert_eq!(s["mismatches"], 0, "{stat} (corner): {s:#}");
    }
}

#[test]
fn non_integer_resolution_matches_gdalwarp_tr() {
    require_gdal!();
    let tmp = Scratch::new("resolution");
    let input = fixture("small.tif"); // 37 x 29, pixel 1/64: R = 3.25 input pixels
    let out = tmp.path("out");
    aggregate_ok(&[
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--resolution".as_ref(),
        "0.05078125".as_ref(),
        "--stats".as_ref(),
        "mean,min,max,median,q1,q3,rms".as_ref(),
        "-q".as_ref(),
    ]);
    let r = reference(&[
        "res".as_ref(),
        input.as_os_str(),
        out.join("small.Aggregated").as_os_str(),
        "0.05078125".as_ref(),
    ]);
    // ceil(37 / 3.25) = 12 columns, ceil(29 / 3.25) = 9 rows; origin kept, pixel exactly R.
    assert_eq!(r["size"], serde_json::json!([9, 12]));
    for stat in ["mean", "min", "max", "median", "q1", "q3", "rms"] {
        let s = &r["stats"][stat];
        assert_eq!(s["size"], r["size"], "{stat}");
        assert_eq!(s["geotransform_hex"], r["geotransform_hex"], "{stat}");
        assert_eq!(s["cells"], 88, "{stat}: interior cells");
        assert_eq!(s["mismatches"], 0, "{stat} vs gdalwarp -tr: {s:#}");
    }
}

// ---------------------------------------------------------------------------------------------
// 12. --src-nodata and --nodata

#[test]
fn src_nodata_overrides_and_nodata_sets_output_with_collision_warnings() {
    require_gdal!();
    let tmp = Scratch::new("nodata");
    // --src-nodata 1 on Int16 (file nodata -9999): 1 is skipped, -9999 becomes data, and the
    // outputs' nodata is 1.
    let input = fixture("i16.tif");
    let out = tmp.path("src");
    let stats = "count,min,max,mean,median";
    let r = stats_at_4x3(&input, &out, stats, &["--src-nodata", "1"]);
    let types = [
        ("count", "Int32"),
        ("min,max,median", "Int16"),
        ("mean", "Float32"),
    ];
    assert_stats(&r, stats, &types, "--src-nodata 1");
    assert_eq!(r["stats"]["min"]["nodata"], 1.0);
    // The file's -9999 is data now: the block of -9999 at the corner is not empty.
    assert_eq!(empty_cells(&r), 0, "{r:#}");

    // --nodata 0 on Byte (no file nodata): Byte holds 0, and results equal to 0 are counted.
    let input = fixture("u8.tif");
    let out = tmp.path("out");
    let stats = "min,max,mean,mode";
    let run = aggregate_ok(&[
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--factor".as_ref(),
        "5,2".as_ref(),
        "--nodata".as_ref(),
        "0".as_ref(),
        "--stats".as_ref(),
        stats.as_ref(),
        "--json".as_ref(),
    ]);
    let r = reference(&[
        "stats".as_ref(),
        input.as_os_str(),
        out.join("u8.Aggregated").as_os_str(),
        "5".as_ref(),
        "2".as_ref(),
        stats.as_ref(),
        "--nodata".as_ref(),
        "0".as_ref(),
    ]);
    let types = [("min,max,mode", "Byte"), ("mean", "Float32")];
    assert_stats(&r, stats, &types, "--nodata 0");
    let s = summary(&run);
    let warnings: Vec<&str> = s["inputs"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let err = stderr(&run);
    let mut warned = 0;
    for stat in stats.split(',') {
        let n = r["stats"][stat]["collisions"].as_u64().unwrap();
        let file = out.join(format!("u8.Aggregated.{stat}.tif"));
        let text = format!(
            "{}: {n} cell(s) of {stat} equal the output nodata 0",
            file.display()
        );
        let found = warnings.iter().filter(|w| w.contains(&text)).count();
        if n == 0 {
            assert!(
                !warnings
                    .iter()
                    .any(|w| w.contains(&*file.to_string_lossy())),
                "{stat}: no collision, no warning: {warnings:?}"
            );
        } else {
            warned += 1;
            assert_eq!(found, 1, "{stat}: want a warning `{text}`: {warnings:?}");
            assert!(err.contains(&format!("warning: {text}")), "{stat}: {err}");
        }
    }
    assert!(
        warned >= 2,
        "the fixture must give collisions (min, mode): {r:#}"
    );
}

#[test]
fn nan_output_nodata_widens_integer_outputs() {
    require_gdal!();
    let tmp = Scratch::new("nan-nodata");
    let input = fixture("f32.tif");
    let out = tmp.path("out");
    let stats = "count,min,mean,median,mode,SD";
    let r = stats_at_4x3(&input, &out, stats, &["--nodata", "nan"]);
    // Int32 cannot hold NaN, Float32 cannot hold every Int32: count is Float64.
    let types = [("count", "Float64"), ("min,mean,median,mode,SD", "Float32")];
    assert_stats(&r, stats, &types, "--nodata nan");
    assert_eq!(r["stats"]["count"]["nodata"], "nan");
    assert_eq!(
        empty_cells(&r),
        2,
        "the empty blocks read back as NaN nodata"
    );
}

#[test]
fn compressions_and_cog_keep_the_pixels() {
    require_gdal!();
    let tmp = Scratch::new("compress");
    let input = fixture("f32.tif");
    let variants: [&[&str]; 5] = [
        &["--compress", "deflate"],
        &["--compress", "lzw"],
        &["--compress", "zstd"],
        &["--compress", "none"],
        &["--cog"],
    ];
    for (k, extra) in variants.iter().enumerate() {
        let dir = tmp.path(&k.to_string());
        let mut args: Vec<&OsStr> = vec![
            input.as_os_str(),
            "-o".as_ref(),
            dir.as_os_str(),
            "--factor".as_ref(),
            "4,3".as_ref(),
            "--stats".as_ref(),
            "mean,mode,count".as_ref(),
            "-q".as_ref(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        aggregate_ok(&args);
    }
    let mut pairs = Vec::new();
    for k in 1..variants.len() {
        for stat in ["mean", "mode", "count"] {
            let name = format!("f32.Aggregated.{stat}.tif");
            pairs.push((
                tmp.path("0").join(&name),
                tmp.path(&k.to_string()).join(&name),
            ));
        }
    }
    assert_same_pixels(&pairs, "compressions and COG");
    let cog = tmp.path("4").join("f32.Aggregated.mean.tif");
    let validator =
        "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py";
    let out = Command::new(PYTHON)
        .arg(validator)
        .arg(&cog)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("is a valid cloud optimized GeoTIFF"),
        "{text}{}",
        stderr(&out)
    );
}

#[test]
fn input_lists_band_and_output_folder_errors() {
    use std::io::Write;
    let tmp = Scratch::new("lists");
    let names = ["a.tif", "b.tif", "c.tif"];
    for n in names {
        std::fs::copy(testdata(SMALL_1KM), tmp.path(n)).unwrap();
    }
    let list = tmp.path("list.txt");
    let (a, b, c) = (tmp.path("a.tif"), tmp.path("b.tif"), tmp.path("c.tif"));
    std::fs::write(
        &list,
        format!("# monthly\n{}\n\n{}\n", a.display(), b.display()),
    )
    .unwrap();
    let out = tmp.path("out");
    let mut child = Command::new(BIN)
        .arg("aggregate")
        .arg(format!("@{}", list.display()))
        .arg("-")
        .args(["-o".as_ref(), out.as_os_str()])
        .args(["--factor", "10", "--stats", "count", "--json", "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", c.display()).unwrap();
    drop(stdin);
    let run = child.wait_with_output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let s = summary(&run);
    assert_eq!(counts(&s), (3, 0, 0));
    let inputs: Vec<&str> = s["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["input"].as_str().unwrap())
        .collect();
    let want: Vec<String> = [&a, &b, &c]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(inputs, want);
    assert_eq!(files(&out).len(), 3);

    // A band the input does not have.
    let run = aggregate(&[
        a.as_os_str(),
        "-o".as_ref(),
        tmp.path("band").as_os_str(),
        "--factor".as_ref(),
        "10".as_ref(),
        "--band".as_ref(),
        "2".as_ref(),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(
        err.contains(&format!("{}: has 1 band(s); band 2 asked for", a.display())),
        "{err}"
    );
    assert!(files(&tmp.path("band")).is_empty());

    // An output folder that is a file.
    let file = tmp.path("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let run = aggregate(&[
        a.as_os_str(),
        "-o".as_ref(),
        file.as_os_str(),
        "--factor".as_ref(),
        "10".as_ref(),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(
        stderr(&run).contains(&*file.to_string_lossy()),
        "{}",
        stderr(&run)
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

#[test]
fn output_nodata_that_does_not_fit_widens_the_type() {
    require_gdal!();
    let tmp = Scratch::new("widen");
    let stats = "count,min,range,median,mode,mean,sum";
    // (input, --nodata, expected output types)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let cases: [Case; 2] = [
        // 0.5 fits no integer type: Int16 -> Float32; Int32 (count, Int16's range) -> Float64.
        (
            "i16.tif",
            "0.5",
            &[
                ("count,range", "Float64"),
                ("min,median,mode,mean,sum", "Float32"),
            ],
        ),
        // 300 does not fit Byte: UInt16 (unsigned first at equal size).
        (
            "u8.tif",
            "300",
            &[
                ("count", "Int32"),
                ("min,range,median,mode", "UInt16"),
                ("mean,sum", "Float32"),
            ],
        ),
    ];
    for (name, nodata, types) in cases {
        let input = fixture(name);
        let out = tmp.path(name);
        let r = stats_at_4x3(&input, &out, stats, &["--nodata", nodata]);
        assert_stats(&r, stats, types, &format!("{name} --nodata {nodata}"));
    }
}

#[test]
fn linear_quantiles_and_sample_sd() {
    require_gdal!();
    // --quantile-method linear is numpy's np.quantile; --ddof 1 the sample SD, nodata for a
    // cell with one valid value.
    let tmp = Scratch::new("linear");
    let stats = "median,q1,q3,p10,p90,SD,mean";
    for name in ["f32.tif", "i16.tif", "f64.tif"] {
        let input = fixture(name);
        let out = tmp.path(name);
        let r = stats_at_4x3(
            &input,
            &out,
            stats,
            &["--quantile-method", "linear", "--ddof", "1"],
        );
        // Interpolated quantiles of integers are real: Float32 for Int16 (the sum's type).
        let real = if name == "f64.tif" {
            "Float64"
        } else {
            "Float32"
        };
        assert_stats(
            &r,
            stats,
            &[(stats, real)],
            &format!("{name} linear, ddof 1"),
        );
        if name == "i16.tif" {
            assert_eq!(r["stats"]["SD"]["nodata_by_rule"], 2, "{r:#}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 13. --align: the output extent snapped outward to multiples of R (like gdalwarp -tap)

/// Statistics of the `--align` runs checked against numpy.
const ALIGN_STATS: &str = "count,min,max,range,sum,mean,SD,median,rms";
/// 1/24 degree as gdalwarp is given it.
const FIVE_KM: &str = "0.041666666666666664";

/// A committed fixture of `testdata/align/` (made by `make_align_fixtures.py` there): 1/120°
/// Float32 rasters whose top-left corner is 2 pixels east and 3 south of a 1/24° multiple.
fn align_fixture(name: &str) -> PathBuf {
    testdata("align").join(name)
}

/// Runs `--resolution RES --align` on `input` into `dir` with `stats` and `extra` options, then
/// `reference.py align` on the outputs (named with `resname`); returns the report.
fn align_run(
    input: &Path,
    dir: &Path,
    (res, resname, gdal_res): (&str, &str, &str),
    stats: &str,
    extra: &[&str],
) -> Value {
    let mut args: Vec<&OsStr> = vec![input.as_os_str(), "-o".as_ref(), dir.as_os_str()];
    args.extend(
        ["--resolution", res, "--align", "--stats", stats, "-q"]
            .into_iter()
            .chain(extra.iter().copied())
            .map(OsStr::new),
    );
    aggregate_ok(&args);
    let stem = input.file_stem().unwrap().to_string_lossy();
    let prefix = dir.join(format!("{stem}.{resname}"));
    let mut args: Vec<&OsStr> = vec![
        "align".as_ref(),
        input.as_os_str(),
        prefix.as_os_str(),
        gdal_res.as_ref(),
        stats.as_ref(),
    ];
    if extra.contains(&"corner") {
        args.push("corner".as_ref());
    }
    reference(&args)
}

/// Asserts the `warp` part of an align report: every statistic on GDAL's grid of
/// `gdalwarp -tap` has our geotransform and no mismatch on the cells both grids have (all of
/// them for min/max/median, the non-border ones for average/rms); GDAL has `extra` cells more,
/// all nodata.
fn assert_tap(r: &Value, extra: u64, context: &str) {
    for (stat, s) in r["warp"].as_object().unwrap() {
        assert_eq!(
            s["our_geotransform_hex"], r["geotransform_hex"],
            "{context} {stat}: our geotransform"
        );
        assert_eq!(
            s["gdal_geotransform_hex"], r["geotransform_hex"],
            "{context} {stat}: gdalwarp -tap's geotransform"
        );
        assert_eq!(s["gdal_extra_cells"], extra, "{context} {stat}: {s:#}");
        assert_eq!(s["gdal_extra_all_nodata"], true, "{context} {stat}");
        assert!(s["cells"].as_u64().unwrap() >= 60, "{context} {stat}: {s}");
        assert_eq!(
            s["mismatches"], 0,
            "{context} {stat} vs gdalwarp -tap: {s:#}"
        );
    }
}

#[test]
fn align_whole_shift_matches_numpy_and_gdalwarp_tap() {
    require_gdal!();
    let tmp = Scratch::new("align-whole");
    let out = tmp.path("out");
    let input = align_fixture("offset_1km.tif"); // 54 x 41
    let r = align_run(&input, &out, ("5km", "5km", FIVE_KM), ALIGN_STATS, &[]);
    // Extent snapped outward: 10 + 2/120 .. 10 + 56/120 to 10 .. 10.5 (12 columns), 50 − 3/120
    // .. 50 − 44/120 to 50 .. 50 − 9/24 (9 rows); origin (10, 50), pixel exactly 1/24.
    assert_eq!(r["size"], serde_json::json!([9, 12]));
    let want_gt = [
        "0x1.4000000000000p+3",
        "0x1.5555555555555p-5",
        "0x0.0p+0",
        "0x1.9000000000000p+5",
        "0x0.0p+0",
        "-0x1.5555555555555p-5",
    ];
    assert_eq!(r["geotransform_hex"], serde_json::json!(want_gt));
    assert_eq!(r["whole"], true);
    // Every cell against numpy (partial edge cells take only what exists), bit for bit: the
    // shifted factor is unweighted, with the same exactness as factor grids.
    let types = [("count", "Int32"), (ALIGN_STATS, "Float32")];
    assert_stats(&r, ALIGN_STATS, &types, "offset_1km --align");
    assert_eq!(empty_cells(&r), 1, "the all-nodata block");
    assert_tap(&r, 0, "offset_1km");
}

#[test]
fn align_never_adds_a_cell_for_float_noise() {
    require_gdal!();
    let tmp = Scratch::new("align-edge");
    let out = tmp.path("out");
    // 53 x 42: the right edge 10 + 55/120 is 251/24 exactly, 251.00000000000003 cells in f64.
    let input = align_fixture("offset_1km_edge.tif");
    let r = align_run(&input, &out, ("5km", "5km", FIVE_KM), ALIGN_STATS, &[]);
    assert_eq!(r["size"], serde_json::json!([9, 11]));
    let types = [("count", "Int32"), (ALIGN_STATS, "Float32")];
    assert_stats(&r, ALIGN_STATS, &types, "offset_1km_edge --align");
    // gdalwarp -tap (GDAL 3.6) adds a twelfth column, all nodata; the rest is the same.
    for s in r["warp"].as_object().unwrap().values() {
        assert_eq!(s["gdal_size"], serde_json::json!([9, 12]), "{s}");
    }
    assert_tap(&r, 9, "offset_1km_edge");
}

#[test]
fn align_non_integer_area_matches_gdalwarp_tap_and_corner_its_rule() {
    require_gdal!();
    let tmp = Scratch::new("align-ratio");
    let input = align_fixture("offset_1km.tif");
    // R = 0.0375 = 4.5 input pixels: the aligned origin (10.0125, 49.9875) is 0.5 pixel west
    // and 1.5 pixels north of the input's, so input cells are shared between outputs.
    let area = align_run(
        &input,
        &tmp.path("area"),
        ("0.0375", "Aggregated", "0.0375"),
        "mean,min,max,median,rms",
        &[],
    );
    assert_eq!(area["size"], serde_json::json!([10, 13]));
    assert_eq!(area["whole"], false);
    assert_tap(&area, 0, "0.0375 area");
    let stats = "count,min,max,sum,mean,median";
    let corner = align_run(
        &input,
        &tmp.path("corner"),
        ("0.0375", "Aggregated", "0.0375"),
        stats,
        &["--mode", "corner"],
    );
    assert_eq!(corner["uneven"], true, "cells of 4 and 5 input pixels");
    let types = [("count", "Int32"), (stats, "Float32")];
    assert_stats(&corner, stats, &types, "0.0375 corner");
}

#[test]
fn align_on_grid_input_changes_nothing_and_needs_a_resolution() {
    // LST's origin (-5, 52.5) is on the 1/24° grid: --align writes the same files.
    let tmp = Scratch::new("align-usage");
    let lst = testdata(LST);
    let (plain, aligned) = (tmp.path("plain"), tmp.path("aligned"));
    for (dir, align) in [(&plain, false), (&aligned, true)] {
        let mut args: Vec<&OsStr> = vec![lst.as_os_str(), "-o".as_ref(), dir.as_os_str()];
        args.extend(["--resolution", "5km", "--stats", "mean,count", "-q"].map(OsStr::new));
        if align {
            args.push("--align".as_ref());
        }
        aggregate_ok(&args);
    }
    for stat in ["mean", "count"] {
        let name = format!("LST_Day.2015.01.Mean.5km.{stat}.tif");
        assert_eq!(
            std::fs::read(plain.join(&name)).unwrap(),
            std::fs::read(aligned.join(&name)).unwrap(),
            "{name}"
        );
    }
    // --align without --resolution is a usage error, like gdalwarp's "-tap requires -tr".
    let out = tmp.path("usage");
    for grid in [["--factor", "5"], ["--size", "10x10"]] {
        let mut args: Vec<&OsStr> = vec![lst.as_os_str(), "-o".as_ref(), out.as_os_str()];
        args.extend(grid.iter().map(OsStr::new));
        args.push("--align".as_ref());
        let run = aggregate(&args);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "{grid:?}: {err}");
        assert!(
            err.contains("--align needs --resolution"),
            "{grid:?}: {err}"
        );
        assert!(!out.exists(), "{grid:?}: nothing written");
    }
}
